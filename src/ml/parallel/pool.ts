/**
 * EvaluationPool: cross-validates candidates in worker threads over a shared data set.
 *
 * - X and y live in SharedArrayBuffers (a non-shared Dataset is copied once per Dataset object)
 *   and are posted to each thread once per data set key; threads cache data sets by key (at most
 *   MAX_DATASETS_PER_THREAD, least recently used dropped), never per task.
 * - The unit of work is one (candidate, fold) pair, one unit in flight per thread, so every thread
 *   stays busy even with few candidates. Units are queued candidate by candidate, the candidates
 *   with the largest estimated cost (n_estimators / max_iter × feature fraction) first, which
 *   shortens the tail where one thread finishes a long fit while the others are idle.
 * - A failing unit (e.g. InvalidInputError for a bad parameter) fails only its candidate: the
 *   candidate's `error` is set and its remaining folds are skipped; the batch still resolves.
 * - Pruning hook: `shouldPrune(candidateIndex, foldScoresSoFar)` is called each time a
 *   candidate's next fold score (in fold order) is known; returning true skips its remaining
 *   folds and marks it `pruned`.
 * - With fewer units than threads, fits may use the idle threads' share of the cores: the pool
 *   keeps [threads, threads fitting a unit] in shared memory, which fits read as they go
 *   (histogram GBM builds its histograms on helper threads, team.ts).
 * - A thread that dies (out of memory, ...) is replaced and its unit retried once.
 * - Stopping: when `signal` aborts, queued units are dropped and the threads still fitting one of
 *   the batch's units are terminated and replaced, so the CPU is free within moments even in the
 *   middle of a long fold; unfinished candidates resolve `stopped` with the folds they finished.
 * - Liveness: every thread counts its progress (tree nodes, boosting iterations, optimiser steps)
 *   in shared memory; `progressOf(opts)` changes while the batch's fits move (or, while some of
 *   its units wait for a thread, while the pool's do), so a caller can tell a long fit from a hung one.
 * - A progress or pruning callback that throws rejects the batch: a lost trial is never silent.
 */
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';


import type { Dataset, Params, Task } from '../types';
import type { DatasetMessage, FromWorker, TaskError, TaskMessage } from './protocol';

export type { TaskError } from './protocol';

export interface CandidateEvaluation {
  params: Params;
  /** One score per fold, in fold order (only the folds evaluated when pruned or failed). */
  scores: number[];
  meanScore: number;
  /** Population standard deviation (NumPy's default). */
  stdScore: number;
  /** Seconds spent fitting and scoring, summed over the folds. */
  fitTime: number;
  error?: TaskError;
  /** True when shouldPrune stopped the candidate before its last fold. */
  pruned?: boolean;
  /** True when the batch was stopped (signal aborted) before the candidate's last fold. */
  stopped?: boolean;
}

export interface EvaluationProgress {
  /** Candidates finished so far in this batch, and in total. */
  done: number;
  total: number;
  candidateIndex: number;
  evaluation: CandidateEvaluation;
}

export interface EvaluateOptions {
  /** Identifies the data set: threads keep it across batches under this key. */
  datasetKey: string;
  dataset: Dataset;
  modelType: string;
  task: Task;
  candidates: Params[];
  cvFolds: number;
  scoring: string;
  seed: number;
  /** Called each time a candidate is finished. */
  onProgress?: (progress: EvaluationProgress) => void;
  /** Called with a candidate's fold scores so far (in fold order); true stops the candidate. */
  shouldPrune?: (candidateIndex: number, foldScoresSoFar: number[]) => boolean;
  /** Stops the batch: the promise resolves at once, unfinished candidates marked `stopped`. */
  signal?: AbortSignal;
}

const MAX_DATASETS_PER_THREAD = 8;
const DEFAULT_THREAD_MEMORY_MB = 2048;

interface SharedData {
  X: Float64Array;
  y: Float64Array;
}

