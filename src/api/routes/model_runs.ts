/**
 * Model runs: a model type with given hyperparameters, cross-validated by TrainModelWorkflow; once
 * COMPLETED it can be tuned. Deleting one deletes its tuning runs (ON DELETE CASCADE).
 */
import { Router } from 'express';
import { QueryOrder, raw } from '@mikro-orm/core';
import { ModelRun, TuningRun, TuningStatus } from '../../entities';
import { validateParams } from '../../ml/estimators';
import { defaultScoring, getScorer } from '../../ml/metrics';
import { startTrainingWorkflow } from '../../temporal/start';
import { tuningWorkflowId } from '../../temporal/ids';
import type { ApiDeps } from '../app';
import { notFound, unprocessable } from '../errors';
import { ownedExperiment, ownedModelRun } from '../ownership';
import { createModelRunSchema, listTuningRunsQuery } from '../schemas';
import { checkModelType, underField } from '../validation';
import { modelRunView, tuningRunView } from '../views';
import { deleteModelRunSchedules } from './schedules';

export function modelRunRoutes({ orm, temporal, config }: ApiDeps): Router {
  const router = Router();

  router.post('/model-runs', async (req, res) => {
    const body = createModelRunSchema.parse(req.body ?? {});
    const em = orm.em.fork();
    const experiment = await ownedExperiment(em, req.userId, body.experiment_id);
    const { dataset } = experiment;
    const task = dataset.taskType;
    checkModelType(body.model_type, task);
    underField('hyperparameters', () => validateParams(body.model_type, task, body.hyperparameters));
    const scoring = body.scoring ?? defaultScoring(task);
    getScorer(scoring, task, dataset.classes?.length); // InvalidInputError('scoring', ...) answers 422
    if (body.cv_folds > dataset.nSamples) throw unprocessable('cv_folds', `${body.cv_folds} folds for ${dataset.nSamples} samples`);

    const modelRun = em.create(ModelRun, {
      experiment,
      modelType: body.model_type,
      hyperparameters: body.hyperparameters,
      cvFolds: body.cv_folds,
      scoring,
    });
    await em.flush();
    const workflowId = await startTrainingWorkflow(
      temporal,
      config,
      { modelRunId: modelRun.id },
      `train ${body.model_type} on data set ${dataset.name} (${body.cv_folds}-fold CV, ${scoring})`,
    );
    modelRun.taskId = workflowId;
    await em.flush();
    res.status(202).json(modelRunView(modelRun));
  });

  router.get('/model-runs/:id', async (req, res) => {
    res.json(modelRunView(await ownedModelRun(orm.em.fork(), req.userId, req.params.id)));
  });

  router.delete('/model-runs/:id', async (req, res) => {
    const em = orm.em.fork();
    const modelRun = await ownedModelRun(em, req.userId, req.params.id);
    await deleteModelRunSchedules(orm, temporal, modelRun.id);
    const running = await em.find(TuningRun, { modelRun, status: TuningStatus.RUNNING }, { fields: ['id'] });
    // Stop the workflows first so none writes to rows the cascade is about to remove.
    await Promise.all(
      running.map((run) =>
        temporal.workflow
          .getHandle(tuningWorkflowId(run.id))
          .terminate('model run deleted')
          .catch(() => undefined),
      ),
    );
    await em.nativeDelete(ModelRun, { id: modelRun.id });
    res.status(204).end();
  });

  router.get('/model-runs/:id/tuning-runs', async (req, res) => {
    const query = listTuningRunsQuery.parse(req.query);
    const em = orm.em.fork();
    const modelRun = await ownedModelRun(em, req.userId, req.params.id);
    const runs = await em.find(
      TuningRun,
      {
        modelRun,
        ...(query.status ? { status: query.status as TuningStatus } : {}),
        ...(query.tag ? { tags: { $contains: [query.tag] } } : {}),
      },
      { orderBy: { createdAt: 'desc' }, limit: query.limit, offset: query.offset },
    );
    res.json(runs.map((run) => ({ ...tuningRunView(run), best_score: (run.results?.best_score as number | undefined) ?? null })));
  });

  /** The completed tuning run with the highest best_score, as the seed's "best tuning run" query. */
  router.get('/model-runs/:id/tuning-runs/best', async (req, res) => {
    const em = orm.em.fork();
    const modelRun = await ownedModelRun(em, req.userId, req.params.id);
    const best = await em.findOne(
      TuningRun,
      { modelRun, status: TuningStatus.COMPLETED },
      { orderBy: { [raw((alias) => `(${alias}.results->>'best_score')::float`)]: QueryOrder.DESC_NULLS_LAST } },
    );
    if (!best) throw notFound('completed tuning run of model run', modelRun.id);
    res.json({ ...tuningRunView(best), best_params: best.bestParams, results: best.results });
  });

  return router;
}

