import { Migration } from '@mikro-orm/migrations';

/**
 * A data set may be a reference (a name and a URI, no content) for models trained by the user's
 * own code: exactly one of a built-in sample, uploaded content or a URI.
 */
export class Migration20261203000001_dataset_reference extends Migration {
  override up(): void {
    this.addSql(`
      ALTER TABLE datasets
          ADD COLUMN uri VARCHAR,
          DROP CONSTRAINT ck_datasets_source,
          ADD CONSTRAINT ck_datasets_source
              CHECK ((sample_name IS NOT NULL)::int + (content IS NOT NULL)::int + (uri IS NOT NULL)::int = 1);`);
  }

  override down(): void {
    this.addSql(`
      DELETE FROM datasets WHERE uri IS NOT NULL;
      ALTER TABLE datasets
          DROP CONSTRAINT ck_datasets_source,
          DROP COLUMN uri,
          ADD CONSTRAINT ck_datasets_source CHECK ((sample_name IS NULL) <> (content IS NULL));`);
  }
}
