/**
 * The trials a sampler or pruner reads, kept per run in the worker and extended incrementally:
 * a batch asks for "every trial numbered below N", and only the trials recorded since the last
 * call are read, so a run of 5,000 trials costs linear, not quadratic, reads. Recorded trials
 * never change (inserts are ON CONFLICT DO NOTHING), which is what makes the cache safe; a worker
 * that restarts simply reads the prefix again.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { listTrials, type StoredTrial } from '../db/tuning_runs';

/** Runs whose history a worker keeps (least recently used dropped). */
const MAX_RUNS = 64;

interface Entry {
  /** Trials numbered below `end`, by number; `end` is the first number not yet seen contiguously. */
  trials: StoredTrial[];
  end: number;
}

export class TrialHistory {
  private readonly runs = new Map<string, Entry>();
  private readonly finished = new Map<string, StoredTrial[]>();

  constructor(private readonly orm: MikroORM) {}

  /** Every trial of a finished run (a warm start's parent), read once: it never changes again. */
  async ofFinishedRun(tuningRunId: string): Promise<StoredTrial[]> {
    let trials = this.finished.get(tuningRunId);
    this.finished.delete(tuningRunId);
    trials ??= await listTrials(this.orm, tuningRunId);
    this.finished.set(tuningRunId, trials);
    while (this.finished.size > MAX_RUNS) this.finished.delete(this.finished.keys().next().value as string);
    return trials;
  }

  /** Every recorded trial of the run numbered below `end` (all of them must be recorded). */
  async below(tuningRunId: string, end: number): Promise<StoredTrial[]> {
    let entry = this.runs.get(tuningRunId);
    this.runs.delete(tuningRunId);
    entry ??= { trials: [], end: 0 };
    if (entry.end < end) {
      const fresh = await listTrials(this.orm, tuningRunId, { from: entry.end, below: end });
      for (const trial of fresh) {
        // Keep only a gap-free prefix: a missing number would otherwise never be read again.
        if (trial.number !== entry.end) break;
        entry.trials.push(trial);
        entry.end++;
      }
    }
    this.runs.set(tuningRunId, entry);
    while (this.runs.size > MAX_RUNS) this.runs.delete(this.runs.keys().next().value as string);
    if (entry.end < end) {
      throw new Error(`trial ${entry.end} of tuning run ${tuningRunId} is not recorded, though its batch finished`);
    }
    // Trial numbers start at 0, so trial i sits at index i.
    return entry.trials.slice(0, end);
  }
}
