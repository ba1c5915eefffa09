import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { FailureResults } from './types';

/** The user-facing message and type of the failure that ended a run, unwrapped from Temporal's envelopes. */
export function describeFailure(err: unknown): FailureResults {
  let cause: unknown = err;
  while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  if (cause instanceof ApplicationFailure) {
    return { error: cause.message, error_type: cause.type ?? 'ApplicationFailure' };
  }
  if (cause instanceof Error) return { error: cause.message, error_type: cause.name };
  return { error: String(cause), error_type: 'Error' };
}
