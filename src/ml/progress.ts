/**
 * A liveness counter for long fits. Estimators call `tick()` as they make progress (a tree node, a
 * boosting iteration, an optimiser step). In an evaluation thread the count lives in shared memory
 * that the pool reads, so an activity heartbeats only while its fits move: a hung fit stops
 * heartbeating and Temporal retries its batch elsewhere instead of waiting for a timer that says
 * nothing about the work.
 */
let counter: Int32Array | null = null;

/** Makes tick() count into `view[0]` (an Int32Array on a SharedArrayBuffer). */
export function attachProgressCounter(view: Int32Array): void {
  counter = view;
}

export function tick(): void {
  if (counter !== null) Atomics.add(counter, 0, 1);
}
