/**
 * The study API of a client-evaluated tuning run (`"evaluation": "client"`): the user's own
 * training code, in any language, asks for trials, reports intermediate values, completes trials
 * and heartbeats while it works. Each call is a Temporal update of the run's TuningWorkflow, whose
 * validator refuses what cannot apply (a trial never handed out, a second completion that differs
 * from the first) before anything is written.
 */
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { tuningWorkflowId } from '../../temporal/ids';
import { completeTrial, heartbeatTrial, reportIntermediate, suggestTrials } from '../../workflows/definitions';
import type { ApiDeps } from '../app';
import { HttpError, unprocessable } from '../errors';
import { ownedTuningRun } from '../ownership';
import { completeSchema, reportSchema, suggestSchema, trialNumberParam } from '../schemas';
import { TuningStatus } from '../../entities';
import type { SuggestRequest } from '../../workflows/types';

/** The message a workflow's validator threw, "<field>: <reason>", unwrapped from the client's envelope. */
function validatorMessage(err: unknown): string | null {
  if (!(err instanceof WorkflowUpdateFailedError)) return null;
  const cause = err.cause;
  return cause instanceof Error ? cause.message : null;
}

/** A suggestion as the workflow takes it: without a client id, a fresh one (so no other call shares its trials). */
const suggestRequest = ({ count, client_id }: { count: number; client_id?: string }): SuggestRequest => ({ count, client_id: client_id ?? randomUUID() });

/** Running studies whose owner this API has checked, as `user/run`: the ones it remembers. */
const REMEMBERED_STUDIES = 10_000;

export function studyRoutes({ orm, temporal }: ApiDeps): Router {
  const router = Router();
  // A run's owner and evaluation mode never change, so a study's calls after the first skip the
  // row; once its workflow has closed, the row is read again (finished, or deleted: 404).
  const running = new Set<string>();

  /** The row check: the run is the user's and a client-evaluated one; whether it is still running. */
  async function isRunning(userId: string, tuningRunId: string): Promise<boolean> {
    const run = await ownedTuningRun(orm.em.fork(), userId, tuningRunId);
    if (run.config?.evaluation !== 'client') throw new HttpError(409, `tuning run ${run.id} is evaluated by the service, not by clients`);
    return run.status === TuningStatus.RUNNING;
  }

  /**
   * Runs one study operation on the run's workflow, answering 4xx for what it refuses; `whenOver`
   * answers instead once the study has finished (a suggestion then says there is nothing left).
   */
  async function studyCall<T>(userId: string, tuningRunId: string, call: (workflowId: string) => Promise<T>, whenOver?: T): Promise<T> {
    const key = `${userId}/${tuningRunId}`;
    const over = () => {
      if (whenOver !== undefined) return whenOver;
      throw new HttpError(409, `the study has finished`);
    };
    if (!running.has(key)) {
      if (!(await isRunning(userId, tuningRunId))) return over();
      running.add(key);
      if (running.size > REMEMBERED_STUDIES) running.delete(running.values().next().value as string);
    }
    try {
      return await call(tuningWorkflowId(tuningRunId));
    } catch (err) {
      // The workflow has closed (its last trial was just told, or the run was deleted).
      if (err instanceof WorkflowNotFoundError || (err instanceof Error && /already completed/i.test(err.message))) {
        running.delete(key);
        await isRunning(userId, tuningRunId);
        return over();
      }
      const message = validatorMessage(err);
      if (message !== null) {
        const match = /^([\w.]+): (.*)$/.exec(message);
        // A trial already closed, or never handed out, is a conflict with the study's state.
        if (match && /already|never handed out/.test(match[2])) throw new HttpError(409, match[2]);
        if (match) throw unprocessable(match[1], match[2]);
        throw new HttpError(409, message);
      }
      // Temporal could not run the operation now (unreachable, the workflow's task retrying): the
      // client retries; every study operation is idempotent.
      if (err instanceof ServiceError) throw new HttpError(503, 'the study cannot answer right now; retry shortly');
      throw err;
    }
  }

  router.post('/tuning/tune/:id/suggest', async (req, res) => {
    const body = suggestSchema.parse(req.body ?? {});
    const answer = await studyCall(req.userId, req.params.id, (workflowId) =>
      temporal.workflow.getHandle(workflowId).executeUpdate(suggestTrials, { args: [suggestRequest(body)] }),
      { trials: [], done: true },
    );
    res.json(answer);
  });

  router.post('/tuning/tune/:id/trials/:number/report', async (req, res) => {
    const number = trialNumberParam.parse(req.params.number);
    const body = reportSchema.parse(req.body ?? {});
    const answer = await studyCall(req.userId, req.params.id, (workflowId) =>
      temporal.workflow.getHandle(workflowId).executeUpdate(reportIntermediate, { args: [{ number, ...body }] }),
    );
    res.json(answer);
  });

  router.post('/tuning/tune/:id/trials/:number/complete', async (req, res) => {
    const number = trialNumberParam.parse(req.params.number);
    const body = completeSchema.parse(req.body ?? {});
    if (body.state === 'COMPLETE' && body.value === undefined && body.scores === undefined) {
      throw unprocessable('value', 'a completed trial needs a value or fold scores');
    }
    const { next, ...completion } = body;
    const request = { number, ...completion, ...(next ? { next: suggestRequest(next) } : {}) };
    const answer = await studyCall(req.userId, req.params.id, (workflowId) =>
      temporal.workflow.getHandle(workflowId).executeUpdate(completeTrial, { args: [request] }),
    );
    res.json(answer);
  });

  router.post('/tuning/tune/:id/trials/:number/heartbeat', async (req, res) => {
    const number = trialNumberParam.parse(req.params.number);
    const answer = await studyCall(req.userId, req.params.id, (workflowId) =>
      temporal.workflow.getHandle(workflowId).executeUpdate(heartbeatTrial, { args: [{ number }] }),
    );
    res.json(answer);
  });

  return router;
}
