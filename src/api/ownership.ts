/**
 * Lookups scoped to the requesting user, checked through model_run → experiment → user.
 * Another user's resource answers 404 exactly like a missing one.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Dataset, Experiment, ModelRun, TuningRun } from '../entities';
import { notFound } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function owned<T>(what: string, id: string, find: () => Promise<T | null>): Promise<T> {
  const found = UUID.test(id) ? await find() : null;
  if (!found) throw notFound(what, id);
  return found;
}

export const ownedDataset = (em: EntityManager, userId: string, id: string) =>
  owned('dataset', id, () => em.findOne(Dataset, { id, user: userId }));

export const ownedExperiment = (em: EntityManager, userId: string, id: string) =>
  owned('experiment', id, () => em.findOne(Experiment, { id, user: userId }, { populate: ['dataset'] }));

export const ownedModelRun = (em: EntityManager, userId: string, id: string) =>
  owned('model run', id, () =>
    em.findOne(ModelRun, { id, experiment: { user: userId } }, { populate: ['experiment.dataset'] }),
  );

export const ownedTuningRun = (em: EntityManager, userId: string, id: string) =>
  owned('tuning run', id, () => em.findOne(TuningRun, { id, modelRun: { experiment: { user: userId } } }));
