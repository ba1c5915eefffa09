/**
 * Custom search attributes of tuning workflows, so runs can be filtered in the Temporal Web UI,
 * e.g. `TuningMethod = 'bayesian' AND BestScore > 0.95`. Safe to import from workflow code.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const TuningRunId = defineSearchAttributeKey('TuningRunId', SearchAttributeType.KEYWORD);
export const ModelRunId = defineSearchAttributeKey('ModelRunId', SearchAttributeType.KEYWORD);
export const TuningMethod = defineSearchAttributeKey('TuningMethod', SearchAttributeType.KEYWORD);
export const TuningStatus = defineSearchAttributeKey('TuningStatus', SearchAttributeType.KEYWORD);
export const BestScore = defineSearchAttributeKey('BestScore', SearchAttributeType.DOUBLE);
export const UserId = defineSearchAttributeKey('UserId', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [TuningRunId, ModelRunId, TuningMethod, TuningStatus, BestScore, UserId];

/** The `--search-attribute NAME=Type` arguments of `temporal server start-dev`. */
export function devServerSearchAttributeArgs(): string[] {
  const cliType: Record<string, string> = { KEYWORD: 'Keyword', DOUBLE: 'Double', INT: 'Int', TEXT: 'Text' };
  return ALL_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${cliType[key.type]}`]);
}
