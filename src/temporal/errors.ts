/** Error types that retrying cannot fix: bad parameters, bad data, a model run that is not ready. */
export const NON_RETRYABLE_ERRORS = ['InvalidInputError', 'ModelRunNotReadyError', 'NotFoundError'];
