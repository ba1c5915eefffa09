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

/**
 * The body parser's and the router's own client errors (they carry a 4xx `status`): a body over
 * its limit (inflated size for compressed bodies), an unknown charset or Content-Encoding, a
 * corrupt compressed body, a malformed percent-encoding in the path.
 */
function fromHttpLibrary(err: { status: number; type?: string; code?: string; message: string; limit?: number; encoding?: string; charset?: string }): HttpError {
  switch (err.type) {
    case 'entity.parse.failed':
      return new HttpError(400, `malformed JSON body: ${err.message}`);
    case 'entity.too.large':
      return new HttpError(413, `request body too large: the limit for this request is ${err.limit} bytes, counted after any decompression`);
    case 'encoding.unsupported':
      return new HttpError(415, `unsupported Content-Encoding "${err.encoding}"; use gzip, deflate, br or none`);
    case 'charset.unsupported':
      return new HttpError(415, `unsupported charset "${err.charset}" in Content-Type; use utf-8`);
    default:
      // zlib's errors (Z_DATA_ERROR, Z_BUF_ERROR): the body does not match its Content-Encoding.
      if (err.code?.startsWith('Z_')) return new HttpError(400, 'corrupt compressed body: it does not decode with its Content-Encoding');
      return new HttpError(err.status, err.message);
  }
}

function isClientError(err: unknown): err is Error & { status: number } {
  const status: unknown = err instanceof Error ? (err as Error & { status?: unknown }).status : undefined;
  return typeof status === 'number' && status >= 400 && status < 500;
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  let error: HttpError;
  if (err instanceof HttpError) error = err;
  else if (err instanceof ZodError) error = fromZod(err);
  else if (err instanceof InvalidInputError) error = unprocessable(err.field, err.reason);
  else if (isClientError(err)) error = fromHttpLibrary(err);
  else {
    req.log.error({ err }, 'unhandled API error');
    error = new HttpError(500, 'internal error');
  }
  res.status(error.status).json({ error: error.message, ...(error.detail ? { detail: error.detail } : {}) });
};
