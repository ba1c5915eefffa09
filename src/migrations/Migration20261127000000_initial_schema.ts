import { Migration } from '@mikro-orm/migrations';

/**
 * Initial schema. `tuning_runs` is exactly the seed contract (shared/seed/tuning_run_model.md):
 * its CREATE TABLE / CREATE INDEX statements, plus the `gen_random_uuid()` default for `id` and
 * the seed's CHECK on `tuning_method`.
 *
 * Statements are plain SQL without `?` (the driver would read it as a binding placeholder).
 */
export class Migration20261127000000_initial_schema extends Migration {
  override up(): void {
    this.addSql(`CREATE TYPE tuningstatus AS ENUM ('running', 'completed', 'failed');`);
    this.addSql(`CREATE TYPE modelrunstatus AS ENUM ('running', 'completed', 'failed');`);

    this.addSql(`
      CREATE TABLE users (
          id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
          email VARCHAR NOT NULL,
          name VARCHAR NOT NULL,
          created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
          CONSTRAINT users_email_key UNIQUE (email)
      );`);

    this.addSql(`
      CREATE TABLE api_tokens (
          id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
          user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
          token_hash TEXT NOT NULL,
          name VARCHAR NOT NULL,
          created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
          last_used_at TIMESTAMP WITH TIME ZONE,
          CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash),
          CONSTRAINT ck_api_tokens_token_hash_sha256 CHECK (token_hash ~ '^[0-9a-f]{64}$')
      );`);
    this.addSql(`CREATE INDEX ix_api_tokens_user_id ON api_tokens(user_id);`);

    this.addSql(`
      CREATE TABLE datasets (
          id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
          user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
          name VARCHAR NOT NULL,
          task_type VARCHAR NOT NULL,
          target_column VARCHAR NOT NULL,
          n_samples INTEGER NOT NULL,
          n_features INTEGER NOT NULL,
          feature_names JSONB NOT NULL,
          classes JSONB,
          sample_name VARCHAR,
          content TEXT,
          created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
          CONSTRAINT ck_datasets_task_type CHECK (task_type IN ('classification', 'regression')),
          CONSTRAINT ck_datasets_source CHECK ((sample_name IS NULL) <> (content IS NULL)),
          CONSTRAINT ck_datasets_shape CHECK (n_samples >= 0 AND n_features >= 0)
      );`);
    this.addSql(`CREATE INDEX ix_datasets_user_id ON datasets(user_id);`);

    this.addSql(`
      CREATE TABLE experiments (
          id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
          user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
          dataset_id UUID NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
          name VARCHAR NOT NULL,
          description TEXT,
          created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
      );`);
    this.addSql(`CREATE INDEX ix_experiments_user_id ON experiments(user_id);`);
    this.addSql(`CREATE INDEX ix_experiments_dataset_id ON experiments(dataset_id);`);

    this.addSql(`
      CREATE TABLE model_runs (
          id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
          experiment_id UUID NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
          model_type VARCHAR NOT NULL,
          hyperparameters JSONB NOT NULL,
          cv_folds INTEGER NOT NULL,
          scoring VARCHAR NOT NULL,
          status modelrunstatus NOT NULL DEFAULT 'running',
          metrics JSONB,
          error JSONB,
          model_artifact_path VARCHAR,
          task_id VARCHAR,
          created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
          completed_at TIMESTAMP WITH TIME ZONE
      );`);
    this.addSql(`CREATE INDEX ix_model_runs_experiment_id ON model_runs(experiment_id);`);
    this.addSql(`CREATE INDEX ix_model_runs_status ON model_runs(status);`);

    // The seed's DDL, verbatim apart from the id default and the named CHECK on tuning_method.
    this.addSql(`
      CREATE TABLE tuning_runs (
          id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
          model_run_id UUID NOT NULL REFERENCES model_runs(id) ON DELETE CASCADE,
          tuning_method VARCHAR NOT NULL,
          best_params JSONB,
          results JSONB,
          status tuningstatus NOT NULL DEFAULT 'running',
          created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
          CONSTRAINT ck_tuning_runs_tuning_method CHECK (tuning_method IN ('grid_search', 'random_search', 'bayesian'))
      );`);
    this.addSql(`CREATE INDEX ix_tuning_runs_id ON tuning_runs(id);`);
    this.addSql(`CREATE INDEX ix_tuning_runs_model_run_id ON tuning_runs(model_run_id);`);
    this.addSql(`CREATE INDEX ix_tuning_runs_status ON tuning_runs(status);`);
  }

  override down(): void {
    this.addSql(`DROP TABLE IF EXISTS tuning_runs;`);
    this.addSql(`DROP TABLE IF EXISTS model_runs;`);
    this.addSql(`DROP TABLE IF EXISTS experiments;`);
    this.addSql(`DROP TABLE IF EXISTS datasets;`);
    this.addSql(`DROP TABLE IF EXISTS api_tokens;`);
    this.addSql(`DROP TABLE IF EXISTS users;`);
    this.addSql(`DROP TYPE IF EXISTS modelrunstatus;`);
    this.addSql(`DROP TYPE IF EXISTS tuningstatus;`);
  }
}
