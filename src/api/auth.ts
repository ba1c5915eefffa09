/** Bearer-token authentication: every API request names its user through a token. */
import type { RequestHandler } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { userIdForToken } from '../db/users';
import { HttpError } from './errors';

declare module 'express-serve-static-core' {
  interface Request {
    userId: string;
  }
}

export function authenticate(orm: MikroORM): RequestHandler {
  return async (req, res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match) {
      res.set('WWW-Authenticate', 'Bearer');
      return next(new HttpError(401, 'missing bearer token (Authorization: Bearer <token>)'));
    }
    const userId = await userIdForToken(orm, match[1]);
    if (!userId) {
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      return next(new HttpError(401, 'invalid API token'));
    }
    req.userId = userId;
    next();
  };
}
