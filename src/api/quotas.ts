/**
 * Per-user quotas, answered with 429, a Retry-After header and a JSON error naming the limit:
 *  - requests per minute (RATE_LIMIT_PER_MINUTE): a token bucket per user in this process's
 *    memory, so with several API processes each allows the rate on its own;
 *  - RUNNING model runs (MAX_RUNNING_MODEL_RUNS) and tuning runs (MAX_RUNNING_TUNING_RUNS) at
 *    once, counted in the database when a new one is requested. A user's quota checks are taken
 *    one at a time in this process and each holds until its response is sent (the new run is
 *    recorded by then), so concurrent requests cannot all pass on the same count.
 * A limit of 0 turns that quota off.
 */
import type { RequestHandler, Response } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';

interface LimitError {
  error: string;
  limit: { name: string; value: number };
}

function tooManyRequests(res: Response, retryAfterSeconds: number, body: LimitError): void {
  res.set('Retry-After', String(retryAfterSeconds)).status(429).json(body);
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets kept before full ones (users idle for a minute or more) are forgotten. */
const MAX_TRACKED_USERS = 10_000;

/** At most `perMinute` requests a minute per user, in bursts of up to `perMinute`. */
export function rateLimit(perMinute: number, now: () => number = Date.now): RequestHandler {
  const buckets = new Map<string, Bucket>();
  const perMs = perMinute / 60_000;
  const refill = (bucket: Bucket, at: number) => {
    bucket.tokens = Math.min(perMinute, bucket.tokens + (at - bucket.updatedAt) * perMs);
    bucket.updatedAt = at;
  };
  return (req, res, next) => {
    if (perMinute === 0) return next();
    const at = now();
    if (buckets.size >= MAX_TRACKED_USERS) {
      for (const [user, bucket] of buckets) {
        refill(bucket, at);
        if (bucket.tokens >= perMinute) buckets.delete(user);
      }
    }
    let bucket = buckets.get(req.userId);
    if (!bucket) buckets.set(req.userId, (bucket = { tokens: perMinute, updatedAt: at }));
    refill(bucket, at);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return next();
    }
    tooManyRequests(res, Math.ceil((1 - bucket.tokens) / perMs / 1000), {
      error: `rate limit: at most ${perMinute} requests per minute per user (RATE_LIMIT_PER_MINUTE)`,
      limit: { name: 'RATE_LIMIT_PER_MINUTE', value: perMinute },
    });
  };
}

/** Runs one task per key at a time, in arrival order. */
function serialisedByKey() {
  const tails = new Map<string, Promise<void>>();
  return async (key: string): Promise<() => void> => {
    const previous = tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => done);
    tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (tails.get(key) === tail) tails.delete(key);
    };
  };
}

/** How a running quota is counted and named. */
interface RunningQuota {
  /** Plural name for the message, e.g. "model runs". */
  what: string;
  variable: string;
  limit: number;
  /** SQL counting the user's RUNNING rows; one parameter, the user id. */
  countSql: string;
}

/** A run takes seconds to minutes: a client told to wait this long finds a slot or asks again. */
const RUNNING_RETRY_AFTER_SECONDS = 30;

function runningQuota(orm: MikroORM, quota: RunningQuota): RequestHandler {
  const takeTurn = serialisedByKey();
  return async (req, res, next) => {
    if (quota.limit === 0) return next();
    const turn = takeTurn(req.userId);
    // Listening before the wait: a client that hangs up while queued still gives its turn back.
    res.once('close', () => void turn.then((release) => release()));
    await turn;
    try {
      const [{ running }] = await orm.em.fork().getConnection().execute<{ running: number }[]>(quota.countSql, [req.userId]);
      if (running < quota.limit) return next();
      tooManyRequests(res, RUNNING_RETRY_AFTER_SECONDS, {
        error: `at most ${quota.limit} ${quota.what} may be running at once per user (${quota.variable}); ${running} are running`,
        limit: { name: quota.variable, value: quota.limit },
      });
    } catch (err) {
      next(err);
    }
  };
}

export const modelRunQuota = (orm: MikroORM, limit: number): RequestHandler =>
  runningQuota(orm, {
    what: 'model runs',
    variable: 'MAX_RUNNING_MODEL_RUNS',
    limit,
    countSql: `select count(*)::int as running
                 from model_runs mr join experiments e on e.id = mr.experiment_id
                where e.user_id = ? and mr.status = 'running'`,
  });

export const tuningRunQuota = (orm: MikroORM, limit: number): RequestHandler =>
  runningQuota(orm, {
    what: 'tuning runs',
    variable: 'MAX_RUNNING_TUNING_RUNS',
    limit,
    countSql: `select count(*)::int as running
                 from tuning_runs tr join model_runs mr on mr.id = tr.model_run_id join experiments e on e.id = mr.experiment_id
                where e.user_id = ? and tr.status = 'running'`,
  });
