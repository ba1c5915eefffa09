/**
 * Tuning runs: the seed's three endpoints (tune, status, results) plus the trial history.
 * A run is recorded RUNNING, then its TuningWorkflow starts; the workflow writes the outcome.
 */
import { Router } from 'express';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { warmStartMismatch } from '../../db/best_runs';
import { failTuningRun, listTrials, recordBudgetChange, runningProgress, type StoredTrial } from '../../db/tuning_runs';
import { TuningRun, TuningStatus } from '../../entities';
import type { ServiceConfig } from '../../config';
import { paramNames } from '../../ml/estimators';
import { getScorer } from '../../ml/metrics';
import { gridSize, validateParamGrid, validateSearchSpace, type SearchSpace } from '../../ml/search';
import type { ModelRun } from '../../entities';
import { tuningWorkflowId } from '../../temporal/ids';
import { startTuningWorkflow } from '../../temporal/start';
import type { TuningConfig } from '../../workflows/types';
import type { ApiDeps } from '../app';
import { HttpError, unprocessable } from '../errors';
import { ownedModelRun, ownedTuningRun } from '../ownership';
import { budgetSchema, cancelSchema, trialsQuery, tuneSchema, type TuneRequest } from '../schemas';
import { cancelSignal, updateBudget } from '../../workflows/definitions';
import { tuningRunView } from '../views';
import { tuningRunsStarted } from '../../metrics';
import { trialsCsv } from './dashboard';
import { checkDuration, checkMissingValues, checkTuningCost, checkTuningRequestSize, datasetShape, spaceBounds, type CostContext } from '../limits';
import { checkGridValues, checkSpaceValues, type ModelContext } from '../validation';
import { EXTERNAL_MODEL_TYPE } from '../../entities/enums';

/**
 * A client-evaluated study's space: checked for its shape only (the user's code knows its own
 * parameters), against the same size limits.
 */
function studySpace(body: TuneRequest, limits: ServiceConfig): { space?: SearchSpace; total: number } {
  if (body.tuning_method === 'grid_search') {
    if (!body.param_grid) throw unprocessable('param_grid', 'required for grid_search');
    validateParamGrid(body.param_grid, Object.keys(body.param_grid));
    const total = gridSize(body.param_grid);
    if (total > limits.maxGridSize) throw unprocessable('param_grid', `${total} combinations is above the limit of ${limits.maxGridSize} (MAX_GRID_SIZE)`);
    return { total };
  }
  if (!body.param_distributions) throw unprocessable('param_distributions', `required for ${body.tuning_method}`);
  const space = body.param_distributions as SearchSpace;
  validateSearchSpace(space, Object.keys(space));
  const total = body.n_iter ?? 10;
  if (total > limits.maxIterations) throw unprocessable('n_iter', `${total} is above the limit of ${limits.maxIterations} (MAX_ITERATIONS)`);
  return { space, total };
}

