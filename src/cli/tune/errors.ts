/** Exit codes scripts can branch on, and the one error type every command throws. */
export const EXIT = {
  ok: 0,
  /** The run (or model run) that was waited for ended failed or cancelled. */
  runFailed: 1,
  /** Bad arguments, an unreadable or malformed file. */
  usage: 2,
  /** The API answered an error, or could not be reached. */
  api: 3,
  /** No credentials, or the API refused them. */
  auth: 4,
} as const;

export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    /** Lines printed under the message, such as the API's field errors. */
    readonly details: string[] = [],
    /** A failure that may pass on its own (API unreachable, 5xx): a watch retries it. */
    readonly transient = false,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(EXIT.usage, message);
