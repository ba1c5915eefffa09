/**
 * A small team of helper threads that a single fit uses when its evaluation thread has the machine
 * to itself (fewer (candidate, fold) units than threads): the fit splits a loop (e.g. histogram rows)
 * into chunks, runs one itself and the others on the helpers, and waits for them.
 *
 * - Helpers are worker threads spawned lazily per calling thread and per script, kept for later
 *   fits (unref'd: they never keep a process alive); between jobs they poll for a moment, then
 *   block in Atomics.wait.
 * - Data reaches a helper once per fit with `share` (views on SharedArrayBuffers, cloned without
 *   copying); a job is a few numbers written to the helper's control block, so starting one costs
 *   microseconds.
 * - A job a helper has not taken yet when the fitting thread waits for it is run by the fitting
 *   thread itself: whoever takes it first (an atomic exchange) runs it. A helper the OS has not
 *   scheduled (a machine busier than its cores) then costs no more than running the job here; without
 *   this, a 10k-row fit on 2 threads took 10x longer while another process kept both cores busy.
 * - The threads a fit may use, `fitThreads()`, follow its pool's load as the fit goes: the pool's
 *   threads divided by those fitting a unit now (so a lone fit, or the last folds of a batch, take
 *   the cores idle threads leave); outside a pool, `setFitThreads` (default 1).
 */
import * as path from 'path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker, workerData } from 'worker_threads';

/** Control block per helper: [state (1 = job posted, not taken), jobs done, failed, data shared, args...]. */
const STATE = 0;
const DONE = 1;
const FAILED = 2;
const SHARED = 3;
const ARGS = 4;
const MAX_ARGS = 13;
const WAIT_MS = 1000;
/**
 * How long a helper polls for its next job, and the fitting thread for a job's end, before it
 * sleeps in Atomics.wait: waking a sleeping thread took 50-100 µs on a 2-core VM, as long as a
 * small node's histogram, while a fit posts its jobs a few hundred µs apart (100k rows, 2 threads:
 * a fit 6% faster, 20% more CPU on the core the fit was given anyway).
 */
const SPIN_MS = 1;

let fixedThreads = 1;
/** The pool's [threads, threads fitting a unit now], when this is one of its evaluation threads. */
let poolLoad: Int32Array | null = null;

/** Threads a fit may use outside an evaluation pool (default 1). */
export function setFitThreads(n: number): void {
  fixedThreads = Math.max(1, Math.floor(n));
}

/** Makes fitThreads() follow the pool's load (an Int32Array [threads, busy] on a SharedArrayBuffer). */
export function attachPoolLoad(view: Int32Array): void {
  poolLoad = view;
}

/** The most threads a fit could use (the pool's size, or setFitThreads). */
export function maxFitThreads(): number {
  return poolLoad === null ? fixedThreads : Math.max(1, Atomics.load(poolLoad, 0));
}

/** Threads a fit may use now: the pool's threads shared by its busy ones (read as the fit goes). */
export function fitThreads(): number {
  if (poolLoad === null) return fixedThreads;
  return Math.max(1, Math.floor(Atomics.load(poolLoad, 0) / Math.max(1, Atomics.load(poolLoad, 1))));
}

interface Helper {
  worker: Worker;
  port: MessagePort;
  ctrl: Int32Array;
  /** Jobs finished as of the last wait. */
  done: number;
  busy: boolean;
}

function scriptOptions(script: string): { file: string; execArgv?: string[] } {
  if (script.endsWith('.ts')) return { file: script, execArgv: ['--require', require.resolve('tsx/cjs')] };
  return { file: script };
}

export class Team {
  private readonly helpers: Helper[] = [];

  constructor(private readonly script: string) {}

  get size(): number {
    return this.helpers.length;
  }

  /** Makes sure at least n helpers exist. */
  grow(n: number): void {
    while (this.helpers.length < n) {
      const { port1, port2 } = new MessageChannel();
      const ctrl = new Int32Array(new SharedArrayBuffer((ARGS + MAX_ARGS) * Int32Array.BYTES_PER_ELEMENT));
      const { file, execArgv } = scriptOptions(this.script);
      const worker = new Worker(file, {
        ...(execArgv ? { execArgv } : {}),
        workerData: { teamPort: port2, teamCtrl: ctrl },
        transferList: [port2],
      });
      worker.unref();
      port1.unref();
      this.helpers.push({ worker, port: port1, ctrl, done: 0, busy: false });
    }
  }