/** Checks the request against the model run and turns it into the workflow's full configuration. */
export function tuningConfig(body: TuneRequest, modelRun: ModelRun, limits: ServiceConfig): TuningConfig {
  const external = modelRun.modelType === EXTERNAL_MODEL_TYPE;
  if (body.evaluation === 'client' && !external) {
    throw unprocessable('evaluation', `client evaluation tunes a model run registered with model_type "${EXTERNAL_MODEL_TYPE}"`);
  }
  if (body.evaluation !== 'client' && external) {
    throw unprocessable('evaluation', `an "${EXTERNAL_MODEL_TYPE}" model is trained by your own code: give "evaluation": "client"`);
  }
  if (body.evaluation !== 'client' && body.direction !== 'maximize') {
    throw unprocessable('direction', 'built-in scorers are maximised (losses are neg_*); direction is for client-evaluated studies');
  }
  if (external) {
    checkDuration('time_budget_seconds', body.time_budget_seconds, limits);
    const { space, total } = studySpace(body, limits);
    return configOf(body, { space, total, scoring: body.scoring ?? modelRun.scoring, batchSize: 1 });
  }
  const dataset = modelRun.experiment.dataset;
  const task = dataset.taskType;
  const allowed = paramNames(modelRun.modelType, task);
  const scoring = body.scoring ?? modelRun.scoring;
  getScorer(scoring, task, dataset.classes?.length); // InvalidInputError('scoring', ...) answers 422
  if (body.cv_folds > dataset.nSamples) throw unprocessable('cv_folds', `${body.cv_folds} folds for ${dataset.nSamples} samples`);
  checkDuration('time_budget_seconds', body.time_budget_seconds, limits);
  const model: ModelContext = { modelType: modelRun.modelType, task, base: modelRun.hyperparameters, limits: limits.parameterLimits };
  const costContext: CostContext = { modelType: modelRun.modelType, task, cvFolds: body.cv_folds, shape: datasetShape(dataset), config: limits };
  checkMissingValues(modelRun.modelType, dataset);

  let space: SearchSpace | undefined;
  let total: number;
  if (body.tuning_method === 'grid_search') {
    if (!body.param_grid) throw unprocessable('param_grid', 'required for grid_search');
    if (body.param_distributions) throw unprocessable('param_distributions', 'not used by grid_search; give param_grid');
    validateParamGrid(body.param_grid, allowed);
    total = gridSize(body.param_grid);
    // Counted before any value is checked, so a huge grid costs no more than its size to refuse.
    if (total > limits.maxGridSize) {
      throw unprocessable('param_grid', `${total} combinations is above the limit of ${limits.maxGridSize} (MAX_GRID_SIZE)`);
    }
    checkGridValues(body.param_grid, model);
    checkTuningCost('param_grid', modelRun.hyperparameters, body.param_grid, costContext);
  } else {
    if (body.param_grid && body.param_distributions) throw unprocessable('param_grid', 'give param_grid or param_distributions, not both');
    if (body.param_grid && body.tuning_method === 'random_search') {
      // Like RandomizedSearchCV, lists are sampled uniformly.
      validateParamGrid(body.param_grid, allowed);
      checkGridValues(body.param_grid, model);
      space = Object.fromEntries(Object.entries(body.param_grid).map(([k, choices]) => [k, { type: 'categorical', choices }]));
    } else if (body.param_distributions) {
      space = body.param_distributions as SearchSpace;
    } else {
      throw unprocessable('param_distributions', `required for ${body.tuning_method}`);
    }
    validateSearchSpace(space, allowed);
    if (!body.param_grid) checkSpaceValues(space, model);
    checkTuningCost(body.param_grid ? 'param_grid' : 'param_distributions', modelRun.hyperparameters, spaceBounds(space), costContext);
    total = body.n_iter ?? 10;
    if (total > limits.maxIterations) throw unprocessable('n_iter', `${total} is above the limit of ${limits.maxIterations} (MAX_ITERATIONS)`);
  }
  const batchSize =
    body.batch_size ??
    (body.tuning_method === 'bayesian' ? 4 : Math.max(1, Math.min(16, Math.ceil(total / (2 * body.parallelism)))));
  return configOf(body, { space, total, scoring, batchSize });
}

/** The workflow's configuration from a checked request. */
function configOf(body: TuneRequest, checked: { space?: SearchSpace; total: number; scoring: string; batchSize: number }): TuningConfig {
  const { space, total, scoring, batchSize } = checked;
  return {
    tuning_method: body.tuning_method,
    ...(body.tuning_method === 'grid_search' ? { param_grid: body.param_grid } : { param_distributions: space }),
    cv_folds: body.cv_folds,
    scoring,
    n_iter: total,
    top_n: body.top_n,
    seed: body.seed,
    sampler: body.sampler,
    pruner: body.pruner,
    time_budget_seconds: body.time_budget_seconds,
    target_score: body.target_score,
    parallelism: body.parallelism,
    batch_size: batchSize,
    parent_tuning_run_id: body.parent_tuning_run_id,
    ...(body.evaluation === 'client'
      ? {
          evaluation: 'client' as const,
          direction: body.direction,
          trial_timeout_seconds: body.trial_timeout_seconds,
          retry_failed_trials: body.retry_failed_trials,
        }
      : {}),
  };
}

