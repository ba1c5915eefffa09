/**
 * TypeScript client of the tuning service: typed from the API's own zod schemas and workflow
 * types, so a change of the contract is a compile error here. `Study.optimize` tunes any async
 * function: it asks for trials, runs the objective while heartbeating, and tells the result.
 *
 *   const client = new TuningClient('http://127.0.0.1:8000/api/v1', token);
 *   const study = await client.createStudy({ param_distributions: { x: { type: 'float', low: -5, high: 5 } }, n_iter: 20, direction: 'minimize' });
 *   await study.optimize(async (trial) => (trial.params.x as number - 1) ** 2);
 *   console.log(await study.results());
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { completeSchema, tuneSchema } from '../../src/api/schemas';
import type { Params } from '../../src/ml/types';
import type { CompleteAnswer, SuggestAnswer, TrialAck } from '../../src/workflows/types';

export type TuneRequest = z.input<typeof tuneSchema>;
export type Completion = Omit<z.input<typeof completeSchema>, 'next'>;
export type StudyRequest = Omit<TuneRequest, 'model_run_id' | 'evaluation' | 'tuning_method'> &
  Partial<Pick<TuneRequest, 'model_run_id' | 'tuning_method'>> & { name?: string };

/** An answer of the API other than 2xx: its status, message and field details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail: { field: string; reason: string }[] = [],
  ) {
    super(`${status}: ${message}${detail.length ? ` (${detail.map((d) => `${d.field}: ${d.reason}`).join('; ')})` : ''}`);
  }
}

/** Thrown by an objective to end its trial as PRUNED. */
export class TrialPruned extends Error {}

export class TuningClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /**
   * One API call. `retryForMs` retries it while the service cannot be reached (an API restarting):
   * only for calls that are safe to repeat, as every study operation is.
   */
  async request<T>(method: string, path: string, body?: unknown, retryForMs = 0): Promise<T> {
    const deadline = Date.now() + retryForMs;
    let res: Response;
    for (;;) {
      try {
        res = await fetch(this.baseUrl + path, {
          method,
          headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        // 503: the service is up but cannot answer yet (a worker restarting); retried like no answer.
        if (res.status !== 503 || Date.now() > deadline) break;
      } catch (err) {
        // fetch rejects with a TypeError (by name: it may come from another realm) only when no
        // answer came: the service is unreachable.
        if ((err as Error)?.name !== 'TypeError' || Date.now() > deadline) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : null;
    if (!res.ok) throw new ApiError(res.status, parsed?.error ?? res.statusText, parsed?.detail);
    return parsed as T;
  }

  /**
   * A client-evaluated study. Without a model_run_id, the code being tuned is registered for you:
   * a reference data set, an experiment and an `external` model run.
   */
  async createStudy(request: StudyRequest): Promise<Study> {
    const { name = 'study', ...tune } = request;
    let modelRunId = tune.model_run_id;
    if (!modelRunId) {
      const dataset = await this.request<{ id: string }>('POST', '/datasets', { name, uri: `study://${name}`, task_type: 'regression' });
      const experiment = await this.request<{ id: string }>('POST', '/experiments', { name, dataset_id: dataset.id });
      modelRunId = (await this.request<{ id: string }>('POST', '/model-runs', { experiment_id: experiment.id, model_type: 'external', scoring: tune.scoring ?? 'value' })).id;
    }
    const started = await this.request<{ tuning_run_id: string }>('POST', '/tuning/tune', {
      tuning_method: 'bayesian',
      ...tune,
      model_run_id: modelRunId,
      evaluation: 'client',
    });
    return new Study(this, started.tuning_run_id);
  }
}

export class Trial {
  private prune = false;
  constructor(
    private readonly study: Study,
    readonly number: number,
    readonly params: Params,
  ) {}

  /** Reports an intermediate value; `shouldPrune()` then says what the run's pruner decided. */
  async report(step: number, value: number): Promise<void> {
    this.prune = (await this.study.call<{ should_prune: boolean }>('POST', `/trials/${this.number}/report`, { step, value })).should_prune;
  }

  shouldPrune(): boolean {
    return this.prune;
  }
}

const trialNumber = (trial: Trial | number) => (typeof trial === 'number' ? trial : trial.number);

export class Study {
  constructor(
    private readonly client: TuningClient,
    readonly id: string,
  ) {}

  /** A study operation; each is idempotent, so it is retried for a minute while the API is unreachable. */
  call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.client.request<T>(method, `/tuning/tune/${this.id}${path}`, body, 60_000);
  }

  /** Up to `count` trials for this client (its own open ones first); `done` when nothing is left. */
  async ask(count = 1, clientId: string = randomUUID()): Promise<{ trials: Trial[]; done: boolean }> {
    const answer = await this.call<SuggestAnswer>('POST', '/suggest', { count, client_id: clientId });
    return { trials: answer.trials.map((t) => new Trial(this, t.number, t.params)), done: answer.done };
  }

  tell(trial: Trial | number, completion: Completion): Promise<TrialAck> {
    return this.call<TrialAck>('POST', `/trials/${trialNumber(trial)}/complete`, completion);
  }

  /** Completes `trial` and asks for this client's next `count` trials, in one round trip. */
  async tellAndAsk(trial: Trial | number, completion: Completion, clientId: string, count = 1): Promise<{ ack: TrialAck; trials: Trial[]; done: boolean }> {
    const { next, ...ack } = await this.call<CompleteAnswer>('POST', `/trials/${trialNumber(trial)}/complete`, { ...completion, next: { count, client_id: clientId } });
    return { ack, trials: (next?.trials ?? []).map((t) => new Trial(this, t.number, t.params)), done: next?.done ?? false };
  }

  heartbeat(trial: Trial | number): Promise<{ state: string }> {
    return this.call('POST', `/trials/${trialNumber(trial)}/heartbeat`, {});
  }

  /**
   * Runs `objective` on trials until the study has none left, `concurrency` at a time, each worker
   * with its own client id; heartbeats every `heartbeatMs` while an objective runs.
   */
  async optimize(objective: (trial: Trial) => Promise<number>, options: { concurrency?: number; heartbeatMs?: number } = {}): Promise<void> {
    const { concurrency = 1, heartbeatMs = 10_000 } = options;
    const worker = async () => {
      const clientId = randomUUID();
      // Each completion also asks for the next trial: one round trip per trial.
      let next = await this.ask(1, clientId);
      while (!next.done) {
        if (next.trials.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          next = await this.ask(1, clientId);
          continue;
        }
        const [trial] = next.trials;
        const beat = setInterval(() => void this.heartbeat(trial).catch(() => undefined), heartbeatMs);
        let completion: Completion;
        try {
          completion = { value: await objective(trial) };
        } catch (err) {
          completion = err instanceof TrialPruned ? { state: 'PRUNED' } : { state: 'FAILED', reason: err instanceof Error ? err.message : String(err) };
        } finally {
          clearInterval(beat);
        }
        next = await this.tellAndAsk(trial, completion, clientId);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  status(): Promise<{ status: string; progress: Record<string, unknown> }> {
    return this.call('GET', '/status');
  }

  results(): Promise<{ status: string; best_params: Params | null; results: Record<string, unknown> | null }> {
    return this.call('GET', '/results');
  }
}