interface CandidateState {
  scores: (number | undefined)[];
  /** Folds scored in order so far (prefix length). */
  prefix: number;
  seconds: number;
  pending: number;
  finished: boolean;
  error?: TaskError;
  pruned: boolean;
  stopped: boolean;
}

interface Batch {
  opts: EvaluateOptions;
  shared: SharedData;
  states: CandidateState[];
  done: number;
  /** Units (folds) finished: a measure of progress. */
  unitsDone: number;
  /** Set once the batch has resolved or rejected. */
  settled: boolean;
  resolve: (value: CandidateEvaluation[]) => void;
  reject: (err: Error) => void;
}

interface Unit {
  id: number;
  batch: Batch;
  candidate: number;
  fold: number;
  attempts: number;
}

interface Slot {
  worker: Worker;
  /** Data set keys sent to this thread → the Dataset object sent (most recently used last). */
  datasets: Map<string, Dataset>;
  unit: Unit | null;
  exited: boolean;
  /** The thread's progress ticks in its current unit (reset at each dispatch). */
  ticks: Int32Array;
}

const sharedCopies = new WeakMap<Dataset, SharedData>();

/** X and y of a data set on SharedArrayBuffers (copied once per Dataset object when needed). */
export function sharedArrays(data: Dataset): SharedData {
  const isShared = (a: Float64Array): boolean =>
    typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
  if (isShared(data.X) && isShared(data.y)) return { X: data.X, y: data.y };
  let copy = sharedCopies.get(data);
  if (copy === undefined) {
    const toShared = (a: Float64Array, length: number): Float64Array => {
      if (isShared(a)) return a;
      const out = new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
      out.set(a.subarray(0, length));
      return out;
    };
    copy = { X: toShared(data.X, data.nSamples * data.nFeatures), y: toShared(data.y, data.nSamples) };
    sharedCopies.set(data, copy);
  }
  return copy;
}

function workerScript(): { file: string; execArgv?: string[] } {
  if (__filename.endsWith('.ts')) {
    return { file: path.join(__dirname, 'worker.ts'), execArgv: ['--require', require.resolve('tsx/cjs')] };
  }
  return { file: path.join(__dirname, 'worker.js') };
}

/** A rough relative cost of a candidate, to start the expensive ones first. */
export function estimateCost(params: Params, nFeatures: number): number {
  const count = (v: unknown, d: number): number => (typeof v === 'number' && v > 0 ? v : d);
  let cost = count(params.n_estimators, 1) * count(params.max_iter, 1);
  const mf = params.max_features;
  if (mf === 'sqrt') cost *= Math.sqrt(nFeatures) / nFeatures;
  else if (mf === 'log2') cost *= Math.max(1, Math.log2(nFeatures)) / nFeatures;
  else if (typeof mf === 'number') cost *= mf <= 1 ? mf : Math.min(1, mf / nFeatures);
  return cost;
}

function meanStd(scores: number[]): { mean: number; std: number } {
  const n = scores.length;
  if (n === 0) return { mean: NaN, std: NaN };
  let s = 0;
  for (const x of scores) s += x;
  const mean = s / n;
  let v = 0;
  for (const x of scores) v += (x - mean) ** 2;
  return { mean, std: Math.sqrt(v / n) };
}

