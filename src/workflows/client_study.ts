/**
 * The client-evaluated mode of TuningWorkflow (config.evaluation = 'client'): the user's own code,
 * in any language, asks for trials and reports their scores through the study API, and this piece
 * of the workflow hands trials out, answers pruning questions, records completions and fails
 * trials whose client went silent. Everything else (numbering trials, the sampler's request, the
 * best trial, the stop rules, finishing) is the shared orchestration in tuning.ts.
 *
 * The operations are Temporal updates with validators, so a duplicate or late completion is
 * answered from the recorded answer or refused, never applied twice, and the whole study survives
 * a worker or API crash like any workflow. A trial's client must show a sign of life (suggest,
 * report, heartbeat) within trial_timeout_seconds, or a workflow timer fails it as stale.
 */
import { allHandlersFinished, patched, proxyActivities, proxyLocalActivities, setHandler, sleep, type RetryPolicy } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { createPruner } from '../ml/search/pruner';
import type { Trial as SamplerTrial } from '../ml/search/sampler';
import type { Params } from '../ml/types';
import { completeTrial, heartbeatTrial, reportIntermediate, suggestTrials } from './definitions';
import { suggestFromHistory, toSamplerTrial } from './sampler_trials';
import type {
  Candidate,
  ClientStudyState,
  CompleteAnswer,
  CompleteRequest,
  EvaluateOutcome,
  OpenTrial,
  StopReason,
  SuggestAnswer,
  SuggestInput,
  SuggestRequest,
  TrialAck,
  TrialResult,
  TuningConfig,
} from './types';

type Activities = ReturnType<typeof createActivities>;

const samplerRetry: RetryPolicy = { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 10 };
/** A client waiting for its suggestion: a local activity saves the round trip of scheduling one. */
const { suggestCandidates: sampleNow } = proxyLocalActivities<Activities>({ startToCloseTimeout: '1 minute', retry: samplerRetry });
/**
 * Work no client waits for (sampling ahead, writing closed trials): activities, as a local one
 * would hold the workflow task open, and every update arriving meanwhile, until it ends. Short
 * timeouts: an attempt lost with a crashed worker is retried (or, sampling ahead, given up) soon.
 */
const { suggestCandidates: sampleQueued } = proxyActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } });
const { recordClientTrials } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '5 seconds', nonRetryableErrorTypes: ['RunClosedError', 'RecordNotFoundError'] },
});
/** Suggestions whose client ids set how many trials a bayesian study samples ahead. */
const RECENT_ASKS = 16;
/**
 * A TPE study samples in the workflow itself while it has at most MAX_HISTORY_IN_WORKFLOW closed
 * trials (the history carried across continue-as-new stays well under Temporal's payload limit)
 * and a suggestion is small work: count × (trials + pending + count / 2) × parameters at most
 * MAX_SAMPLING_WORK. TPE takes about 5 µs a unit in the workflow's sandbox, so at most about 50 ms;
 * with Temporal's 10 updates in flight at most, a workflow task stays well inside the 2 s deadlock
 * timeout. Beyond, and for GP or a warm start, it samples in an activity reading tuning_trials.
 */
const MAX_HISTORY_IN_WORKFLOW = 1000;
const MAX_SAMPLING_WORK = 10_000;
/** Patch marker: studies begun before sampling moved into the workflow replay with their activities. */
const SAMPLES_IN_WORKFLOW = 'client-study-samples-in-workflow';

const DEFAULT_TRIAL_TIMEOUT_SECONDS = 300;

/** What the study needs from the shared orchestration. */
export interface StudyHost {
  readonly config: TuningConfig;
  stopReason(): StopReason | undefined;
  /** Trials left to number before the budget is handed out. */
  remaining(extra: number): number;
  /** The next `count` candidates (numbered) of a grid or random search. */
  plan(count: number, pending: Params[]): Promise<Candidate[]>;
  /** The sampler's request (bayesian) for `count` trials after the next `ahead` numbers, with `pending` as running trials. */
  samplerInput(count: number, ahead: number, pending: Params[]): SuggestInput;
  /** Numbers one more trial with the given parameters (a retry). */
  numberOf(params: Params): Candidate;
  /** Counts closed trials and follows the best one (published by `publishBest` when `publish` is false). */
  record(outcome: EvaluateOutcome, publish?: boolean): void;
  publishBest(): void;
}

