/**
 * Model runs: a model type with given hyperparameters, cross-validated by TrainModelWorkflow; once
 * COMPLETED it can be tuned. Deleting one stops its workflows, then deletes its tuning runs
 * (ON DELETE CASCADE).
 */
import { Router } from 'express';
import { z } from 'zod';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { bestTuningRunId } from '../../db/best_runs';
import { failModelRun } from '../../db/model_runs';
import { ModelRun, TuningRun, TuningStatus } from '../../entities';
import { EXTERNAL_MODEL_TYPE, ModelRunStatus } from '../../entities/enums';
import type { ModelRunMetrics } from '../../entities/ModelRun';
import { validateParams } from '../../ml/estimators';
import { defaultScoring, getScorer } from '../../ml/metrics';
import { startTrainingWorkflow, stopWorkflow } from '../../temporal/start';
import { trainingWorkflowId, tuningWorkflowId } from '../../temporal/ids';
import type { ApiDeps } from '../app';
import { HttpError, unprocessable } from '../errors';
import { ownedExperiment, ownedModelRun } from '../ownership';
import { createModelRunSchema, listTuningRunsQuery, pageQuery } from '../schemas';
import { checkEvaluationCost, checkMissingValues, checkParameterLimits, datasetShape } from '../limits';
import { checkModelType, underField } from '../validation';
import { modelRunView, tuningRunView } from '../views';
import { deleteModelRunSchedules } from './schedules';

export const bestQuery = z.object({ scoring: z.string().min(1).max(100).optional() });

export const listModelRunsQuery = pageQuery.extend({ experiment_id: z.string().uuid().optional(), status: z.nativeEnum(ModelRunStatus).optional() });

