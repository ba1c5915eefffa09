/**
 * Records an evaluation activity's trials as they finish, in the background, so a crash loses at
 * most the folds being fitted. A failed write (the database restarting) neither rejects a promise
 * nobody awaits (an unhandled rejection kills the worker) nor loses trials: `finish()` writes every
 * trial again (idempotent) and throws if that still fails, so the activity is retried. A run whose
 * row is final or deleted is reported through `closed`, for the activity to stop at once.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { RecordNotFoundError, RunClosedError } from '../db/errors';
import { recordTrials } from '../db/tuning_runs';
import type { TrialResult } from '../workflows/types';

export class TrialRecorder {
  private readonly all: TrialResult[] = [];
  private unwritten: TrialResult[] = [];
  private writing: Promise<void> = Promise.resolve();
  private writeFailed = false;
  /** Set when the run's row is final or gone: nothing more may be recorded for it. */
  closed: RunClosedError | RecordNotFoundError | null = null;

  constructor(
    private readonly orm: MikroORM,
    private readonly tuningRunId: string,
    /** Recorded with each trial: which worker process evaluated it. */
    private readonly workerIdentity: string,
  ) {}

  add(trial: TrialResult): void {
    this.all.push(trial);
    this.unwritten.push(trial);
  }

  /** Writes the trials added since the last flush, after any write still in progress. */
  flush(): Promise<void> {
    const trials = this.unwritten;
    this.unwritten = [];
    if (trials.length > 0) {
      this.writing = this.writing
        .then(() => recordTrials(this.orm, this.tuningRunId, trials, this.workerIdentity))
        .then(
          () => undefined,
          (err: unknown) => {
            if (err instanceof RunClosedError || err instanceof RecordNotFoundError) this.closed ??= err;
            else this.writeFailed = true;
          },
        );
    }
    return this.writing;
  }

  /** Every trial recorded, or an error: the run is closed, or the database still refuses the write. */
  async finish(): Promise<void> {
    await this.flush();
    if (this.closed) throw this.closed;
    if (this.writeFailed) await recordTrials(this.orm, this.tuningRunId, this.all, this.workerIdentity);
  }
}