  /** Sends helper i its data for the next jobs (SharedArrayBuffer views are shared, not copied). */
  share(i: number, data: unknown): void {
    const h = this.helpers[i];
    h.port.postMessage(data);
    Atomics.add(h.ctrl, SHARED, 1);
  }

  /** Starts a job with integer args on helper i (`wait` waits for it). */
  start(i: number, args: number[]): void {
    const h = this.helpers[i];
    if (args.length > MAX_ARGS) throw new RangeError(`a team job takes at most ${MAX_ARGS} args`);
    for (let a = 0; a < args.length; a++) h.ctrl[ARGS + a] = args[a];
    h.busy = true;
    Atomics.store(h.ctrl, STATE, 1);
    Atomics.notify(h.ctrl, STATE);
  }

  /**
   * Returns when every started job is done: runHere(i, args) runs helper i's job on this thread
   * when the helper has not taken it yet.
   */
  wait(runHere: (helper: number, args: Int32Array) => void): void {
    let failure: string | undefined;
    // Jobs no helper has taken first, then the ones helpers are running.
    this.helpers.forEach((h, i) => {
      if (h.busy && Atomics.compareExchange(h.ctrl, STATE, 1, 0) === 1) {
        h.busy = false;
        runHere(i, h.ctrl.subarray(ARGS));
      }
    });
    for (const h of this.helpers) {
      if (!h.busy) continue;
      spinWhile(h.ctrl, DONE, h.done);
      while (Atomics.load(h.ctrl, DONE) === h.done) Atomics.wait(h.ctrl, DONE, h.done, WAIT_MS);
      h.done = Atomics.load(h.ctrl, DONE);
      h.busy = false;
      if (Atomics.load(h.ctrl, FAILED) !== 0) {
        Atomics.store(h.ctrl, FAILED, 0);
        failure ??= String(receiveMessageOnPort(h.port)?.message ?? 'unknown error');
      }
    }
    if (failure !== undefined) throw new Error(`a helper thread of the fit failed: ${failure}`);
  }
}

/** Polls ctrl[index] while it equals value, for up to SPIN_MS. */
function spinWhile(ctrl: Int32Array, index: number, value: number): void {
  const until = performance.now() + SPIN_MS;
  while (Atomics.load(ctrl, index) === value) {
    for (let i = 0; i < 64 && Atomics.load(ctrl, index) === value; i++);
    if (performance.now() > until) return;
  }
}

const teams = new Map<string, Team>();

/** This thread's team for `script` (its helpers are spawned by `grow`). */
export function teamFor(script: string): Team {
  const key = path.resolve(script);
  let team = teams.get(key);
  if (team === undefined) teams.set(key, (team = new Team(key)));
  return team;
}

/**
 * The helper side (call from the helper script): waits for jobs and runs `job(data, args)` on the
 * latest data shared with it: every message shared before the job, which it waits for if it has not
 * arrived yet (a job on an earlier fit's data would read that fit's arrays).
 */
export function serveTeam<T>(job: (data: T, args: Int32Array) => void): void {
  const { teamPort, teamCtrl } = workerData as { teamPort: MessagePort; teamCtrl: Int32Array };
  const ctrl = teamCtrl;
  let data: T | undefined;
  let received = 0;
  for (;;) {
    spinWhile(ctrl, STATE, 0);
    // Taken unless the fitting thread took it first (Team.wait).
    if (Atomics.wait(ctrl, STATE, 0, WAIT_MS) === 'timed-out' || Atomics.compareExchange(ctrl, STATE, 1, 0) !== 1) continue;
    while (received < Atomics.load(ctrl, SHARED)) {
      const m = receiveMessageOnPort(teamPort);
      if (m === undefined) continue;
      data = m.message as T;
      received++;
    }
    try {
      if (data === undefined) throw new Error('team job before any shared data');
      job(data, ctrl.subarray(ARGS));
    } catch (err) {
      // The message goes back to the fitting thread, which fails the fit with it.
      teamPort.postMessage(err instanceof Error ? err.message : String(err));
      Atomics.store(ctrl, FAILED, 1);
    }
    Atomics.add(ctrl, DONE, 1);
    Atomics.notify(ctrl, DONE);
  }
}
