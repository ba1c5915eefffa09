import { randomUUID } from 'node:crypto';
import { Collection, EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { Dataset } from './Dataset';
import type { ModelRun } from './ModelRun';
import type { User } from './User';

/** Table `experiments`. */
export class Experiment {
  /** Properties with a default: optional in `em.create()`. */
  [OptionalProps]?: 'id' | 'createdAt';
  id: string = randomUUID();
  user!: User;
  dataset!: Dataset;
  name!: string;
  description: string | null = null;
  createdAt: Date = new Date();
  modelRuns = new Collection<ModelRun>(this);
}

export const ExperimentSchema = new EntitySchema<Experiment>({
  class: Experiment,
  tableName: 'experiments',
  properties: {
    id: { type: 'uuid', primary: true },
    user: { kind: 'm:1', entity: 'User', fieldName: 'user_id', deleteRule: 'cascade' },
    dataset: { kind: 'm:1', entity: 'Dataset', fieldName: 'dataset_id', deleteRule: 'cascade' },
    name: { type: 'string', columnType: 'varchar' },
    description: { type: 'text', columnType: 'text', nullable: true },
    createdAt: { type: 'datetime', columnType: 'timestamptz', fieldName: 'created_at', defaultRaw: 'now()' },
    modelRuns: { kind: '1:m', entity: 'ModelRun', mappedBy: 'experiment' },
  },
});
