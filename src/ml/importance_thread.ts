/**
 * fanovaImportances off the caller's thread: the forest over thousands of trials takes about a
 * second, which on the API's event loop would hold every other request. One long-lived worker
 * thread (this same file, started on first use) computes them in turn; it does not keep the process
 * alive while idle, and a thread that dies is replaced on the next call.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { fanovaImportances, type ScoredTrial } from './importance';
import type { SearchSpace } from './search';

const ROLE = 'fanova-importance';

interface Request {
  id: number;
  space: SearchSpace;
  trials: ScoredTrial[];
}

type Reply = { id: number; importances: Record<string, number> } | { id: number; error: string };

interface Pending {
  resolve(importances: Record<string, number>): void;
  reject(err: Error): void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

let thread: Thread | null = null;
let nextId = 0;

function spawn(): Thread {
  // Under tsx or ts-jest this file is TypeScript: the thread loads it through tsx too.
  const execArgv = __filename.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : undefined;
  const worker = new Worker(__filename, { workerData: ROLE, ...(execArgv ? { execArgv } : {}) });
  const state: Thread = { worker, pending: new Map() };
  worker.on('message', (reply: Reply) => {
    const pending = state.pending.get(reply.id);
    state.pending.delete(reply.id);
    if (state.pending.size === 0) worker.unref();
    if ('error' in reply) pending?.reject(new Error(reply.error));
    else pending?.resolve(reply.importances);
  });
  const fail = (err: Error) => {
    if (thread === state) thread = null;
    for (const pending of state.pending.values()) pending.reject(err);
    state.pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the importance thread exited with code ${code}`)));
  return state;
}

/** fanovaImportances(space, trials) computed in the importance thread. */
export function importancesInThread(space: SearchSpace, trials: ScoredTrial[]): Promise<Record<string, number>> {
  const current = (thread ??= spawn());
  const id = nextId++;
  return new Promise((resolve, reject) => {
    current.pending.set(id, { resolve, reject });
    current.worker.ref();
    current.worker.postMessage({ id, space, trials } satisfies Request);
  });
}

if (!isMainThread && workerData === ROLE) {
  parentPort!.on('message', ({ id, space, trials }: Request) => {
    try {
      parentPort!.postMessage({ id, importances: fanovaImportances(space, trials) } satisfies Reply);
    } catch (err) {
      parentPort!.postMessage({ id, error: err instanceof Error ? err.message : String(err) } satisfies Reply);
    }
  });
}
