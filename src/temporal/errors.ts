/**
 * Error types that retrying cannot fix: bad parameters, bad data, a model run that is not ready,
 * a row that was deleted, a run whose row is already final.
 */
export const NON_RETRYABLE_ERRORS = ['InvalidInputError', 'ModelRunNotReadyError', 'NotFoundError', 'RecordNotFoundError', 'RunClosedError'];
