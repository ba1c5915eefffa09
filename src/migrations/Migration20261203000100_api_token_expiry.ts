import { Migration } from '@mikro-orm/migrations';

/**
 * API tokens managed over the API (GET/POST/DELETE /tokens): an optional expiry and a revocation
 * time. A revoked token's row stays (it is listed no more, and its hash can never match again).
 */
export class Migration20261203000100_api_token_expiry extends Migration {
  override up(): void {
    this.addSql(`
      ALTER TABLE api_tokens
          ADD COLUMN expires_at TIMESTAMP WITH TIME ZONE,
          ADD COLUMN revoked_at TIMESTAMP WITH TIME ZONE;`);
  }

  override down(): void {
    this.addSql(`
      ALTER TABLE api_tokens
          DROP COLUMN IF EXISTS expires_at,
          DROP COLUMN IF EXISTS revoked_at;`);
  }
}
