/**
 * The data-set store chosen by the environment:
 * - DATASET_STORE=postgres (default): chunks in the service's PostgreSQL;
 * - DATASET_STORE=s3: DATASET_S3_BUCKET (required), DATASET_S3_PREFIX (default "datasets/"),
 *   DATASET_S3_ENDPOINT (for MinIO and other S3-compatible stores), DATASET_S3_REGION (default
 *   AWS_REGION or us-east-1), DATASET_S3_FORCE_PATH_STYLE (default true when an endpoint is set);
 *   credentials from the AWS SDK's chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ...).
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import type { BlobStore } from './blob_store';
import { PostgresBlobStore } from './postgres';
import { S3BlobStore, type S3StoreConfig } from './s3';

export type { BlobStore } from './blob_store';
export { PostgresBlobStore } from './postgres';
export { S3BlobStore } from './s3';

/** The S3 settings in `env`, or null when DATASET_STORE is not s3. Throws on a bad setting (at startup). */
export function s3ConfigFromEnv(env: NodeJS.ProcessEnv): S3StoreConfig | null {
  const kind = env.DATASET_STORE ?? 'postgres';
  if (kind === 'postgres') return null;
  if (kind !== 's3') throw new Error(`DATASET_STORE: expected "postgres" or "s3", got ${JSON.stringify(kind)}`);
  const bucket = env.DATASET_S3_BUCKET;
  if (!bucket) throw new Error('DATASET_S3_BUCKET is required with DATASET_STORE=s3');
  const endpoint = env.DATASET_S3_ENDPOINT || undefined;
  return {
    bucket,
    prefix: env.DATASET_S3_PREFIX ?? 'datasets/',
    endpoint,
    region: env.DATASET_S3_REGION || env.AWS_REGION || 'us-east-1',
    forcePathStyle: env.DATASET_S3_FORCE_PATH_STYLE ? env.DATASET_S3_FORCE_PATH_STYLE === 'true' : endpoint !== undefined,
  };
}

export function datasetStore(orm: MikroORM, env: NodeJS.ProcessEnv = process.env): BlobStore {
  const s3 = s3ConfigFromEnv(env);
  return s3 ? new S3BlobStore(s3) : new PostgresBlobStore(orm);
}