/** Trials as one array per field (and per parameter: null where a trial has no such parameter), in trial order. */
export function trialColumns(trials: readonly StoredTrial[]) {
  const column = <T>(of: (t: StoredTrial) => T) => trials.map(of);
  const names = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();
  return {
    number: column((t) => t.number),
    params: Object.fromEntries(names.map((name) => [name, column((t) => t.params[name] ?? null)])),
    state: column((t) => t.state),
    scores: column((t) => t.scores),
    mean_score: column((t) => t.mean_score),
    std_score: column((t) => t.std_score),
    duration_seconds: column((t) => t.duration_seconds),
    error: column((t) => t.error ?? null),
    worker: column((t) => t.worker),
    created_at: column((t) => t.created_at),
  };
}

export function tuningRoutes({ orm, temporal, config }: ApiDeps): Router {
  const router = Router();

  router.post('/tuning/tune', async (req, res) => {
    checkTuningRequestSize(req.body, config);
    const body = tuneSchema.parse(req.body ?? {});
    const em = orm.em.fork();
    const modelRun = await ownedModelRun(em, req.userId, body.model_run_id);
    if (modelRun.status !== 'completed') {
      throw new HttpError(409, `model run ${modelRun.id} is ${modelRun.status}; only a completed model run can be tuned`);
    }
    const tuning = tuningConfig(body, modelRun, config);
    let parent: TuningRun | null = null;
    if (body.parent_tuning_run_id) {
      parent = await em.findOne(TuningRun, { id: body.parent_tuning_run_id, modelRun });
      if (!parent) throw unprocessable('parent_tuning_run_id', 'no tuning run of this model run has that id');
      const mismatch = warmStartMismatch(parent, { scoring: tuning.scoring, cvFolds: tuning.cv_folds });
      if (mismatch) throw unprocessable('parent_tuning_run_id', mismatch);
    }

    const run = em.create(TuningRun, {
      modelRun,
      tuningMethod: body.tuning_method,
      bestParams: null,
      results: null,
      config: tuning as unknown as Record<string, unknown>,
      tags: body.tags,
      userNotes: body.user_notes,
      parentTuningRun: parent,
    });
    run.taskId = tuningWorkflowId(run.id);
    await em.flush();
    const startedView = {
      tuning_run_id: run.id,
      status: run.status,
      workflow_id: run.taskId,
      tuning_method: run.tuningMethod,
      total_candidates: tuning.n_iter,
    };
    try {
      await startTuningWorkflow(
        temporal,
        config,
        { tuningRunId: run.id, config: tuning },
        { modelRunId: modelRun.id, userId: req.userId, modelType: modelRun.modelType },
      );
    } catch (err) {
      // The reconciler may have started it already (a slow start): that is the workflow we wanted.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
        await failTuningRun(orm, run.id, { error: `could not start the tuning workflow: ${(err as Error).message}`, error_type: 'WorkflowStartError' });
        throw new HttpError(503, 'Temporal is not reachable; the tuning run was recorded as failed, retry later');
      }
    }
    tuningRunsStarted.inc({ method: body.tuning_method });
    req.log.info({ tuningRunId: run.id, workflowId: run.taskId, method: body.tuning_method }, 'tuning run started');
    res.status(202).json(startedView);
  });

  router.get('/tuning/tune/:id/status', async (req, res) => {
    const run = await ownedTuningRun(orm.em.fork(), req.userId, req.params.id);
    const results = run.results as { total_combinations?: number; best_score?: number; tuning_time?: number; error?: string; error_type?: string } | null;
    const progress =
      run.status === TuningStatus.RUNNING
        ? await runningProgress(orm, run.id)
        : run.status === TuningStatus.COMPLETED
          ? {
              evaluated: results?.total_combinations ?? run.nIterations,
              total: results?.total_combinations ?? run.nIterations,
              best_score: results?.best_score ?? null,
              best_params: run.bestParams,
              elapsed_seconds: results?.tuning_time ?? null,
            }
          : { evaluated: run.nIterations };
    res.json({
      ...tuningRunView(run),
      progress,
      ...(run.status === TuningStatus.FAILED ? { error: results?.error ?? null, error_type: results?.error_type ?? null } : {}),
    });
  });

  router.get('/tuning/tune/:id/results', async (req, res) => {
    const run = await ownedTuningRun(orm.em.fork(), req.userId, req.params.id);
    // Candidates a stop (time budget, target score, cancel) cut short: recorded STOPPED, never ranked.
    const stopped = await orm.em
      .fork()
      .execute<{ number: number }[]>(`select number from tuning_trials where tuning_run_id = ? and state = 'STOPPED' order by number`, [run.id]);
    res.json({
      tuning_run_id: run.id,
      model_run_id: run.modelRun.id,
      status: run.status,
      best_params: run.bestParams,
      results: run.results,
      stop_reason: run.stopReason,
      stopped_trials: stopped.map((t) => t.number),
      ...(run.status === TuningStatus.RUNNING
        ? { detail: 'the tuning run is still running; results are written when it completes' }
        : {}),
    });
  });

  /** Stops evaluation promptly; the run ends FAILED (error_type Cancelled) keeping the best results so far. */
  router.post('/tuning/tune/:id/cancel', async (req, res) => {
    const body = cancelSchema.parse(req.body ?? {});
    const run = await ownedTuningRun(orm.em.fork(), req.userId, req.params.id);
    if (run.status !== TuningStatus.RUNNING) throw new HttpError(409, `tuning run ${run.id} is already ${run.status}`);
    await temporal.workflow.getHandle(tuningWorkflowId(run.id)).signal(cancelSignal, { reason: body.reason });
    res.status(202).json({ tuning_run_id: run.id, status: run.status, detail: 'cancellation requested' });
  });

  /** Changes a running run's n_iter, time budget or parallelism (a Temporal update, validated by the workflow). */
  router.patch('/tuning/tune/:id', async (req, res) => {
    const body = budgetSchema.parse(req.body ?? {});
    checkDuration('time_budget_seconds', body.time_budget_seconds, config);
    const run = await ownedTuningRun(orm.em.fork(), req.userId, req.params.id);
    if (run.status !== TuningStatus.RUNNING) throw new HttpError(409, `tuning run ${run.id} is already ${run.status}`);
    if (body.n_iter !== undefined && body.n_iter > config.maxIterations) {
      throw unprocessable('n_iter', `${body.n_iter} is above the limit of ${config.maxIterations} (MAX_ITERATIONS)`);
    }
    try {
      const budget = await temporal.workflow.getHandle(tuningWorkflowId(run.id)).executeUpdate(updateBudget, { args: [body] });
      await recordBudgetChange(orm, run.id, budget);
      res.json({ tuning_run_id: run.id, ...budget });
    } catch (err) {
      // The workflow's validator names the field in its message: "<field>: <reason>".
      const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      const match = /^(\w+): (.*)$/.exec(message);
      if (match) throw unprocessable(match[1], match[2]);
      throw new HttpError(409, `the run could not take the change: ${message}`);
    }
  });

  /** Every evaluated candidate with its fold scores, state and timing, for plotting. */
  router.get('/tuning/tune/:id/trials', async (req, res) => {
    const query = trialsQuery.parse(req.query);
    const run = await ownedTuningRun(orm.em.fork(), req.userId, req.params.id);
    // A page of trials by number (?offset=&limit=), or all of them.
    const trials = await listTrials(orm, run.id, query.limit === undefined ? { from: query.offset } : { from: query.offset, below: query.offset + query.limit });
    // ?format=csv or json: a download (the dashboard's export).
    if (req.query.format === 'csv') return res.attachment(`trials-${run.id}.csv`).type('text/csv').send(trialsCsv(trials));
    if (req.query.format === 'json') res.attachment(`trials-${run.id}.json`);
    // ?format=columns: the dashboard's compact form, without every trial repeating the field names.
    if (req.query.format === 'columns') return res.json({ tuning_run_id: run.id, status: run.status, columns: trialColumns(trials) });
    res.json({ tuning_run_id: run.id, status: run.status, trials });
  });

  return router;
}
