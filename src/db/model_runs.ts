/**
 * Persistence of model-run outcomes, used by Temporal activities. Like tuning runs, finishing is a
 * CONDITIONAL update (`... WHERE id = ? AND status = 'running'`) returning whether a row changed,
 * so a replayed activity cannot move a finished run.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import type { ModelRunStatus } from '../entities/enums';
import type { ModelRunError, ModelRunMetrics } from '../entities/ModelRun';

export interface CompleteModelRunOptions {
  modelArtifactPath?: string | null;
}

/** RUNNING -> COMPLETED with metrics. Returns false, changing nothing, when unknown or already finished. */
export async function completeModelRun(
  orm: MikroORM,
  id: string,
  metrics: ModelRunMetrics,
  options: CompleteModelRunOptions = {},
): Promise<boolean> {
  return orm.em.fork().transactional(async (em) => {
    const res = await em.execute<{ affectedRows: number }>(
      `update model_runs
          set status = 'completed',
              metrics = ?::jsonb,
              error = null,
              model_artifact_path = coalesce(?, model_artifact_path),
              completed_at = now()
        where id = ? and status = 'running'`,
      [JSON.stringify(metrics), options.modelArtifactPath ?? null, id],
      'run',
    );
    return res.affectedRows > 0;
  });
}

/** RUNNING -> FAILED with error = { error, error_type, ... }. Returns false when unknown or already finished. */
export async function failModelRun(orm: MikroORM, id: string, error: ModelRunError): Promise<boolean> {
  return orm.em.fork().transactional(async (em) => {
    const res = await em.execute<{ affectedRows: number }>(
      `update model_runs
          set status = 'failed',
              error = ?::jsonb,
              completed_at = now()
        where id = ? and status = 'running'`,
      [JSON.stringify(error), id],
      'run',
    );
    return res.affectedRows > 0;
  });
}

/** Records the workflow / task id of a RUNNING model run. Returns whether a row changed. */
export async function setModelRunTaskId(orm: MikroORM, id: string, taskId: string): Promise<boolean> {
  const res = await orm.em.fork().execute<{ affectedRows: number }>(
    `update model_runs set task_id = ? where id = ? and status = 'running'`,
    [taskId, id],
    'run',
  );
  return res.affectedRows > 0;
}

/** The model run's status, or null when it does not exist. */
export async function getModelRunStatus(orm: MikroORM, id: string): Promise<ModelRunStatus | null> {
  const rows = await orm.em.fork().execute<{ status: ModelRunStatus }[]>('select status from model_runs where id = ?', [id]);
  return rows[0]?.status ?? null;
}
