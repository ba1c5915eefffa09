import type { ActivitySlotInfo, CustomSlotSupplier, SlotPermit, SlotReserveContext } from '@temporalio/worker';
import { evaluationSlotSupplier, type PoolLoad } from '../../src/temporal/evaluation_slots';

const ctx = { slotType: 'activity', taskQueue: 'q-evaluations', workerIdentity: 'w', workerBuildId: '', isSticky: false } as SlotReserveContext;
const info: ActivitySlotInfo = { type: 'activity', activityType: 'evaluateCandidates' };

/** A pool of `size` threads whose load the test sets. */
function fakePool(size: number): PoolLoad & { busyThreads: number; queuedUnits: number } {
  return {
    size,
    busyThreads: 0,
    queuedUnits: 0,
    load() {
      return { busyThreads: this.busyThreads, queuedUnits: this.queuedUnits };
    },
  };
}

const use = (supplier: CustomSlotSupplier<ActivitySlotInfo>, permit: SlotPermit) => supplier.markSlotUsed({ slotInfo: info, permit });
const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setTimeout(resolve, 60));
  return done;
};

describe('evaluationSlotSupplier', () => {
  test('an idle worker holds one slot per thread, never the one fetched ahead', () => {
    const pool = fakePool(2);
    const supplier = evaluationSlotSupplier(pool);
    expect(supplier.tryReserveSlot(ctx)).not.toBeNull();
    expect(supplier.tryReserveSlot(ctx)).not.toBeNull();
    // Both slots reserved by pollers but no batch running: another idle worker should get the next batch.
    expect(supplier.tryReserveSlot(ctx)).toBeNull();
  });

  test('the extra slot opens when every thread runs a batch and the queue is nearly empty', async () => {
    const pool = fakePool(1);
    const supplier = evaluationSlotSupplier(pool);
    const first = await supplier.reserveSlot(ctx, new AbortController().signal);
    use(supplier, first);
    pool.busyThreads = 1;
    pool.queuedUnits = 9;
    const ahead = supplier.reserveSlot(ctx, new AbortController().signal);
    expect(await settled(ahead)).toBe(false);
    pool.queuedUnits = 1;
    expect(await settled(ahead)).toBe(true);
    use(supplier, await ahead);
    // Two batches taken with one thread: no third, whatever the queue.
    pool.queuedUnits = 0;
    expect(supplier.tryReserveSlot(ctx)).toBeNull();
    // The first batch ends: its slot is free for the one after, once the second nears its end.
    supplier.releaseSlot({ slotInfo: info, permit: first });
    pool.queuedUnits = 10;
    expect(supplier.tryReserveSlot(ctx)).toBeNull();
    pool.queuedUnits = 0;
    expect(supplier.tryReserveSlot(ctx)).not.toBeNull();
  });

  test('a permit released unused frees its slot; an aborted reservation rejects with the reason', async () => {
    const pool = fakePool(1);
    const supplier = evaluationSlotSupplier(pool);
    const polled = supplier.tryReserveSlot(ctx)!;
    expect(supplier.tryReserveSlot(ctx)).toBeNull();
    supplier.releaseSlot({ permit: polled });
    expect(supplier.tryReserveSlot(ctx)).not.toBeNull();

    const abort = new AbortController();
    const waiting = supplier.reserveSlot(ctx, abort.signal);
    abort.abort(new Error('poller shut down'));
    await expect(waiting).rejects.toThrow('poller shut down');
  });
});
