/**
 * The evaluation queue's activity slots: one per evaluation thread, plus one that opens only while
 * every thread is fitting and the pool is about to run dry (no more queued units than threads).
 * Through that slot the worker fetches its next batch, reads its recorded trials and queues its
 * units while the current batch's last fits finish, so a thread goes from one batch to the next
 * without waiting for the completion, the poll and the database round trips in between (about
 * 70 ms a batch on the 2-core bench, timed inside the thread; see bench:scale in the README).
 *
 * Why not simply one slot more than threads: an idle worker would then take two batches while
 * another idle worker on the queue got none. The extra slot opens only near a busy thread's end,
 * so a batch it takes would otherwise have waited at most a unit or two of fitting.
 */
import type { CustomSlotSupplier, SlotPermit, ActivitySlotInfo } from '@temporalio/worker';

/** What the supplier reads of the evaluation pool. */
export interface PoolLoad {
  readonly size: number;
  load(): { busyThreads: number; queuedUnits: number };
}

/** How often a waiting reservation looks at the pool again. */
const RECHECK_MS = 20;

interface Permit {
  used: boolean;
}

export function evaluationSlotSupplier(pool: PoolLoad): CustomSlotSupplier<ActivitySlotInfo> {
  let permits = 0;
  let used = 0;
  const available = (): boolean => {
    if (permits < pool.size) return true;
    if (permits > pool.size || used < pool.size) return false;
    const { busyThreads, queuedUnits } = pool.load();
    return busyThreads === pool.size && queuedUnits <= pool.size;
  };
  const grant = (): SlotPermit => {
    permits++;
    return { used: false } satisfies Permit;
  };
  return {
    type: 'custom',
    reserveSlot(_ctx, abortSignal) {
      if (abortSignal.aborted) return Promise.reject(abortSignal.reason);
      if (available()) return Promise.resolve(grant());
      return new Promise<SlotPermit>((resolve, reject) => {
        const timer = setInterval(() => {
          if (!available()) return;
          finish();
          resolve(grant());
        }, RECHECK_MS);
        const onAbort = () => {
          finish();
          reject(abortSignal.reason);
        };
        const finish = () => {
          clearInterval(timer);
          abortSignal.removeEventListener('abort', onAbort);
        };
        abortSignal.addEventListener('abort', onAbort, { once: true });
      });
    },
    tryReserveSlot() {
      return available() ? grant() : null;
    },
    markSlotUsed({ permit }) {
      (permit as Permit).used = true;
      used++;
    },
    releaseSlot({ permit }) {
      permits--;
      if ((permit as Permit).used) used--;
    },
  };
}
