/**
 * The trials a sampler or pruner reads, kept per run in the worker and extended incrementally:
 * a batch asks for "every trial numbered below N", and only the trials recorded since the last
 * call are read, so a run of 5,000 trials costs linear, not quadratic, reads. Recorded trials
 * never change (inserts are ON CONFLICT DO NOTHING), which is what makes the cache safe; a worker
 * that restarts simply reads the prefix again.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { listTrials, type StoredTrial } from '../db/tuning_runs';
import type { TrialResult } from '../workflows/types';

/** Runs whose history a worker keeps (least recently used dropped). */
const MAX_RUNS = 64;

/** A client-evaluated study's recorded trials: numbered below `next`, with gaps where trials are open. */
interface StudyEntry {
  trials: Map<number, StoredTrial>;
  next: number;
}

interface Entry {
  /** Trials numbered below `end`, by number; `end` is the first number not yet seen contiguously. */
  trials: StoredTrial[];
  end: number;
}

export class TrialHistory {
  private readonly runs = new Map<string, Entry>();
  private readonly finished = new Map<string, StoredTrial[]>();
  private readonly studies = new Map<string, StudyEntry>();

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

  /**
   * Every closed trial of a client-evaluated study, by number: the recorded ones, read
   * incrementally (its trials close in any order, so each read covers the numbers above the
   * highest seen and the gaps below it), and `recent`, the ones closed but not yet recorded.
   */
  async ofStudy(tuningRunId: string, recent: readonly TrialResult[]): Promise<TrialResult[]> {
    let entry = this.studies.get(tuningRunId);
    this.studies.delete(tuningRunId);
    entry ??= { trials: new Map(), next: 0 };
    const gaps: number[] = [];
    for (let n = 0; n < entry.next; n++) if (!entry.trials.has(n)) gaps.push(n);
    const [above, filled] = await Promise.all([
      listTrials(this.orm, tuningRunId, { from: entry.next }),
      gaps.length > 0 ? listTrials(this.orm, tuningRunId, { numbers: gaps }) : [],
    ]);
    for (const trial of [...above, ...filled]) {
      entry.trials.set(trial.number, trial);
      entry.next = Math.max(entry.next, trial.number + 1);
    }
    this.studies.set(tuningRunId, entry);
    while (this.studies.size > MAX_RUNS) this.studies.delete(this.studies.keys().next().value as string);
    const all = new Map<number, TrialResult>(entry.trials);
    for (const trial of recent) all.set(trial.number, trial);
    return [...all.values()].sort((a, b) => a.number - b.number);
  }
}
