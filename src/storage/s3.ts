/**
 * An S3-compatible bucket (AWS S3, MinIO, Ceph, R2...) for production: one object per data set,
 * written as a multipart upload from the stream (no size known in advance), read as a stream.
 */
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BlobStore } from './blob_store';

export interface S3StoreConfig {
  bucket: string;
  /** Prefix of the object keys, e.g. "datasets/". */
  prefix: string;
  /** A non-AWS endpoint (MinIO: http://host:9000); undefined for AWS. */
  endpoint?: string;
  region: string;
  /** Path-style URLs (bucket in the path), which MinIO and most self-hosted stores need. */
  forcePathStyle: boolean;
}

export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  private readonly client: S3Client;

  constructor(private readonly config: S3StoreConfig) {
    // Credentials come from the SDK's usual chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile, role).
    this.client = new S3Client({ region: config.region, endpoint: config.endpoint, forcePathStyle: config.forcePathStyle });
  }

  private objectKey(key: string): string {
    return this.config.prefix + key;
  }

  async put(key: string, data: AsyncIterable<Uint8Array>): Promise<number> {
    let bytes = 0;
    const counted = async function* () {
      for await (const chunk of data) {
        bytes += chunk.length;
        yield chunk;
      }
    };
    // lib-storage aborts the multipart upload when the stream fails, so nothing is left behind.
    await new Upload({ client: this.client, params: { Bucket: this.config.bucket, Key: this.objectKey(key), Body: Readable.from(counted()) } }).done();
    return bytes;
  }

  async *get(key: string): AsyncGenerator<Uint8Array> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
    yield* object.Body as Readable;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
  }
}
