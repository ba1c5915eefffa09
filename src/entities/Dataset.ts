import { randomUUID } from 'node:crypto';
import { BigIntType, Collection, EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { CategoricalEncoding, Imputation } from '../ml/data/encoding';
import type { TaskTypeValue } from './enums';
import type { Experiment } from './Experiment';
import type { User } from './User';

/** A feature column of an uploaded data set as it was read (before encoding). */
export interface FeatureColumnSummary {
  name: string;
  type: 'numeric' | 'categorical';
  /** Number of categories (categorical columns). */
  n_categories?: number;
  missing: number;
}

/**
 * Table `datasets`: a built-in sample (`sampleName`), a CSV stored as text before columnar storage
 * (`content`), a reference (`uri`), or an upload in columnar form in the data-set store
 * (`storageKey`, src/storage): exactly one (CHECK ck_datasets_source). `content` is lazy: load it
 * with `populate: ['content']` or read it with SQL.
 */
export class Dataset {
  /** Properties with a default: optional in `em.create()`. */
  [OptionalProps]?: 'id' | 'createdAt' | 'classes' | 'uri' | 'storageKey' | 'storageBytes' | 'categoricalEncoding' | 'impute' | 'featureColumns';
  id: string = randomUUID();
  user!: User;
  name!: string;
  taskType!: TaskTypeValue;
  targetColumn!: string;
  nSamples!: number;
  nFeatures!: number;
  featureNames!: string[];
  classes: string[] | null = null;
  sampleName: string | null = null;
  content: string | null = null;
  /** A reference to data the user's own code reads (client-evaluated studies): no content here. */
  uri: string | null = null;
  /** Key of the columnar bytes in the data-set store; their size; how they become the feature matrix. */
  storageKey: string | null = null;
  storageBytes: number | null = null;
  categoricalEncoding: CategoricalEncoding | null = null;
  impute: Imputation | null = null;
  featureColumns: FeatureColumnSummary[] | null = null;
  createdAt: Date = new Date();
  experiments = new Collection<Experiment>(this);
}

export const DatasetSchema = new EntitySchema<Dataset>({
  class: Dataset,
  tableName: 'datasets',
  properties: {
    id: { type: 'uuid', primary: true },
    user: { kind: 'm:1', entity: 'User', fieldName: 'user_id', deleteRule: 'cascade' },
    name: { type: 'string', columnType: 'varchar' },
    taskType: { type: 'string', columnType: 'varchar', fieldName: 'task_type' },
    targetColumn: { type: 'string', columnType: 'varchar', fieldName: 'target_column' },
    nSamples: { type: 'integer', fieldName: 'n_samples' },
    nFeatures: { type: 'integer', fieldName: 'n_features' },
    featureNames: { type: 'json', columnType: 'jsonb', fieldName: 'feature_names' },
    classes: { type: 'json', columnType: 'jsonb', nullable: true },
    sampleName: { type: 'string', columnType: 'varchar', fieldName: 'sample_name', nullable: true },
    content: { type: 'text', columnType: 'text', nullable: true, lazy: true },
    uri: { type: 'string', columnType: 'varchar', nullable: true },
    storageKey: { type: 'string', columnType: 'varchar', fieldName: 'storage_key', nullable: true },
    storageBytes: { type: new BigIntType('number'), columnType: 'bigint', fieldName: 'storage_bytes', nullable: true },
    categoricalEncoding: { type: 'string', columnType: 'varchar', fieldName: 'categorical_encoding', nullable: true },
    impute: { type: 'string', columnType: 'varchar', nullable: true },
    featureColumns: { type: 'json', columnType: 'jsonb', fieldName: 'feature_columns', nullable: true },
    createdAt: { type: 'datetime', columnType: 'timestamptz', fieldName: 'created_at', defaultRaw: 'now()' },
    experiments: { kind: '1:m', entity: 'Experiment', mappedBy: 'dataset' },
  },
});
