/** HTTP errors and the one handler that turns every error into a JSON answer (never an unexplained 500). */
import type { ErrorRequestHandler } from 'express';
import { ZodError } from 'zod';
import { InvalidInputError } from '../ml/types';

export interface FieldError {
  field: string;
  reason: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: FieldError[],
  ) {
    super(message);
  }
}

/** 404 for a missing resource and for another user's resource alike, so ids cannot be probed. */
export const notFound = (what: string, id: string) => new HttpError(404, `${what} ${id} not found`);

export const unprocessable = (field: string, reason: string) =>
  new HttpError(422, `${field}: ${reason}`, [{ field, reason }]);

function fromZod(error: ZodError): HttpError {
  const detail = error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', reason: issue.message }));
  return new HttpError(422, detail.map((d) => `${d.field}: ${d.reason}`).join('; '), detail);
}

export const errorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  let error: HttpError;
  if (err instanceof HttpError) error = err;
  else if (err instanceof ZodError) error = fromZod(err);
  else if (err instanceof InvalidInputError) error = unprocessable(err.field, err.reason);
  else if (err?.type === 'entity.parse.failed') error = new HttpError(400, `malformed JSON body: ${err.message}`);
  else if (err?.type === 'entity.too.large') error = new HttpError(413, 'request body too large');
  else {
    console.error('unhandled API error', err);
    error = new HttpError(500, 'internal error');
  }
  res.status(error.status).json({ error: error.message, ...(error.detail ? { detail: error.detail } : {}) });
};
