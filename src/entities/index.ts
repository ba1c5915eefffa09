export * from './enums';
export { User, UserSchema } from './User';
export { ApiToken, ApiTokenSchema } from './ApiToken';
export { Dataset, DatasetSchema } from './Dataset';
export { Experiment, ExperimentSchema } from './Experiment';
export { ModelRun, ModelRunSchema, type ModelRunMetrics, type ModelRunError } from './ModelRun';
export { TuningRun, TuningRunSchema } from './TuningRun';
export { TuningTrial, TuningTrialSchema } from './TuningTrial';
export { TuningRunImportance, TuningRunImportanceSchema } from './TuningRunImportance';
export { TuningSchedule, TuningScheduleSchema, type TuningScheduleSpec } from './TuningSchedule';

import { UserSchema } from './User';
import { ApiTokenSchema } from './ApiToken';
import { DatasetSchema } from './Dataset';
import { ExperimentSchema } from './Experiment';
import { ModelRunSchema } from './ModelRun';
import { TuningRunSchema } from './TuningRun';
import { TuningTrialSchema } from './TuningTrial';
import { TuningRunImportanceSchema } from './TuningRunImportance';
import { TuningScheduleSchema } from './TuningSchedule';

/** Every entity schema, for the ORM configuration. */
export const ENTITIES = [
  UserSchema,
  ApiTokenSchema,
  DatasetSchema,
  ExperimentSchema,
  ModelRunSchema,
  TuningRunSchema,
  TuningTrialSchema,
  TuningRunImportanceSchema,
  TuningScheduleSchema,
];
