/**
 * The bayesian sampler as both the suggestCandidates activity and a client study's workflow (which
 * samples there while it can) run it, so the two suggest the same from the same trials. Pure.
 */
import { createSampler } from '../ml/search';
import type { Trial as SamplerTrial } from '../ml/search/sampler';
import type { Params } from '../ml/types';
import type { SuggestInput, TrialResult } from './types';

/**
 * A trial as the samplers and pruners see it: its value the mean score, its steps the folds (or a
 * client's reports), maximised (a minimised study's with their sign turned). A STOPPED trial (a
 * parent's, for a warm start) was never fully evaluated: samplers ignore it as FAILED.
 */
export function toSamplerTrial(trial: TrialResult, sign = 1): SamplerTrial {
  return {
    number: trial.number,
    params: trial.params,
    value: trial.state === 'COMPLETE' ? sign * trial.mean_score! : null,
    state: trial.state === 'STOPPED' ? 'FAILED' : trial.state,
    intermediateValues: sign === 1 ? trial.scores : trial.scores.map((s) => sign * s),
  };
}

/** The run's bayesian sampler (TPE or GP, seeded by the run) on `history`: the request's `count` parameters. */
export function suggestFromHistory(input: Pick<SuggestInput, 'config' | 'pending' | 'count' | 'firstTrialNumber'>, history: SamplerTrial[]): Params[] {
  const { config } = input;
  const sampler = createSampler('bayesian', { seed: config.seed, sampler: config.sampler });
  return sampler.suggest(config.param_distributions!, history, input.pending, input.count, input.firstTrialNumber);
}
