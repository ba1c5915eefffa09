import { randomUUID } from 'node:crypto';
import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { User } from './User';

/**
 * Table `api_tokens`: only the sha256 hex digest of a token is stored. A token answers until
 * `expiresAt` (none: never expires) unless revoked.
 */
export class ApiToken {
  /** Properties with a default: optional in `em.create()`. */
  [OptionalProps]?: 'id' | 'createdAt';
  id: string = randomUUID();
  user!: User;
  tokenHash!: string;
  name!: string;
  createdAt: Date = new Date();
  lastUsedAt: Date | null = null;
  expiresAt: Date | null = null;
  revokedAt: Date | null = null;
}

export const ApiTokenSchema = new EntitySchema<ApiToken>({
  class: ApiToken,
  tableName: 'api_tokens',
  properties: {
    id: { type: 'uuid', primary: true },
    user: { kind: 'm:1', entity: 'User', fieldName: 'user_id', deleteRule: 'cascade' },
    tokenHash: { type: 'string', columnType: 'text', fieldName: 'token_hash', unique: 'api_tokens_token_hash_key', hidden: true },
    name: { type: 'string', columnType: 'varchar' },
    createdAt: { type: 'datetime', columnType: 'timestamptz', fieldName: 'created_at', defaultRaw: 'now()' },
    lastUsedAt: { type: 'datetime', columnType: 'timestamptz', fieldName: 'last_used_at', nullable: true },
    expiresAt: { type: 'datetime', columnType: 'timestamptz', fieldName: 'expires_at', nullable: true },
    revokedAt: { type: 'datetime', columnType: 'timestamptz', fieldName: 'revoked_at', nullable: true },
  },
});
