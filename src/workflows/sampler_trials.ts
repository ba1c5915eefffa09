/**
 * A trial as the samplers and pruners see it: its value the mean score, its steps the folds (or a
 * client's reports), maximised (a minimised study's with their sign turned). A STOPPED trial (a
 * parent's, for a warm start) was never fully evaluated: samplers ignore it as FAILED. Pure, so
 * both the activities and a client study's workflow, which samples there, use it.
 */
import type { Trial as SamplerTrial } from '../ml/search/sampler';
import type { TrialResult } from './types';

export function toSamplerTrial(trial: TrialResult, sign = 1): SamplerTrial {
  return {
    number: trial.number,
    params: trial.params,
    value: trial.state === 'COMPLETE' ? sign * trial.mean_score! : null,
    state: trial.state === 'STOPPED' ? 'FAILED' : trial.state,
    intermediateValues: sign === 1 ? trial.scores : trial.scores.map((s) => sign * s),
  };
}
