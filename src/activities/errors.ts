/** Errors raised by activities; their class names are the Temporal error types the workflows match on. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

export class ModelRunNotReadyError extends Error {
  override readonly name = 'ModelRunNotReadyError';
}
