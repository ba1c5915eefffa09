/** Experiments: a named piece of work on one data set; model runs belong to one. */
import { Router } from 'express';
import { z } from 'zod';
import { Experiment, User } from '../../entities';
import type { ApiDeps } from '../app';
import { ownedDataset, ownedExperiment } from '../ownership';
import { createExperimentSchema, pageQuery } from '../schemas';
import { experimentView } from '../views';

export const listExperimentsQuery = pageQuery.extend({ dataset_id: z.string().uuid().optional() });

export function experimentRoutes({ orm }: ApiDeps): Router {
  const router = Router();

  router.post('/experiments', async (req, res) => {
    const body = createExperimentSchema.parse(req.body ?? {});
    const em = orm.em.fork();
    const dataset = await ownedDataset(em, req.userId, body.dataset_id);
    const experiment = em.create(Experiment, {
      user: em.getReference(User, req.userId),
      dataset,
      name: body.name,
      description: body.description ?? null,
    });
    await em.flush();
    res.status(201).json(experimentView(experiment));
  });

  router.get('/experiments', async (req, res) => {
    const { dataset_id, limit, offset } = listExperimentsQuery.parse(req.query);
    const [experiments, total] = await orm.em
      .fork()
      .findAndCount(Experiment, { user: req.userId, ...(dataset_id ? { dataset: dataset_id } : {}) }, { orderBy: { createdAt: 'desc', id: 'asc' }, limit, offset });
    res.set('X-Total-Count', String(total)).json(experiments.map(experimentView));
  });

  router.get('/experiments/:id', async (req, res) => {
    res.json(experimentView(await ownedExperiment(orm.em.fork(), req.userId, req.params.id)));
  });

  return router;
}
