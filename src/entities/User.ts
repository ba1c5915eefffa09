import { randomUUID } from 'node:crypto';
import { Collection, EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { ApiToken } from './ApiToken';
import type { Dataset } from './Dataset';
import type { Experiment } from './Experiment';

/** Table `users`. */
export class User {
  /** Properties with a default: optional in `em.create()`. */
  [OptionalProps]?: 'id' | 'createdAt';
  id: string = randomUUID();
  email!: string;
  name!: string;
  createdAt: Date = new Date();
  apiTokens = new Collection<ApiToken>(this);
  datasets = new Collection<Dataset>(this);
  experiments = new Collection<Experiment>(this);
}

export const UserSchema = new EntitySchema<User>({
  class: User,
  tableName: 'users',
  properties: {
    id: { type: 'uuid', primary: true },
    email: { type: 'string', columnType: 'varchar', unique: 'users_email_key' },
    name: { type: 'string', columnType: 'varchar' },
    createdAt: { type: 'datetime', columnType: 'timestamptz', fieldName: 'created_at', defaultRaw: 'now()' },
    apiTokens: { kind: '1:m', entity: 'ApiToken', mappedBy: 'user' },
    datasets: { kind: '1:m', entity: 'Dataset', mappedBy: 'user' },
    experiments: { kind: '1:m', entity: 'Experiment', mappedBy: 'user' },
  },
});
