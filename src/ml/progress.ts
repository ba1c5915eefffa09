/**
 * Liveness and memory guard for long fits. Estimators call `tick()` as they make progress (a tree
 * node, a boosting iteration, an optimiser step).
 *
 * - In an evaluation thread the count lives in shared memory that the pool reads, so an activity
 *   heartbeats only while its fits move: a hung fit stops heartbeating and Temporal retries its
 *   batch elsewhere instead of a timer keeping it alive.
 * - Every few thousand ticks the thread's own memory (V8 heap plus typed arrays; the shared data
 *   set is not counted) is compared with its limit: a fit that would grow past it fails with
 *   ResourceLimitExceeded instead of taking the machine (typed arrays live outside the V8 heap,
 *   so the Worker's resourceLimits alone would not see them).
 */
import { getHeapStatistics } from 'node:v8';

/** A fit used more memory than its evaluation thread may. */
export class ResourceLimitExceededError extends Error {
  override readonly name = 'ResourceLimitExceeded';
}

const TICKS_PER_MEMORY_CHECK = 4096;

let counter: Int32Array | null = null;
let memoryLimitBytes = Infinity;
let sinceCheck = 0;

/** Makes tick() count into `view[0]` (an Int32Array on a SharedArrayBuffer) and check `memoryLimit` bytes. */
export function attachProgressCounter(view: Int32Array, memoryLimit = Infinity): void {
  counter = view;
  memoryLimitBytes = memoryLimit;
}

export function tick(): void {
  if (counter === null) return;
  Atomics.add(counter, 0, 1);
  if (++sinceCheck < TICKS_PER_MEMORY_CHECK) return;
  sinceCheck = 0;
  const heap = getHeapStatistics();
  const used = heap.used_heap_size + heap.external_memory;
  if (used > memoryLimitBytes) {
    throw new ResourceLimitExceededError(
      `the fit needed more than the ${Math.round(memoryLimitBytes / 2 ** 20)} MB an evaluation thread may use (EVALUATION_THREAD_MEMORY_MB); lower n_estimators, max_depth or the data size`,
    );
  }
}
