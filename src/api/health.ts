/**
 * Liveness and readiness. /health/live: the process answers. /health/ready: PostgreSQL answers
 * `select 1` and Temporal answers GetSystemInfo, each within READY_CHECK_TIMEOUT_MS; otherwise 503
 * naming the part that failed, so an orchestrator stops routing to this instance until it recovers.
 */
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';

const READY_CHECK_TIMEOUT_MS = 2_000;

export interface CheckResult {
  ok: boolean;
  latency_ms: number;
  error?: string;
}

async function timed(check: () => Promise<unknown>): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${READY_CHECK_TIMEOUT_MS} ms`)), READY_CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return { ok: true, latency_ms: Math.round(performance.now() - started) };
  } catch (err) {
    const error = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    return { ok: false, latency_ms: Math.round(performance.now() - started), error };
  } finally {
    clearTimeout(timer);
  }
}

/** The readiness checks of this process: the database and Temporal, run side by side. */
export async function readiness(orm: MikroORM, temporal: Client): Promise<{ ready: boolean; checks: Record<string, CheckResult> }> {
  const [database, temporalCheck] = await Promise.all([
    timed(() => orm.em.getConnection().execute('select 1')),
    // The call's own deadline comes first, so it ends (and stops retrying) before the check gives up on it.
    timed(() => temporal.withDeadline(Date.now() + READY_CHECK_TIMEOUT_MS * 0.75, () => temporal.workflowService.getSystemInfo({}))),
  ]);
  return { ready: database.ok && temporalCheck.ok, checks: { database, temporal: temporalCheck } };
}

/** A worker is ready when it is polling its task queue (state RUNNING) and its database and Temporal answer. */
export async function workerReadiness(
  worker: { getState(): string },
  orm: MikroORM,
  temporal: Client,
): Promise<{ ready: boolean; checks: Record<string, CheckResult | { ok: boolean; state: string }> }> {
  const state = worker.getState();
  const { ready, checks } = await readiness(orm, temporal);
  return { ready: ready && state === 'RUNNING', checks: { worker: { ok: state === 'RUNNING', state }, ...checks } };
}

export function healthRoutes({ orm, temporal }: { orm: MikroORM; temporal: Client }): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/health/ready', async (_req, res) => {
    const { ready, checks } = await readiness(orm, temporal);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  return router;
}
