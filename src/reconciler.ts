/**
 * Reconciles `tuning_runs` and `model_runs` with Temporal, so no run stays RUNNING without a live
 * workflow.
 *
 * A run is recorded RUNNING before its workflow starts, and its workflow writes the outcome. Two
 * crashes break that pairing, and the reconciler repairs both, for rows RUNNING for longer than a
 * grace period (so a run the API is starting right now is left alone):
 * - the workflow does not exist (the API died between recording the run and starting it, or the
 *   start failed): it is started under its usual id (`tuning-run-<id>` from the row's `config`,
 *   resuming from the trials already recorded; `model-run-<id>`), or, when the row cannot be
 *   started (a tuning run without a config), settled FAILED with error_type `WorkflowMissing`;
 * - the workflow is closed (terminated, timed out, cancelled, or failed/completed without writing
 *   the outcome): the row is settled FAILED with error_type `WorkflowClosed`.
 *
 * Idempotent and safe to run from several workers at once: starts are deduplicated by the workflow
 * id (REJECT_DUPLICATE) and settling is the conditional `RUNNING -> FAILED` write.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowExecutionStatusName } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { ServiceConfig } from './config';
import { failModelRun, setModelRunTaskId } from './db/model_runs';
import { failTuningRun } from './db/tuning_runs';
import { logger as rootLogger, type Logger } from './logging';
import { reconcilerActions, tuningRunsFailed } from './metrics';
import { trainingWorkflowId, tuningWorkflowId } from './temporal/ids';
import { startTrainingWorkflow, startTuningWorkflow } from './temporal/start';
import type { TuningConfig } from './workflows/types';

export interface ReconcileOptions {
  orm: MikroORM;
  client: Client;
  /** Task queue and history limit of the workflows the reconciler starts (as the API starts them). */
  config: Pick<ServiceConfig, 'taskQueue' | 'historyEventLimit'>;
  /** Rows created less than this many seconds ago are left alone. Default 30. */
  graceSeconds?: number;
}

export interface ReconcileSummary {
  /** Runs whose missing workflow was started. */
  started: string[];
  /** Runs settled FAILED because their workflow is closed or cannot be started. */
  failed: string[];
  /** Runs that could not be reconciled this time (e.g. Temporal unreachable); retried on the next pass. */
  errors: { id: string; error: string }[];
}

/** Workflow states in which the workflow will never write the run's outcome. */
const CLOSED: ReadonlySet<WorkflowExecutionStatusName> = new Set(['COMPLETED', 'FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED']);

/** How one kind of row is paired with its workflow. */
interface RunKind<Row extends { id: string }> {
  workflowId(id: string): string;
  /** Starts the row's workflow; returns why it cannot be started, or null once started. */
  start(row: Row): Promise<string | null>;
  /** The conditional RUNNING -> FAILED write; false when the row finished meanwhile. */
  fail(id: string, error: { error: string; error_type: string }): Promise<boolean>;
}

