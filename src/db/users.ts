/**
 * Users and their API tokens. A token is random, shown once, and stored only as its SHA-256
 * hash, so a database dump does not reveal it. A token answers until it expires or is revoked.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { ApiToken, User } from '../entities';

export const hashToken = (token: string): string => crypto.createHash('sha256').update(token).digest('hex');
const newToken = (): string => `tr_${crypto.randomBytes(24).toString('base64url')}`;

/** last_used_at is written at most this often per token, so authenticating stays a read. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * How long a process trusts a token it has checked without asking the database again (a study's
 * client calls several times a second). A revocation through the API takes effect at once in the
 * process that made it; in other API processes, or when made in the database directly, within this.
 */
const CHECKED_TOKEN_MS = 5_000;
const MAX_CHECKED_TOKENS = 10_000;

interface CheckedToken {
  tokenId: string;
  userId: string;
  trustedUntil: number;
}

/** Checked tokens by hash, per database (tests run several in one process). */
const checkedTokens = new WeakMap<MikroORM, Map<string, CheckedToken>>();

function checkedTokensOf(orm: MikroORM): Map<string, CheckedToken> {
  let cache = checkedTokens.get(orm);
  if (!cache) checkedTokens.set(orm, (cache = new Map()));
  return cache;
}

/** The user an active (known, unexpired, unrevoked) token belongs to, or null. */
export async function userIdForToken(orm: MikroORM, token: string): Promise<string | null> {
  const tokenHash = hashToken(token);
  const cache = checkedTokensOf(orm);
  const now = new Date();
  const checked = cache.get(tokenHash);
  if (checked && checked.trustedUntil > now.getTime()) return checked.userId;
  cache.delete(tokenHash);

  const em = orm.em.fork();
  const found = await em.findOne(
    ApiToken,
    { tokenHash, revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] },
    { fields: ['user', 'lastUsedAt', 'expiresAt'] },
  );
  if (!found) return null;
  if (!found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await em.nativeUpdate(ApiToken, { id: found.id }, { lastUsedAt: now });
  }
  const trustedUntil = Math.min(now.getTime() + CHECKED_TOKEN_MS, found.expiresAt?.getTime() ?? Infinity);
  cache.set(tokenHash, { tokenId: found.id, userId: found.user.id, trustedUntil });
  if (cache.size > MAX_CHECKED_TOKENS) cache.delete(cache.keys().next().value as string);
  return found.user.id;
}

/** A token as its owner sees it: never the secret, nor its hash. */
export interface TokenView {
  id: string;
  name: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}

const tokenView = (row: ApiToken): TokenView => ({
  id: row.id,
  name: row.name,
  created_at: row.createdAt,
  expires_at: row.expiresAt,
  last_used_at: row.lastUsedAt,
});

function addToken(em: EntityManager, user: User | string, name: string, expiresAt: Date | null): { row: ApiToken; token: string } {
  const token = newToken();
  const row = em.create(ApiToken, { user, tokenHash: hashToken(token), name, expiresAt });
  return { row, token };
}

/** A user's tokens that are not revoked (expired ones included, so they can be seen and revoked), newest first. */
export async function listTokens(orm: MikroORM, userId: string): Promise<TokenView[]> {
  const rows = await orm.em.fork().find(ApiToken, { user: userId, revokedAt: null }, { orderBy: { createdAt: 'desc', id: 'asc' } });
  return rows.map(tokenView);
}

/** A new token for the user; the clear token is in the answer and nowhere else. */
export async function createToken(orm: MikroORM, userId: string, name: string, expiresAt: Date | null): Promise<TokenView & { token: string }> {
  const em = orm.em.fork();
  const { row, token } = addToken(em, userId, name, expiresAt);
  await em.flush();
  return { ...tokenView(row), token };
}

/** Revokes one of the user's tokens; false when the user has no such (unrevoked) token. */
export async function revokeToken(orm: MikroORM, userId: string, tokenId: string): Promise<boolean> {
  const changed = await orm.em.fork().nativeUpdate(ApiToken, { id: tokenId, user: userId, revokedAt: null }, { revokedAt: new Date() });
  const cache = checkedTokensOf(orm);
  for (const [tokenHash, checked] of cache) if (checked.tokenId === tokenId) cache.delete(tokenHash);
  return changed > 0;
}

/** Creates the user when the e-mail is new, then a new token for them; returns the token in clear. */
export async function createUserToken(orm: MikroORM, email: string, name: string, tokenName = 'default'): Promise<{ userId: string; token: string }> {
  const em = orm.em.fork();
  const user = (await em.findOne(User, { email })) ?? em.create(User, { email, name });
  const { token } = addToken(em, user, tokenName, null);
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
