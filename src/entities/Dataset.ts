import { randomUUID } from 'node:crypto';
import { Collection, EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { TaskTypeValue } from './enums';
import type { Experiment } from './Experiment';
import type { User } from './User';

/**
 * Table `datasets`: either a built-in sample (`sampleName`) or an uploaded CSV (`content`),
 * exactly one of the two (CHECK ck_datasets_source). `content` is lazy: load it with
 * `populate: ['content']` or read it with SQL.
 */
export class Dataset {
  /** Properties with a default: optional in `em.create()`. */
  [OptionalProps]?: 'id' | 'createdAt' | 'classes' | 'uri';
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
    createdAt: { type: 'datetime', columnType: 'timestamptz', fieldName: 'created_at', defaultRaw: 'now()' },
    experiments: { kind: '1:m', entity: 'Experiment', mappedBy: 'dataset' },
  },
});
