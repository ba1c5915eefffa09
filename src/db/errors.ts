/** Errors raised by the persistence functions in src/db. */

/** A referenced row does not exist. */
export class RecordNotFoundError extends Error {
  override readonly name = 'RecordNotFoundError';
  constructor(
    readonly table: string,
    readonly id: string,
  ) {
    super(`${table} ${id} does not exist`);
  }
}

/** A tuning run's row is already COMPLETED or FAILED: nothing may be recorded for it any more. */
export class RunClosedError extends Error {
  override readonly name = 'RunClosedError';
  constructor(
    readonly id: string,
    readonly status: string,
  ) {
    super(`tuning run ${id} is already ${status}`);
  }
}

/** A row is not in the state the operation requires (e.g. tuning a model run that has not completed). */
export class InvalidStateError extends Error {
  override readonly name = 'InvalidStateError';
  constructor(
    readonly table: string,
    readonly id: string,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}
