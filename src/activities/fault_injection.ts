/**
 * Fault injection for the fault tests (test/faults): makes evaluateCandidates attempts of this
 * worker process fail, without mocking the database or Temporal. Off unless the variables are set:
 *
 * - FAULT_INJECT_EVALUATE_FAILURES=N: N evaluateCandidates attempts throw before evaluating;
 * - FAULT_INJECT_EVALUATE_AFTER=K: ... after the first K attempts ran normally (default 0), so the
 *   fault lands mid-run;
 * - FAULT_INJECT_EVALUATE_NON_RETRYABLE=1: the failures are non-retryable (the run ends FAILED);
 *   otherwise they are ordinary errors, retried with the activity's backoff.
 */
import { ApplicationFailure } from '@temporalio/activity';

interface EvaluatingActivities {
  evaluateCandidates(...args: never[]): Promise<unknown>;
}

export function withFaultInjection<T extends EvaluatingActivities>(activities: T, env: NodeJS.ProcessEnv = process.env): T {
  const failures = Number(env.FAULT_INJECT_EVALUATE_FAILURES || 0);
  if (!(failures > 0)) return activities;
  const after = Number(env.FAULT_INJECT_EVALUATE_AFTER || 0);
  const nonRetryable = env.FAULT_INJECT_EVALUATE_NON_RETRYABLE === '1';
  let attempts = 0;
  const evaluateCandidates = activities.evaluateCandidates.bind(activities) as T['evaluateCandidates'];
  return {
    ...activities,
    evaluateCandidates: (async (...args: Parameters<T['evaluateCandidates']>) => {
      const attempt = ++attempts;
      if (attempt > after && attempt <= after + failures) {
        const message = `injected ${nonRetryable ? 'permanent' : 'transient'} fault: evaluateCandidates attempt ${attempt} of this worker`;
        throw ApplicationFailure.create({ message, type: nonRetryable ? 'InjectedPermanentFault' : 'InjectedTransientFault', nonRetryable });
      }
      return evaluateCandidates(...args);
    }) as T['evaluateCandidates'],
  };
}