export function modelRunRoutes({ orm, temporal, config }: ApiDeps): Router {
  const router = Router();

  router.post('/model-runs', async (req, res) => {
    const body = createModelRunSchema.parse(req.body ?? {});
    const em = orm.em.fork();
    const experiment = await ownedExperiment(em, req.userId, body.experiment_id);
    const { dataset } = experiment;
    const task = dataset.taskType;
    if (body.model_type === EXTERNAL_MODEL_TYPE) {
      // A model trained by the user's own code, registered to be tuned through the study API:
      // nothing to train here, so it is COMPLETED at once, with the metrics it was given.
      const modelRun = em.create(ModelRun, {
        experiment,
        modelType: EXTERNAL_MODEL_TYPE,
        hyperparameters: body.hyperparameters,
        cvFolds: body.cv_folds,
        scoring: body.scoring ?? 'score',
        status: ModelRunStatus.COMPLETED,
        // The user's code names its own metrics (any finite numbers), kept as given.
        metrics: (body.metrics ?? null) as ModelRunMetrics | null,
        modelArtifactPath: body.model_artifact_path ?? null,
        completedAt: new Date(),
      });
      await em.flush();
      res.status(201).json(modelRunView(modelRun));
      return;
    }
    if (body.metrics !== undefined || body.model_artifact_path !== undefined) {
      throw unprocessable(body.metrics !== undefined ? 'metrics' : 'model_artifact_path', `only for model_type "${EXTERNAL_MODEL_TYPE}" (a built-in model's are computed)`);
    }
    checkModelType(body.model_type, task);
    checkParameterLimits('hyperparameters', body.hyperparameters, config.parameterLimits);
    underField('hyperparameters', () => validateParams(body.model_type, task, body.hyperparameters));
    const scoring = body.scoring ?? defaultScoring(task);
    getScorer(scoring, task, dataset.classes?.length); // InvalidInputError('scoring', ...) answers 422
    if (body.cv_folds > dataset.nSamples) throw unprocessable('cv_folds', `${body.cv_folds} folds for ${dataset.nSamples} samples`);
    const costContext = { modelType: body.model_type, task, cvFolds: body.cv_folds, shape: datasetShape(dataset), config };
    checkEvaluationCost('hyperparameters', body.hyperparameters, costContext);
    checkMissingValues(body.model_type, dataset);

    const modelRun = em.create(ModelRun, {
      experiment,
      modelType: body.model_type,
      hyperparameters: body.hyperparameters,
      cvFolds: body.cv_folds,
      scoring,
    });
    await em.flush();
    modelRun.taskId = trainingWorkflowId(modelRun.id);
    try {
      await startTrainingWorkflow(temporal, config, modelRun.id, {
        modelType: body.model_type,
        datasetName: dataset.name,
        cvFolds: body.cv_folds,
        scoring,
      });
    } catch (err) {
      // The reconciler may have started it already (a slow start): that is the workflow we wanted.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
        await failModelRun(orm, modelRun.id, { error: `could not start the training workflow: ${(err as Error).message}`, error_type: 'WorkflowStartError' });
        throw new HttpError(503, 'Temporal is not reachable; the model run was recorded as failed, retry later');
      }
    }
    await em.flush();
    res.status(202).json(modelRunView(modelRun));
  });

  router.get('/model-runs', async (req, res) => {
    const { experiment_id, status, limit, offset } = listModelRunsQuery.parse(req.query);
    const [modelRuns, total] = await orm.em.fork().findAndCount(
      ModelRun,
      { experiment: { user: req.userId, ...(experiment_id ? { id: experiment_id } : {}) }, ...(status ? { status } : {}) },
      { orderBy: { createdAt: 'desc', id: 'asc' }, limit, offset },
    );
    res.set('X-Total-Count', String(total)).json(modelRuns.map(modelRunView));
  });

  router.get('/model-runs/:id', async (req, res) => {
    res.json(modelRunView(await ownedModelRun(orm.em.fork(), req.userId, req.params.id)));
  });

  router.delete('/model-runs/:id', async (req, res) => {
    const em = orm.em.fork();
    const modelRun = await ownedModelRun(em, req.userId, req.params.id);
    await deleteModelRunSchedules(orm, temporal, modelRun.id);
    const running = await em.find(TuningRun, { modelRun, status: TuningStatus.RUNNING }, { fields: ['id'] });
    // Stop the workflows first, and wait until they are closed, so none writes to rows the cascade
    // is about to remove. Only when every one is closed (or never existed) is the row deleted.
    const stops = await Promise.allSettled([
      stopWorkflow(temporal, trainingWorkflowId(modelRun.id), 'model run deleted'),
      ...running.map((run) => stopWorkflow(temporal, tuningWorkflowId(run.id), 'model run deleted')),
    ]);
    const failure = stops.find((stop): stop is PromiseRejectedResult => stop.status === 'rejected');
    if (failure) {
      const reason = failure.reason instanceof Error ? failure.reason.message : String(failure.reason);
      throw new HttpError(503, `could not stop the model run's workflows (${reason}); nothing was deleted, retry later`);
    }
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

  /**
   * The completed tuning run with the highest best_score among those scored with `?scoring=`
   * (default: the model run's scoring), as the seed's "best tuning run" query.
   */
  router.get('/model-runs/:id/tuning-runs/best', async (req, res) => {
    const query = bestQuery.parse(req.query);
    const em = orm.em.fork();
    const modelRun = await ownedModelRun(em, req.userId, req.params.id);
    const scoring = query.scoring ?? modelRun.scoring;
    const dataset = modelRun.experiment.dataset;
    getScorer(scoring, dataset.taskType, dataset.classes?.length); // InvalidInputError('scoring', ...) answers 422
    const bestId = await bestTuningRunId(em, modelRun.id, { scoring });
    const best = bestId === null ? null : await em.findOneOrFail(TuningRun, { id: bestId });
    if (!best) throw new HttpError(404, `model run ${modelRun.id} has no completed tuning run scored with ${scoring}`);
    res.json({ ...tuningRunView(best), best_params: best.bestParams, results: best.results });
  });

  return router;
}

