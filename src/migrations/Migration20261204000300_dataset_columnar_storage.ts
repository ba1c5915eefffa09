import { Migration } from '@mikro-orm/migrations';

/**
 * Uploaded data sets in a compact columnar form behind a store (src/storage): `storage_key` names
 * the bytes, kept by default as 1 MiB chunks in `dataset_chunks` (stored out of line without
 * compression: floats do not compress, and trying costs time). A fourth source beside a sample,
 * CSV content and a URI; deleting a data set deletes its chunks.
 */
export class Migration20261204000300_dataset_columnar_storage extends Migration {
  override up(): void {
    this.addSql(`
      CREATE TABLE dataset_chunks (
          key VARCHAR NOT NULL,
          seq INTEGER NOT NULL,
          data BYTEA NOT NULL,
          PRIMARY KEY (key, seq)
      );
      ALTER TABLE dataset_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
      ALTER TABLE datasets
          ADD COLUMN storage_key VARCHAR,
          ADD COLUMN storage_bytes BIGINT,
          ADD COLUMN categorical_encoding VARCHAR,
          ADD COLUMN impute VARCHAR,
          ADD COLUMN feature_columns JSONB,
          DROP CONSTRAINT ck_datasets_source,
          ADD CONSTRAINT ck_datasets_source
              CHECK ((sample_name IS NOT NULL)::int + (content IS NOT NULL)::int + (uri IS NOT NULL)::int + (storage_key IS NOT NULL)::int = 1);
      CREATE FUNCTION delete_dataset_chunks() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
          DELETE FROM dataset_chunks WHERE key = OLD.storage_key;
          RETURN NULL;
      END $$;
      CREATE TRIGGER trg_datasets_delete_chunks AFTER DELETE ON datasets
          FOR EACH ROW WHEN (OLD.storage_key IS NOT NULL) EXECUTE FUNCTION delete_dataset_chunks();`);
  }

  override down(): void {
    this.addSql(`
      DROP TRIGGER trg_datasets_delete_chunks ON datasets;
      DROP FUNCTION delete_dataset_chunks();
      DELETE FROM datasets WHERE storage_key IS NOT NULL;
      ALTER TABLE datasets
          DROP CONSTRAINT ck_datasets_source,
          DROP COLUMN storage_key,
          DROP COLUMN storage_bytes,
          DROP COLUMN categorical_encoding,
          DROP COLUMN impute,
          DROP COLUMN feature_columns,
          ADD CONSTRAINT ck_datasets_source
              CHECK ((sample_name IS NOT NULL)::int + (content IS NOT NULL)::int + (uri IS NOT NULL)::int = 1);
      DROP TABLE dataset_chunks;`);
  }
}