export class EvaluationPool {
  readonly size: number;
  private slots: Slot[] = [];
  private queue: Unit[] = [];
  private nextId = 1;
  private closed = false;
  private busy = 0;
  /** Batches being evaluated, by their options object (for progressOf). */
  private readonly active = new Map<EvaluateOptions, Batch>();
  /** Units finished by the pool since it started. */
  private unitsDone = 0;
  /** [threads, threads fitting a unit now], read by the fits (team.ts fitThreads). */
  private readonly loadView = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));

  /** Memory one thread's fits may use (V8 heap and typed arrays), in MB. */
  readonly memoryLimitMb: number;

  /**
   * @param size threads (default: one per core)
   * @param memoryLimitMb memory each thread's fit may use (default 2048): beyond it the fit fails
   *   with ResourceLimitExceeded, and a thread whose V8 heap overflows is replaced
   */
  constructor(size?: number, memoryLimitMb = DEFAULT_THREAD_MEMORY_MB) {
    const n = size ?? (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`EvaluationPool size must be an integer >= 1, got ${n}`);
    if (!(memoryLimitMb >= 64)) throw new RangeError(`EvaluationPool memory limit must be at least 64 MB, got ${memoryLimitMb}`);
    this.size = n;
    this.memoryLimitMb = memoryLimitMb;
    this.loadView[0] = n;
  }

  /**
   * A token that changes whenever the batch started with `opts` makes progress (a fold finished,
   * a tree node split in one of its fits) or, while some of its units still wait for a thread,
   * whenever the pool's other work does. It stays the same while the batch's fits are stuck.
   */
  progressOf(opts: EvaluateOptions): string {
    const batch = this.active.get(opts);
    if (batch === undefined) return 'idle';
    let own = batch.unitsDone;
    let all = this.unitsDone;
    for (const slot of this.slots) {
      const ticks = Atomics.load(slot.ticks, 0);
      all += ticks;
      if (slot.unit?.batch === batch) own += ticks;
    }
    return this.queue.some((u) => u.batch === batch) ? `${own}/${all}` : `${own}`;
  }

  /** Threads fitting a unit right now, and units waiting for a thread. */
  load(): { busyThreads: number; queuedUnits: number } {
    return { busyThreads: this.slots.filter((s) => s.unit !== null).length, queuedUnits: this.queue.length };
  }

  /** Cross-validates every candidate; resolves with one evaluation per candidate, in order. */
  evaluate(opts: EvaluateOptions): Promise<CandidateEvaluation[]> {
    if (this.closed) return Promise.reject(new Error('EvaluationPool is closed'));
    const { candidates, cvFolds } = opts;
    if (candidates.length === 0) return Promise.resolve([]);
    if (opts.signal?.aborted) {
      return Promise.resolve(candidates.map((params) => ({ params, scores: [], meanScore: NaN, stdScore: NaN, fitTime: 0, stopped: true })));
    }
    if (!Number.isInteger(cvFolds) || cvFolds < 1) return Promise.reject(new RangeError(`cvFolds must be an integer >= 1, got ${cvFolds}`));
    let shared: SharedData;
    try {
      shared = sharedArrays(opts.dataset);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<CandidateEvaluation[]>((resolve, reject) => {
      const batch: Batch = {
        opts,
        shared,
        states: candidates.map(() => ({
          scores: new Array<number | undefined>(cvFolds).fill(undefined),
          prefix: 0,
          seconds: 0,
          pending: cvFolds,
          finished: false,
          pruned: false,
          stopped: false,
        })),
        done: 0,
        unitsDone: 0,
        settled: false,
        resolve,
        reject,
      };
      this.active.set(opts, batch);
      opts.signal?.addEventListener('abort', () => this.stop(batch), { once: true });
      const order = candidates
        .map((params, i) => ({ i, cost: estimateCost(params, opts.dataset.nFeatures) }))
        .sort((a, b) => b.cost - a.cost || a.i - b.i);
      for (const { i } of order) {
        for (let fold = 0; fold < cvFolds; fold++) {
          this.queue.push({ id: this.nextId++, batch, candidate: i, fold, attempts: 0 });
        }
      }
      this.setBusy(+1);
      this.ensureWorkers();
      this.dispatch();
    });
  }

  /** Terminates the threads; evaluations still running are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const batches = new Set<Batch>();
    for (const u of this.queue) batches.add(u.batch);
    for (const s of this.slots) if (s.unit) batches.add(s.unit.batch);
    this.queue = [];
    for (const b of batches) this.settle(b, new Error('EvaluationPool was closed'));
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => ((s.exited = true), s.worker.terminate())));
  }

  private setBusy(delta: number): void {
    const was = this.busy > 0;
    this.busy += delta;
    const is = this.busy > 0;
    if (was === is) return;
    for (const s of this.slots) {
      if (is) s.worker.ref();
      else s.worker.unref();
    }
  }

  private ensureWorkers(): void {
    while (this.slots.length < this.size) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const { file, execArgv } = workerScript();
    const ticks = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const worker = new Worker(file, {
      ...(execArgv ? { execArgv } : {}),
      workerData: { progress: ticks, memoryLimitBytes: this.memoryLimitMb * 2 ** 20, poolLoad: this.loadView },
      // The V8 heap's own limit; typed arrays are checked by the fits themselves (../progress.ts).
      resourceLimits: { maxOldGenerationSizeMb: this.memoryLimitMb },
    });
    const slot: Slot = { worker, datasets: new Map(), unit: null, exited: false, ticks };
    worker.on('message', (msg: FromWorker) => this.onResult(slot, msg));
    worker.on('error', (err: Error & { code?: string }) => this.onExit(slot, err));
    worker.on('exit', (code) => this.onExit(slot, new Error(`evaluation thread exited with code ${code}`)));
    if (this.busy === 0) worker.unref();
    return slot;
  }

  private onExit(slot: Slot, err: Error): void {
    if (slot.exited) return;
    slot.exited = true;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    const unit = slot.unit;
    slot.unit = null;
    if (this.closed) return;
    if (unit) {
      if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        // Retrying would only overflow again: the candidate fails, the thread is replaced.
        this.fail(unit, { message: `the fit needed more than the ${this.memoryLimitMb} MB heap an evaluation thread may use`, type: 'ResourceLimitExceeded' });
      } else if (unit.attempts < 1) {
        unit.attempts++;
        this.queue.unshift(unit);
      } else {
        this.fail(unit, { message: `evaluation thread failed: ${err.message}`, type: 'WorkerError' });
      }
    }
    this.ensureWorkers();
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.unit !== null || slot.exited) continue;
      const unit = this.nextUnit();
      if (unit === undefined) break;
      this.send(slot, unit);
    }
    Atomics.store(this.loadView, 1, this.slots.filter((s) => s.unit !== null).length);
  }

  private nextUnit(): Unit | undefined {
    while (this.queue.length > 0) {
      const u = this.queue.shift()!;
      const st = u.batch.states[u.candidate];
      if (!st.finished) return u;
    }
    return undefined;
  }

  private send(slot: Slot, unit: Unit): void {
    const { opts, shared } = unit.batch;
    const key = opts.datasetKey;
    const sent = slot.datasets.get(key);
    if (sent !== opts.dataset) {
      const d = opts.dataset;
      const msg: DatasetMessage = {
        type: 'dataset',
        key,
        nSamples: d.nSamples,
        nFeatures: d.nFeatures,
        featureNames: d.featureNames,
        task: d.task,
        ...(d.classes ? { classes: d.classes } : {}),
        X: shared.X,
        y: shared.y,
      };
      slot.worker.postMessage(msg);
    }
    slot.datasets.delete(key);
    slot.datasets.set(key, opts.dataset);
    while (slot.datasets.size > MAX_DATASETS_PER_THREAD) {
      const oldest = slot.datasets.keys().next().value as string;
      slot.datasets.delete(oldest);
      slot.worker.postMessage({ type: 'drop', key: oldest });
    }
    const task: TaskMessage = {
      type: 'task',
      id: unit.id,
      key,
      modelType: opts.modelType,
      task: opts.task,
      params: opts.candidates[unit.candidate],
      cvFolds: opts.cvFolds,
      scoring: opts.scoring,
      seed: opts.seed,
      fold: unit.fold,
    };
    slot.unit = unit;
    Atomics.store(slot.ticks, 0, 0);
    slot.worker.postMessage(task);
  }

  private onResult(slot: Slot, msg: FromWorker): void {
    const unit = slot.unit;
    slot.unit = null;
    if (unit !== null && unit.id === msg.id) {
      this.unitsDone++;
      unit.batch.unitsDone++;
      const st = unit.batch.states[unit.candidate];
      st.seconds += msg.seconds;
      if (!st.finished) {
        if (msg.error) this.fail(unit, msg.error);
        else {
          st.scores[unit.fold] = msg.score;
          st.pending--;
          this.advance(unit.batch, unit.candidate);
        }
      }
    }
    this.dispatch();
  }

  /** Moves a candidate's fold prefix forward, asks the pruning hook, finishes when complete. */
  private advance(batch: Batch, candidate: number): void {
    const st = batch.states[candidate];
    const shouldPrune = batch.opts.shouldPrune;
    while (st.prefix < st.scores.length && st.scores[st.prefix] !== undefined) {
      st.prefix++;
      if (shouldPrune && st.prefix < st.scores.length) {
        let prune: boolean;
        try {
          prune = shouldPrune(candidate, st.scores.slice(0, st.prefix) as number[]);
        } catch (err) {
          this.abort(batch, err);
          return;
        }
        if (prune) {
          st.pruned = true;
          this.finish(batch, candidate);
          return;
        }
      }
    }
    if (st.pending === 0) this.finish(batch, candidate);
  }

  private fail(unit: Unit, error: TaskError): void {
    const st = unit.batch.states[unit.candidate];
    if (st.finished) return;
    st.error = error;
    this.finish(unit.batch, unit.candidate);
  }

  private finish(batch: Batch, candidate: number): void {
    const st = batch.states[candidate];
    if (st.finished) return;
    st.finished = true;
    batch.done++;
    const evaluation = this.evaluationOf(batch, candidate);
    try {
      batch.opts.onProgress?.({ done: batch.done, total: batch.states.length, candidateIndex: candidate, evaluation });
    } catch (err) {
      this.abort(batch, err);
      return;
    }
    if (batch.done === batch.states.length) this.settle(batch);
  }

  /** Resolves the batch with its evaluations, or rejects it with `error`; frees its busy mark once. */
  private settle(batch: Batch, error?: Error): void {
    if (batch.settled) return;
    batch.settled = true;
    this.active.delete(batch.opts);
    this.setBusy(-1);
    if (error) batch.reject(error);
    else batch.resolve(batch.states.map((_, i) => this.evaluationOf(batch, i)));
  }

  /** Stops a batch on request: its unfinished candidates end `stopped` with the folds they finished. */
  private stop(batch: Batch): void {
    if (batch.settled) return;
    this.release(batch);
    for (const st of batch.states) {
      if (st.finished) continue;
      st.finished = true;
      st.stopped = true;
      batch.done++;
    }
    this.settle(batch);
  }

  /** A callback failed: the batch rejects with its error (nothing is dropped silently). */
  private abort(batch: Batch, err: unknown): void {
    if (batch.settled) return;
    this.release(batch);
    for (const st of batch.states) st.finished = true;
    this.settle(batch, err instanceof Error ? err : new Error(String(err)));
  }

  /** Drops the batch's queued units and replaces the threads still fitting one of them. */
  private release(batch: Batch): void {
    this.queue = this.queue.filter((u) => u.batch !== batch);
    for (const slot of [...this.slots]) {
      if (slot.unit?.batch !== batch) continue;
      slot.unit = null;
      slot.exited = true;
      this.slots.splice(this.slots.indexOf(slot), 1);
      void slot.worker.terminate();
    }
    if (this.closed) return;
    this.ensureWorkers();
    this.dispatch();
  }

  private evaluationOf(batch: Batch, candidate: number): CandidateEvaluation {
    const st = batch.states[candidate];
    const scores = st.scores.slice(0, st.prefix) as number[];
    const { mean, std } = st.error ? { mean: NaN, std: NaN } : meanStd(scores);
    return {
      params: batch.opts.candidates[candidate],
      scores,
      meanScore: mean,
      stdScore: std,
      fitTime: st.seconds,
      ...(st.error ? { error: st.error } : {}),
      ...(st.pruned ? { pruned: true } : {}),
      ...(st.stopped ? { stopped: true } : {}),
    };
  }
}