/** The status of the workflow (latest run of its chain), or null when Temporal has no such workflow. */
async function workflowStatus(client: Client, workflowId: string): Promise<{ name: WorkflowExecutionStatusName; closeTime?: Date } | null> {
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    return { name: description.status.name, closeTime: description.closeTime };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

async function reconcileRows<Row extends { id: string }>(client: Client, rows: Row[], kind: RunKind<Row>): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = { started: [], failed: [], errors: [] };
  for (const row of rows) {
    const workflowId = kind.workflowId(row.id);
    try {
      const status = await workflowStatus(client, workflowId);
      if (status === null) {
        let unstartable: string | null;
        try {
          unstartable = await kind.start(row);
        } catch (err) {
          // Started meanwhile (by the API or another reconciler): it is live, nothing to do.
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          continue;
        }
        if (unstartable === null) {
          summary.started.push(row.id);
        } else if (await kind.fail(row.id, { error: `workflow ${workflowId} does not exist and ${unstartable}`, error_type: 'WorkflowMissing' })) {
          summary.failed.push(row.id);
        }
      } else if (CLOSED.has(status.name)) {
        const closed = status.closeTime ? ` at ${status.closeTime.toISOString()}` : '';
        // Conditional: a run whose workflow wrote the outcome meanwhile is left as it is.
        const settled = await kind.fail(row.id, {
          error: `workflow ${workflowId} closed with status ${status.name}${closed} without recording an outcome; the run was settled by the reconciler`,
          error_type: 'WorkflowClosed',
        });
        if (settled) summary.failed.push(row.id);
      }
    } catch (err) {
      summary.errors.push({ id: row.id, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return summary;
}

interface RunningTuningRow {
  id: string;
  tuning_method: string;
  config: TuningConfig | null;
  model_run_id: string;
  model_type: string;
  user_id: string;
}

export async function reconcileTuningRuns({ orm, client, config, graceSeconds = 30 }: ReconcileOptions): Promise<ReconcileSummary> {
  const rows = await orm.em.fork().execute<RunningTuningRow[]>(
    `select tr.id, tr.tuning_method, tr.config, tr.model_run_id, mr.model_type, e.user_id
       from tuning_runs tr
       join model_runs mr on mr.id = tr.model_run_id
       join experiments e on e.id = mr.experiment_id
      where tr.status = 'running' and tr.created_at < now() - make_interval(secs => ?)
      order by tr.created_at`,
    [graceSeconds],
  );
  return reconcileRows(client, rows, {
    workflowId: tuningWorkflowId,
    async start(row) {
      // Only rows created outside the API can lack a config.
      if (!row.config) return 'the run has no config to start it from';
      await startTuningWorkflow(
        client,
        config,
        { tuningRunId: row.id, config: row.config },
        { modelRunId: row.model_run_id, userId: row.user_id, modelType: row.model_type },
      );
      return null;
    },
    async fail(id, error) {
      const settled = await failTuningRun(orm, id, error);
      if (settled) tuningRunsFailed.inc({ method: rows.find((row) => row.id === id)!.tuning_method });
      return settled;
    },
  });
}

interface RunningModelRow {
  id: string;
  model_type: string;
  cv_folds: number;
  scoring: string;
  dataset_name: string;
}

export async function reconcileModelRuns({ orm, client, config, graceSeconds = 30 }: ReconcileOptions): Promise<ReconcileSummary> {
  const rows = await orm.em.fork().execute<RunningModelRow[]>(
    `select mr.id, mr.model_type, mr.cv_folds, mr.scoring, d.name as dataset_name
       from model_runs mr
       join experiments e on e.id = mr.experiment_id
       join datasets d on d.id = e.dataset_id
      where mr.status = 'running' and mr.created_at < now() - make_interval(secs => ?)
      order by mr.created_at`,
    [graceSeconds],
  );
  return reconcileRows(client, rows, {
    workflowId: trainingWorkflowId,
    async start(row) {
      const workflowId = await startTrainingWorkflow(client, config, row.id, {
        modelType: row.model_type,
        datasetName: row.dataset_name,
        cvFolds: row.cv_folds,
        scoring: row.scoring,
      });
      await setModelRunTaskId(orm, row.id, workflowId);
      return null;
    },
    fail: (id, error) => failModelRun(orm, id, error),
  });
}

export interface ReconcileLoop {
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/**
 * Runs reconcileModelRuns and reconcileTuningRuns now and then every intervalMs (default 60 s;
 * passes never overlap). Each action is logged (with the run's id) and counted in
 * reconciler_actions_total; an error never stops the loop.
 */
export function startReconcileLoop(options: ReconcileOptions & { intervalMs?: number; logger?: Logger }): ReconcileLoop {
  const intervalMs = options.intervalMs ?? 60_000;
  const log = (options.logger ?? rootLogger).child({ component: 'reconciler' });
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let pass: Promise<void> = Promise.resolve();
  const report = (kind: 'model_run' | 'tuning_run') => ({ started, failed, errors }: ReconcileSummary) => {
    const idKey = kind === 'model_run' ? 'modelRunId' : 'tuningRunId';
    reconcilerActions.inc({ kind, action: 'started' }, started.length);
    reconcilerActions.inc({ kind, action: 'failed' }, failed.length);
    reconcilerActions.inc({ kind, action: 'error' }, errors.length);
    for (const id of started) log.warn({ [idKey]: id }, 'started the missing workflow of a run left RUNNING');
    for (const id of failed) log.warn({ [idKey]: id }, 'settled FAILED a run whose workflow is closed or cannot start');
    for (const { id, error } of errors) log.error({ [idKey]: id, error }, 'could not reconcile a run; retried on the next pass');
  };
  const tick = () => {
    pass = reconcileModelRuns(options)
      .then(report('model_run'))
      .then(() => reconcileTuningRuns(options))
      .then(report('tuning_run'))
      .catch((err: unknown) => log.error({ err }, 'reconciler pass failed'))
      .finally(() => {
        if (!stopped) {
          timer = setTimeout(tick, intervalMs);
          timer.unref();
        }
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await pass;
    },
  };
}
