/**
 * Reconciles `tuning_runs` with Temporal, so no run stays RUNNING without a live workflow.
 *
 * A run is recorded RUNNING before its workflow starts, and its workflow writes the outcome. Two
 * crashes break that pairing, and the reconciler repairs both, for rows RUNNING for longer than a
 * grace period (so a run the API is starting right now is left alone):
 * - the workflow does not exist (the API died between recording the run and starting it): it is
 *   started from the row's `config`, under its usual id, and resumes like any run (trials already
 *   recorded in tuning_trials are reused);
 * - the workflow is closed (terminated, timed out, cancelled, or failed/completed without writing
 *   the outcome): the row is settled FAILED with error_type `WorkflowClosed`.
 *
 * Idempotent and safe to run from several workers at once: starts are deduplicated by the workflow
 * id (REJECT_DUPLICATE) and settling is the conditional `RUNNING -> FAILED` write.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowExecutionStatusName } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { failTuningRun } from './db/tuning_runs';
import { tuningWorkflowId } from './temporal/ids';
import { startTuningWorkflow } from './temporal/start';
import type { TuningConfig } from './workflows/types';

export interface ReconcileOptions {
  orm: MikroORM;
  client: Client;
  /** Task queue of the workflows the reconciler starts. */
  taskQueue: string;
  /** Rows created less than this many seconds ago are left alone. Default 30. */
  graceSeconds?: number;
}

export interface ReconcileSummary {
  /** Runs whose missing workflow was started. */
  started: string[];
  /** Runs settled FAILED because their workflow is closed. */
  failed: string[];
  /** Runs that could not be reconciled this time (e.g. Temporal unreachable); retried on the next pass. */
  errors: { tuningRunId: string; error: string }[];
}

/** Workflow states in which the workflow will never write the run's outcome. */
const CLOSED: ReadonlySet<WorkflowExecutionStatusName> = new Set(['COMPLETED', 'FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED']);

interface RunningRow {
  id: string;
  config: TuningConfig | null;
  model_run_id: string;
  model_type: string;
  user_id: string;
}

/** The status of the run's workflow (latest run of its chain), or null when Temporal has no such workflow. */
async function workflowStatus(client: Client, tuningRunId: string): Promise<{ name: WorkflowExecutionStatusName; closeTime?: Date } | null> {
  try {
    const description = await client.workflow.getHandle(tuningWorkflowId(tuningRunId)).describe();
    return { name: description.status.name, closeTime: description.closeTime };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

export async function reconcileTuningRuns({ orm, client, taskQueue, graceSeconds = 30 }: ReconcileOptions): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = { started: [], failed: [], errors: [] };
  const rows = await orm.em.fork().execute<RunningRow[]>(
    `select tr.id, tr.config, tr.model_run_id, mr.model_type, e.user_id
       from tuning_runs tr
       join model_runs mr on mr.id = tr.model_run_id
       join experiments e on e.id = mr.experiment_id
      where tr.status = 'running' and tr.created_at < now() - make_interval(secs => ?)
      order by tr.created_at`,
    [graceSeconds],
  );
  for (const row of rows) {
    try {
      const status = await workflowStatus(client, row.id);
      if (status === null) {
        if (!row.config) {
          // Nothing to start it from (only rows created outside the API can lack a config).
          const settled = await failTuningRun(orm, row.id, {
            error: `workflow ${tuningWorkflowId(row.id)} does not exist and the run has no config to start it from`,
            error_type: 'WorkflowMissing',
          });
          if (settled) summary.failed.push(row.id);
          continue;
        }
        try {
          await startTuningWorkflow(
            client,
            { taskQueue },
            { tuningRunId: row.id, config: row.config },
            { modelRunId: row.model_run_id, userId: row.user_id, modelType: row.model_type },
          );
          summary.started.push(row.id);
        } catch (err) {
          // Started meanwhile (by the API or another reconciler): it is live, nothing to do.
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      } else if (CLOSED.has(status.name)) {
        const closed = status.closeTime ? ` at ${status.closeTime.toISOString()}` : '';
        // Conditional: a run whose workflow wrote the outcome meanwhile is left as it is.
        const settled = await failTuningRun(orm, row.id, {
          error: `workflow ${tuningWorkflowId(row.id)} closed with status ${status.name}${closed} without recording an outcome; the run was settled by the reconciler`,
          error_type: 'WorkflowClosed',
        });
        if (settled) summary.failed.push(row.id);
      }
    } catch (err) {
      summary.errors.push({ tuningRunId: row.id, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return summary;
}

export interface ReconcileLoop {
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/**
 * Runs reconcileTuningRuns now and then every intervalMs (default 60 s; passes never overlap).
 * Outcomes and errors are logged; an error never stops the loop.
 */
export function startReconcileLoop(options: ReconcileOptions & { intervalMs?: number; log?: (message: string) => void }): ReconcileLoop {
  const intervalMs = options.intervalMs ?? 60_000;
  const log = options.log ?? ((message: string) => console.log(message));
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let pass: Promise<void> = Promise.resolve();
  const tick = () => {
    pass = reconcileTuningRuns(options)
      .then(({ started, failed, errors }) => {
        if (started.length > 0) log(`reconciler: started the missing workflows of tuning runs ${started.join(', ')}`);
        if (failed.length > 0) log(`reconciler: settled FAILED tuning runs whose workflow is closed: ${failed.join(', ')}`);
        for (const { tuningRunId, error } of errors) log(`reconciler: tuning run ${tuningRunId}: ${error}`);
      })
      .catch((err: unknown) => log(`reconciler: pass failed: ${err instanceof Error ? err.message : String(err)}`))
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