export class ClientStudy {
  private readonly open = new Map<number, OpenTrial & { startedAt: number }>();
  private readonly acks = new Map<number, TrialAck>();
  /** Closed trials acknowledged to their clients, not yet written to tuning_trials (see `recordClosed`). */
  private unrecorded: TrialResult[];
  /** A bayesian study's next parameters, sampled while its clients work; numbered when handed out. */
  private ready: Params[] = [];
  /** The sample ahead in flight, if any (see `sampleAhead`); nobody waits for it. */
  private sampling: Promise<void> | undefined;
  /** Client ids of the latest suggestions. */
  private readonly askers: string[] = [];
  private readonly retry: Params[];
  private retried: number;
  private readonly closedSteps: ClientStudyState['closedSteps'];
  /** Closed trials for sampling in the workflow (see `samplesHere`); undefined once it cannot. */
  private history: SamplerTrial[] | undefined;
  /** Suggestions, one at a time (see `serially`). */
  private queue: Promise<unknown> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly host: StudyHost,
    private readonly tuningRunId: string,
    carried?: ClientStudyState,
  ) {
    for (const trial of carried?.open ?? []) this.open.set(trial.number, { ...trial, startedAt: trial.lastSeen });
    for (const ack of carried?.acks ?? []) this.acks.set(ack.number, ack);
    this.unrecorded = carried?.unrecorded ?? [];
    this.retry = carried?.retry ?? [];
    this.retried = carried?.retried ?? 0;
    this.closedSteps = carried?.closedSteps ?? [];
    this.history = carried ? carried.history : [];
  }

  private get timeoutMs(): number {
    return (this.host.config.trial_timeout_seconds ?? DEFAULT_TRIAL_TIMEOUT_SECONDS) * 1000;
  }

  private get paramCount(): number {
    return Object.keys(this.host.config.param_distributions ?? {}).length;
  }

  private get sign(): number {
    return this.host.config.direction === 'minimize' ? -1 : 1;
  }

  /** The study's updates. A built-in run refuses them with a clear message. */
  listen(): void {
    const clientMode = () => {
      if (this.host.config.evaluation !== 'client') throw new Error('study: this tuning run is evaluated by the service, not by clients');
    };
    const knownTrial = (number: number) => {
      if (!this.open.has(number) && !this.acks.has(number)) throw new Error(`number: trial ${number} was never handed out`);
    };
    setHandler(suggestTrials, (request) => this.suggest(request.count, request.client_id), {
      validator: (request) => {
        clientMode();
        checkSuggestion(request);
      },
    });
    setHandler(reportIntermediate, (request) => ({ should_prune: this.report(request.number, request.step, request.value) }), {
      validator: (request) => {
        clientMode();
        knownTrial(request.number);
        if (!this.open.has(request.number)) throw new Error(`number: trial ${request.number} is already ${this.acks.get(request.number)?.state ?? 'closed'}`);
        if (!Number.isInteger(request.step) || request.step < 0) throw new Error('step: must be a non-negative integer');
        if (typeof request.value !== 'number' || !Number.isFinite(request.value)) throw new Error('value: must be a finite number');
      },
    });
    setHandler(completeTrial, (request) => (request.next ? this.completeAndSuggest(request, request.next) : this.complete(request)), {
      validator: (request) => {
        clientMode();
        knownTrial(request.number);
        const answered = this.acks.get(request.number);
        if (answered && !sameAnswer(answered, request)) {
          throw new Error(`number: trial ${request.number} is already ${answered.state}${answered.value === null ? '' : ` with value ${answered.value}`}`);
        }
        checkCompletion(request);
        if (request.next !== undefined) checkSuggestion(request.next, 'next.');
      },
    });
    setHandler(
      heartbeatTrial,
      ({ number }) => {
        const trial = this.open.get(number);
        if (trial) trial.lastSeen = Date.now();
        return { state: trial ? 'RUNNING' : (this.acks.get(number)?.state ?? 'RUNNING') };
      },
      {
        validator: ({ number }) => {
          clientMode();
          knownTrial(number);
        },
      },
    );
  }

  /**
   * Hands out trials until the budget is closed or a stop, and continues as new (carrying the
   * study) when the history is large and no operation is half done.
   *
   * The loop wakes on a clock tick, never on an update: it cancels no timer and upserts no search
   * attribute in reaction to one (with SDK 1.24, such a command between an update's acceptance
   * and completion replays in another order after a worker restart: a nondeterminism error).
   * Stale trials, the time budget, BestScore and writing closed trials are all done on the tick.
   */
  async run(historyFull: () => boolean, continueAsNew: (state: ClientStudyState) => Promise<never>): Promise<StopReason> {
    for (;;) {
      await sleep(this.tickMs);
      this.failStale();
      await this.recordClosed();
      this.host.publishBest();
      if (historyFull() && this.quiet()) await continueAsNew(this.state());
      const stop = this.host.stopReason();
      if (stop !== undefined) {
        // After any suggestion in progress, so the trials it hands out are closed too.
        await this.serially(async () => this.closeAll(`stopped: ${stop}`));
        await this.recordClosed();
        return stop;
      }
      // allHandlersFinished: a suggestion still planning has taken its numbers but not yet opened its trials.
      if (this.host.remaining(this.retried) <= 0 && this.open.size === 0 && this.retry.length === 0 && this.quiet()) {
        await this.recordClosed();
        return 'n_iter';
      }
    }
  }

  /**
   * How often the study looks at the clock: a quarter of the trial timeout, from 0.5 to 2 s, so a
   * study finishes within 2 s of its last trial (a timer and a write of the trials closed since
   * the last tick: a long study continues as new every half hour or so).
   */
  private get tickMs(): number {
    return Math.min(2_000, Math.max(500, this.timeoutMs / 4));
  }

  /** The study's state for continue-as-new (open trials, answers, retries, pruner history). */
  state(): ClientStudyState {
    return {
      open: [...this.open.values()].map(({ startedAt: _startedAt, ...trial }) => trial),
      acks: [...this.acks.values()],
      retry: this.retry,
      retried: this.retried,
      closedSteps: this.closedSteps,
      unrecorded: this.unrecorded,
      history: this.history,
    };
  }

  /** Whether the study can continue as new now (no operation half done; a sample ahead is dropped). */
  quiet(): boolean {
    return this.queued === 0 && allHandlersFinished();
  }

  /**
   * Runs suggestions one after another: each sees every trial handed out before it as pending,
   * and no two of their local activities are in flight at once, so their order in the history
   * never depends on which finished first.
   */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    this.queued++;
    const turn = this.queue.then(work).finally(() => this.queued--);
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Parameters handed out or about to be: the sampler treats them as running trials. */
  private pending(): Params[] {
    return [...[...this.open.values()].map((t) => t.params), ...this.ready];
  }

  private async suggest(count: number, clientId: string): Promise<SuggestAnswer> {
    this.askers.push(clientId);
    if (this.askers.length > RECENT_ASKS) this.askers.shift();
    const answer = await this.serially(async (): Promise<SuggestAnswer> => {
      const mine = [...this.open.values()].filter((t) => t.clientId === clientId);
      for (const trial of mine) trial.lastSeen = Date.now();
      let wanted = count - mine.length;
      const handedOut: Candidate[] = [];
      if (this.host.stopReason() === undefined && wanted > 0) {
        while (wanted > 0 && this.retry.length > 0) {
          handedOut.push(this.host.numberOf(this.retry.shift()!));
          wanted--;
        }
        const fresh = Math.min(wanted, this.host.remaining(this.retried));
        if (fresh > 0) handedOut.push(...(await this.fresh(fresh)));
      }
      for (const { number, params } of handedOut) {
        this.open.set(number, { number, params, clientId, lastSeen: Date.now(), startedAt: Date.now(), steps: [] });
      }
      const trials = [...mine, ...handedOut].map(({ number, params }) => ({ number, params }));
      const nothingLeft = this.host.remaining(this.retried) <= 0 && this.retry.length === 0 && !this.host.config.retry_failed_trials;
      return { trials, done: trials.length === 0 && (nothingLeft || this.host.stopReason() !== undefined) };
    });
    this.sampleAhead();
    return answer;
  }

  /** `count` new trials: a grid's or random search's next ones, or the sampler's (sampled ahead when it could). */
  private async fresh(count: number): Promise<Candidate[]> {
    if (this.host.config.tuning_method !== 'bayesian') return this.host.plan(count, this.pending());
    if (this.ready.length < count) {
      const input = this.host.samplerInput(count - this.ready.length, this.ready.length, this.pending());
      this.ready.push(...(this.samplesHere(input.count) ? this.sampleHere(input) : await sampleNow({ ...input, recent: this.unrecorded })));
    }
    return this.ready.splice(0, count).map((params) => this.host.numberOf(params));
  }

  /**
   * Whether the sampler runs in the workflow for `count` suggestions: TPE on a study's own
   * trials, while the work is small (see MAX_SAMPLING_WORK).
   * Sampling there answers a suggestion in the update's own workflow task (a local activity costs
   * a second one, about 5 ms, and a read of tuning_trials); the sampler is pure and seeded by
   * trial number, so a replay suggests the same.
   */
  private samplesHere(count: number): boolean {
    const { sampler, parent_tuning_run_id: parent } = this.host.config;
    if (this.history === undefined || sampler === 'gp' || parent) return false;
    // Each of the `count` sees the ones before it as pending.
    const work = count * (this.history.length + this.pending().length + count / 2) * this.paramCount;
    return work <= MAX_SAMPLING_WORK && patched(SAMPLES_IN_WORKFLOW);
  }

  /** The sampler on every closed trial, in number order as the activity reads them. */
  private sampleHere(input: SuggestInput): Params[] {
    return suggestFromHistory(input, [...this.history!].sort((a, b) => a.number - b.number));
  }

  /**
   * While its clients work, a bayesian study that samples in an activity (see `samplesHere`)
   * samples the next suggestions' parameters (one per client asking lately), so a suggestion is
   * answered without waiting for the activity. A sample
   * sees the trials closed before it; the ones running are pending, as a built-in batch sees the
   * batches running beside it.
   */
  private sampleAhead(): void {
    if (this.host.config.tuning_method !== 'bayesian' || this.samplesHere(1) || this.sampling || this.retry.length > 0 || this.host.stopReason() !== undefined) return;
    const target = Math.min(new Set(this.askers).size, this.host.remaining(this.retried));
    // Refilled from half full: one activity samples for several suggestions.
    if (this.ready.length * 2 > target || this.ready.length >= target) return;
    const wanted = target - this.ready.length;
    const input: SuggestInput = { ...this.host.samplerInput(wanted, this.ready.length, this.pending()), recent: this.unrecorded };
    this.sampling = sampleQueued(input)
      // On failure, a suggestion samples for itself.
      .then((params) => void this.ready.push(...params), () => undefined)
      .finally(() => (this.sampling = undefined));
  }

  private report(number: number, step: number, value: number): boolean {
    const trial = this.open.get(number)!;
    trial.lastSeen = Date.now();
    trial.steps = [...trial.steps.filter((s) => s.step !== step), { step, value }].sort((a, b) => a.step - b.step);
    const completed: SamplerTrial[] = this.closedSteps.map(({ number: n, state, values }) => ({
      number: n,
      params: {},
      state: state === 'PRUNED' ? 'PRUNED' : 'COMPLETE',
      value: null,
      intermediateValues: values.map((v) => this.sign * v),
    }));
    // Pruners maximise: a minimised value is compared with its sign turned.
    return createPruner(this.host.config.pruner).shouldPrune(
      trial.steps.map((s) => this.sign * s.value),
      completed,
    );
  }

  /** A completion and the client's next suggestion, in one update (a repeat answers both the same way). */
  private async completeAndSuggest(request: CompleteRequest, next: SuggestRequest): Promise<CompleteAnswer> {
    const ack = this.complete(request);
    return { ...ack, next: await this.suggest(next.count, next.client_id) };
  }

  private complete(request: CompleteRequest): TrialAck {
    const answered = this.acks.get(request.number);
    if (answered) return answered;
    const trial = this.open.get(request.number)!;
    this.open.delete(request.number);
    return this.close(trial, toResult(trial, request, Date.now()));
  }

  /**
   * Closes a trial once: remembers its answer, keeps it for `recordClosed`, and hands a failed
   * one's parameters out again if asked to. The answer is acknowledged once the update is in the
   * workflow's history, which is what survives a crash, without waiting for a write.
   */
  private close(trial: OpenTrial & { startedAt: number }, result: TrialResult): TrialAck {
    const ack: TrialAck = { number: trial.number, state: result.state, value: result.mean_score };
    this.acks.set(trial.number, ack);
    this.unrecorded.push(result);
    if (this.history) {
      this.history.push(toSamplerTrial(result, this.sign));
      // Past either bound it never samples here again: the history is dropped, not carried.
      if (this.history.length > MAX_HISTORY_IN_WORKFLOW || this.history.length * this.paramCount > MAX_SAMPLING_WORK) this.history = undefined;
    }
    if (result.state === 'COMPLETE' || result.state === 'PRUNED') {
      this.closedSteps.push({ number: trial.number, state: result.state, values: trial.steps.map((s) => s.value) });
    }
    if (result.state === 'FAILED' && this.host.config.retry_failed_trials && this.host.stopReason() === undefined) {
      this.retry.push(trial.params);
      this.retried++;
    }
    this.host.record({ trials: [result], stoppedBy: null }, false);
    return ack;
  }

  /**
   * Writes the trials closed since the last write to tuning_trials, in one activity (the
   * table, status and results follow within a tick; the sampler gets the ones not yet written
   * from the workflow). Idempotent: a write replayed after a crash inserts nothing twice.
   */
  private async recordClosed(): Promise<void> {
    const trials = [...this.unrecorded];
    if (trials.length === 0) return;
    await recordClientTrials({ tuningRunId: this.tuningRunId, trials });
    this.unrecorded = this.unrecorded.slice(trials.length);
  }

  /** Trials whose client has been silent for trial_timeout_seconds become FAILED (stale). */
  private failStale(): void {
    const now = Date.now();
    const stale = [...this.open.values()].filter((t) => now - t.lastSeen >= this.timeoutMs);
    for (const trial of stale) {
      this.open.delete(trial.number);
      const reason = `stale: no sign of life from client ${trial.clientId} for ${this.timeoutMs / 1000} s`;
      this.close(trial, toResult(trial, { number: trial.number, state: 'FAILED', reason }, now));
    }
  }

  /** At a stop, the trials still open are closed STOPPED with what they reported. */
  private closeAll(reason: string): void {
    for (const trial of [...this.open.values()]) {
      this.open.delete(trial.number);
      const values = trial.steps.map((s) => s.value);
      this.close(trial, {
        number: trial.number,
        params: trial.params,
        state: 'STOPPED',
        scores: values,
        mean_score: values.length > 0 ? values[values.length - 1] : null,
        std_score: null,
        duration_seconds: (Date.now() - trial.startedAt) / 1000,
        error: reason,
      });
    }
  }
}

