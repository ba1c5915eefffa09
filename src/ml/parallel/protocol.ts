/** Messages between EvaluationPool (main thread) and its evaluation threads. */
import type { Params, Task } from '../types';

/** A data set posted once per thread and key; X and y are views on SharedArrayBuffers. */
export interface DatasetMessage {
  type: 'dataset';
  key: string;
  nSamples: number;
  nFeatures: number;
  featureNames: string[];
  task: Task;
  classes?: string[];
  X: Float64Array;
  y: Float64Array;
}

export interface DropMessage {
  type: 'drop';
  key: string;
}

/** One unit of work: fit on the training rows of one fold and score on its test rows. */
export interface TaskMessage {
  type: 'task';
  id: number;
  key: string;
  modelType: string;
  task: Task;
  params: Params;
  cvFolds: number;
  scoring: string;
  seed: number;
  fold: number;
}

export type ToWorker = DatasetMessage | DropMessage | TaskMessage;

export interface TaskError {
  message: string;
  /** The error class name (InvalidInputError, Error, ...). */
  type: string;
  /** InvalidInputError's field (the parameter name), when there is one. */
  field?: string;
}

export interface ResultMessage {
  type: 'result';
  id: number;
  score?: number;
  /** Seconds spent fitting and scoring. */
  seconds: number;
  error?: TaskError;
}

export type FromWorker = ResultMessage;
