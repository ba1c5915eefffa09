/**
 * Users and their API tokens. A token is random, shown once, and stored only as its SHA-256
 * hash, so a database dump does not reveal it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ApiToken, User } from '../entities';

export const hashToken = (token: string): string => crypto.createHash('sha256').update(token).digest('hex');
const newToken = (): string => `tr_${crypto.randomBytes(24).toString('base64url')}`;

/** The user a token belongs to, or null for an unknown token. */
export async function userIdForToken(orm: MikroORM, token: string): Promise<string | null> {
  const found = await orm.em.fork().findOne(ApiToken, { tokenHash: hashToken(token) }, { fields: ['user'] });
  return found ? found.user.id : null;
}

/** Creates the user when the e-mail is new, then a new token for them; returns the token in clear. */
export async function createUserToken(orm: MikroORM, email: string, name: string, tokenName = 'default'): Promise<{ userId: string; token: string }> {
  const em = orm.em.fork();
  const user = (await em.findOne(User, { email })) ?? em.create(User, { email, name });
  const token = newToken();
  em.create(ApiToken, { user, tokenHash: hashToken(token), name: tokenName });
  await em.flush();
  return { userId: user.id, token };
}

/**
 * The quick start's local user: its token is kept in STATE_DIR/local-token (mode 0600) so every
 * start prints the same one; a missing or revoked token is replaced.
 */
export async function ensureLocalUser(orm: MikroORM, stateDir: string): Promise<string> {
  const file = path.join(stateDir, 'local-token');
  const saved = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  if (saved && (await userIdForToken(orm, saved))) return saved;
  const { token } = await createUserToken(orm, 'local@localhost', 'Local user', 'quick start');
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}