/** Whether a repeated completion says what the recorded one said. */
function sameAnswer(ack: TrialAck, request: CompleteRequest): boolean {
  const state = request.state === 'INFEASIBLE' ? 'FAILED' : (request.state ?? 'COMPLETE');
  if (state !== ack.state) return false;
  if (state !== 'COMPLETE') return true;
  const value = request.value ?? mean(request.scores ?? []);
  return value === ack.value;
}

function checkSuggestion(request: SuggestRequest, prefix = ''): void {
  if (!Number.isInteger(request.count) || request.count < 1 || request.count > 1000) throw new Error(`${prefix}count: must be an integer from 1 to 1000`);
  if (typeof request.client_id !== 'string' || request.client_id.length === 0 || request.client_id.length > 200) {
    throw new Error(`${prefix}client_id: must be a string of 1 to 200 characters`);
  }
}

function checkCompletion(request: CompleteRequest): void {
  const state = request.state ?? 'COMPLETE';
  if (!['COMPLETE', 'FAILED', 'INFEASIBLE', 'PRUNED'].includes(state)) throw new Error('state: must be COMPLETE, FAILED, INFEASIBLE or PRUNED');
  if (state !== 'COMPLETE') return;
  if (request.value === undefined && (request.scores === undefined || request.scores.length === 0)) {
    throw new Error('value: a completed trial needs a value or fold scores');
  }
  if (request.value !== undefined && !Number.isFinite(request.value)) throw new Error('value: must be a finite number');
  if (request.scores?.some((s) => typeof s !== 'number' || !Number.isFinite(s))) throw new Error('scores: must be finite numbers');
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The trial as recorded: a value (or fold scores), a pruned trial's last report, or a failure's reason. */
function toResult(trial: OpenTrial & { startedAt: number }, request: CompleteRequest, now: number): TrialResult {
  const base = { number: trial.number, params: trial.params, duration_seconds: (now - trial.startedAt) / 1000 };
  const reported = trial.steps.map((s) => s.value);
  switch (request.state ?? 'COMPLETE') {
    case 'COMPLETE': {
      const scores = request.scores ?? [request.value!];
      const value = request.value ?? mean(scores);
      const spread = Math.sqrt(mean(scores.map((s) => (s - mean(scores)) ** 2)));
      return { ...base, state: 'COMPLETE', scores, mean_score: value, std_score: spread };
    }
    case 'PRUNED':
      return { ...base, state: 'PRUNED', scores: reported, mean_score: reported.length > 0 ? reported[reported.length - 1] : null, std_score: null };
    case 'INFEASIBLE':
      return { ...base, state: 'FAILED', scores: reported, mean_score: null, std_score: null, error: `infeasible: ${request.reason ?? 'no reason given'}` };
    default:
      return { ...base, state: 'FAILED', scores: reported, mean_score: null, std_score: null, error: request.reason ?? 'failed in the client' };
  }
}
