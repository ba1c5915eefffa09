/**
 * API tokens of the requesting user: list, create (the token is in the 201 answer only), revoke.
 * A revoked or expired token answers 401 from then on; another user's token answers 404.
 */
import { Router } from 'express';
import { z } from 'zod';
import { createToken, listTokens, revokeToken } from '../../db/users';
import type { ApiDeps } from '../app';
import { notFound } from '../errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 24 * 3600 * 1000;
/** Ten years: an expiry beyond it is no expiry; leave expires_in_days out instead. */
const MAX_EXPIRY_DAYS = 3650;

export const createTokenSchema = z
  .object({
    name: z.string().min(1).max(200),
    expires_in_days: z.number().positive().max(MAX_EXPIRY_DAYS).optional(),
  })
  .strict();

export function tokenRoutes({ orm }: ApiDeps): Router {
  const router = Router();

  router.get('/tokens', async (req, res) => {
    res.json(await listTokens(orm, req.userId));
  });

  router.post('/tokens', async (req, res) => {
    const body = createTokenSchema.parse(req.body ?? {});
    const expiresAt = body.expires_in_days === undefined ? null : new Date(Date.now() + body.expires_in_days * DAY_MS);
    const created = await createToken(orm, req.userId, body.name, expiresAt);
    res.status(201).json({ ...created, detail: 'the token is shown only now; keep it' });
  });

  router.delete('/tokens/:id', async (req, res) => {
    if (!(UUID.test(req.params.id) && (await revokeToken(orm, req.userId, req.params.id)))) throw notFound('API token', req.params.id);
    res.status(204).end();
  });

  return router;
}
