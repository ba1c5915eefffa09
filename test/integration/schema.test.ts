/**
 * Proves the schema against the seed contract (shared/seed/tuning_run_model.md) by reading the
 * PostgreSQL catalog, and the lifecycle guarantees of src/db/tuning_runs.ts and the guards.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { ApiToken, Dataset, Experiment, ModelRun, ModelRunStatus, TuningRun, TuningStatus, User } from '../../src/entities';
import { appliedMigrations, databaseUrlFor, dropDatabase, ensureDatabase, initOrm, migrate } from '../../src/db/orm';
import {
  completeTuningRun,
  createTuningRun,
  failTuningRun,
  getTuningRunStatus,
  listTrials,
  markStarted,
  recordTrials,
  type TrialRecord,
} from '../../src/db/tuning_runs';
import { completeModelRun, failModelRun, getModelRunStatus } from '../../src/db/model_runs';
import { InvalidStateError, RecordNotFoundError } from '../../src/db/errors';
import { MIGRATIONS } from '../../src/migrations';
import { createTestDatabase, TEST_DATABASE_ADMIN_URL, type TestDatabase } from './db_helpers';

let db: TestDatabase;
let orm: MikroORM;

/** Raw SQL through the MikroORM pg driver returns timestamptz as text. */
const isTimestamp = (v: unknown): boolean => typeof v === 'string' && !Number.isNaN(new Date(v).getTime());

const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
  orm.em.fork().getConnection().execute<T[]>(sql, params);

beforeAll(async () => {
  db = await createTestDatabase('schema_test');
  orm = db.orm;
});

afterAll(async () => {
  await db?.drop();
});

/** user → dataset → experiment → model run, through the entities. */
async function seedModelRun(status: ModelRunStatus = ModelRunStatus.COMPLETED): Promise<ModelRun> {
  const em = orm.em.fork();
  const user = em.create(User, { email: `u${Math.random()}@example.com`, name: 'U' });
  const dataset = em.create(Dataset, {
    user,
    name: 'iris',
    taskType: 'classification',
    targetColumn: 'species',
    nSamples: 150,
    nFeatures: 4,
    featureNames: ['a', 'b', 'c', 'd'],
    classes: ['x', 'y', 'z'],
    sampleName: 'iris',
  });
  const experiment = em.create(Experiment, { user, dataset, name: 'e' });
  const modelRun = em.create(ModelRun, {
    experiment,
    modelType: 'random_forest',
    hyperparameters: { n_estimators: 10 },
    cvFolds: 5,
    scoring: 'accuracy',
    status,
  });
  await em.flush();
  return modelRun;
}

async function newRun(): Promise<TuningRun> {
  const mr = await seedModelRun();
  return createTuningRun(orm.em, { modelRunId: mr.id, tuningMethod: 'grid_search', config: { cv_folds: 5 } });
}

const trial = (number: number, mean: number | null = 0.9): TrialRecord => ({
  number,
  params: { max_depth: number },
  state: mean === null ? 'FAILED' : 'COMPLETE',
  scores: mean === null ? [] : [mean, mean],
  mean_score: mean,
  std_score: mean === null ? null : 0,
  duration_seconds: 0.5,
  ...(mean === null ? { error: 'boom' } : {}),
});

describe('seed contract: tuning_runs table', () => {
  it('has the seed columns with their types, nullability and defaults', async () => {
    const cols = await q<{ column_name: string; data_type: string; udt_name: string; is_nullable: string; column_default: string | null }>(
      `select column_name, data_type, udt_name, is_nullable, column_default
         from information_schema.columns where table_schema = 'public' and table_name = 'tuning_runs'`,
    );
    const byName = Object.fromEntries(cols.map((c) => [c.column_name, c]));
    const expectCol = (name: string, udt: string, nullable: boolean, defaultMatch?: RegExp | null) => {
      const c = byName[name];
      expect(c).toBeDefined();
      expect(c.udt_name).toBe(udt);
      expect(c.is_nullable).toBe(nullable ? 'YES' : 'NO');
      if (defaultMatch === null) expect(c.column_default).toBeNull();
      else if (defaultMatch) expect(c.column_default).toMatch(defaultMatch);
    };
    // The seed's seven columns.
    expectCol('id', 'uuid', false, /^gen_random_uuid\(\)$/);
    expectCol('model_run_id', 'uuid', false, null);
    expectCol('tuning_method', 'varchar', false, null);
    expect(byName.tuning_method.data_type).toBe('character varying');
    expectCol('best_params', 'jsonb', true, null);
    expectCol('results', 'jsonb', true, null);
    expectCol('status', 'tuningstatus', false, /^'running'::tuningstatus$/);
    expect(byName.status.data_type).toBe('USER-DEFINED');
    expectCol('created_at', 'timestamptz', false, /^now\(\)$/);
    // Migration 2: the seed's Future Enhancements.
    expectCol('started_at', 'timestamptz', true, null);
    expectCol('completed_at', 'timestamptz', true, null);
    expectCol('n_iterations', 'int4', false, /^0$/);
    expectCol('config', 'jsonb', true, null);
    expectCol('task_id', 'varchar', true, null);
    expectCol('user_notes', 'text', true, null);
    expectCol('tags', '_text', false, /^'\{\}'::text\[\]$/);
    expectCol('parent_tuning_run_id', 'uuid', true, null);
    // Migration 3: why the search stopped.
    expectCol('stop_reason', 'varchar', true, null);
    expect(Object.keys(byName).sort()).toEqual(
      [
        'id', 'model_run_id', 'tuning_method', 'best_params', 'results', 'status', 'created_at',
        'started_at', 'completed_at', 'n_iterations', 'config', 'task_id', 'user_notes', 'tags', 'parent_tuning_run_id',
        'stop_reason',
      ].sort(),
    );
  });

  it('has the enum type tuningstatus with the lowercase values in order', async () => {
    const rows = await q<{ enumlabel: string }>(
      `select e.enumlabel from pg_type t join pg_enum e on e.enumtypid = t.oid
        where t.typname = 'tuningstatus' order by e.enumsortorder`,
    );
    expect(rows.map((r) => r.enumlabel)).toEqual(['running', 'completed', 'failed']);
    expect(Object.values(TuningStatus)).toEqual(['running', 'completed', 'failed']);
    const mr = await q<{ enumlabel: string }>(
      `select e.enumlabel from pg_type t join pg_enum e on e.enumtypid = t.oid
        where t.typname = 'modelrunstatus' order by e.enumsortorder`,
    );
    expect(mr.map((r) => r.enumlabel)).toEqual(['running', 'completed', 'failed']);
  });

  it('has the primary key on id and the three seed indexes', async () => {
    const idx = await q<{ indexname: string; indexdef: string }>(
      `select indexname, indexdef from pg_indexes where schemaname = 'public' and tablename = 'tuning_runs'`,
    );
    const defs = Object.fromEntries(idx.map((i) => [i.indexname, i.indexdef]));
    expect(defs.ix_tuning_runs_id).toBe('CREATE INDEX ix_tuning_runs_id ON public.tuning_runs USING btree (id)');
    expect(defs.ix_tuning_runs_model_run_id).toBe(
      'CREATE INDEX ix_tuning_runs_model_run_id ON public.tuning_runs USING btree (model_run_id)',
    );
    expect(defs.ix_tuning_runs_status).toBe('CREATE INDEX ix_tuning_runs_status ON public.tuning_runs USING btree (status)');
    const [pk] = await q<{ def: string }>(
      `select pg_get_constraintdef(oid) as def from pg_constraint
        where conrelid = 'tuning_runs'::regclass and contype = 'p'`,
    );
    expect(pk.def).toBe('PRIMARY KEY (id)');
  });

  it('references model_runs(id) ON DELETE CASCADE, and its parent ON DELETE SET NULL', async () => {
    const fks = await q<{ conname: string; confrelid: string; confdeltype: string; def: string }>(
      `select conname, confrelid::regclass::text as confrelid, confdeltype, pg_get_constraintdef(oid) as def
         from pg_constraint where conrelid = 'tuning_runs'::regclass and contype = 'f' order by conname`,
    );
    const modelRunFk = fks.find((f) => f.def.startsWith('FOREIGN KEY (model_run_id)'));
    expect(modelRunFk).toMatchObject({
      confrelid: 'model_runs',
      confdeltype: 'c',
      def: 'FOREIGN KEY (model_run_id) REFERENCES model_runs(id) ON DELETE CASCADE',
    });
    const parentFk = fks.find((f) => f.def.startsWith('FOREIGN KEY (parent_tuning_run_id)'));
    expect(parentFk).toMatchObject({ confrelid: 'tuning_runs', confdeltype: 'n' });
    expect(fks).toHaveLength(2);
  });

  it('checks tuning_method against grid_search, random_search, bayesian', async () => {
    const [ck] = await q<{ def: string }>(
      `select pg_get_constraintdef(oid) as def from pg_constraint
        where conrelid = 'tuning_runs'::regclass and contype = 'c' and conname = 'ck_tuning_runs_tuning_method'`,
    );
    expect(ck.def).toMatch(/tuning_method/);
    for (const method of ['grid_search', 'random_search', 'bayesian']) expect(ck.def).toContain(`'${method}'`);
    const mr = await seedModelRun();
    for (const method of ['grid_search', 'random_search', 'bayesian']) {
      await q(`insert into tuning_runs (model_run_id, tuning_method) values (?, ?)`, [mr.id, method]);
    }
    await expect(q(`insert into tuning_runs (model_run_id, tuning_method) values (?, 'hyperband')`, [mr.id])).rejects.toThrow(
      /ck_tuning_runs_tuning_method/,
    );
    await expect(q(`insert into tuning_runs (model_run_id, tuning_method, status) values (?, 'bayesian', 'RUNNING')`, [mr.id])).rejects.toThrow(
      /invalid input value for enum tuningstatus/,
    );
    const rows = await q<{ status: string; id: string; created_at: string }>(
      `select status, id, created_at from tuning_runs where model_run_id = ?`,
      [mr.id],
    );
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(r.status).toBe('running');
      expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(isTimestamp(r.created_at)).toBe(true);
    }
  });

  it('deleting a model run deletes its tuning runs and their trials (cascade)', async () => {
    const run = await newRun();
    await recordTrials(orm, run.id, [trial(0), trial(1)]);
    const [{ model_run_id }] = await q<{ model_run_id: string }>('select model_run_id from tuning_runs where id = ?', [run.id]);
    await q('delete from model_runs where id = ?', [model_run_id]);
    expect(await q('select 1 from tuning_runs where id = ?', [run.id])).toHaveLength(0);
    expect(await q('select 1 from tuning_trials where tuning_run_id = ?', [run.id])).toHaveLength(0);
  });

  it('deleting a user cascades down to tuning runs', async () => {
    const run = await newRun();
    await q(
      `delete from users where id = (select e.user_id from tuning_runs t join model_runs m on m.id = t.model_run_id
                                        join experiments e on e.id = m.experiment_id where t.id = ?)`,
      [run.id],
    );
    expect(await q('select 1 from tuning_runs where id = ?', [run.id])).toHaveLength(0);
  });
});

describe('tuning run lifecycle', () => {
  it('creates a running run through the entities and reads it back', async () => {
    const mr = await seedModelRun();
    const parent = await createTuningRun(orm.em, { modelRunId: mr.id, tuningMethod: 'random_search' });
    const run = await createTuningRun(orm.em, {
      modelRunId: mr.id,
      tuningMethod: 'bayesian',
      config: { n_iter: 10 },
      parentTuningRunId: parent.id,
      tags: ['a', 'b,c'],
      userNotes: 'hi',
    });
    const em = orm.em.fork();
    const loaded = await em.findOneOrFail(TuningRun, run.id, { populate: ['modelRun', 'parentTuningRun'] });
    expect(loaded.status).toBe(TuningStatus.RUNNING);
    expect(loaded.tags).toEqual(['a', 'b,c']);
    expect(loaded.config).toEqual({ n_iter: 10 });
    expect(loaded.nIterations).toBe(0);
    expect(loaded.bestParams).toBeNull();
    expect(loaded.parentTuningRun?.id).toBe(parent.id);
    expect(loaded.modelRun.id).toBe(mr.id);
    const byModel = await em.find(TuningRun, { modelRun: mr.id }, { orderBy: { createdAt: 'asc' } });
    expect(byModel.map((r) => r.id).sort()).toEqual([parent.id, run.id].sort());
    // Deleting the parent keeps the child (SET NULL).
    await q('delete from tuning_runs where id = ?', [parent.id]);
    const [child] = await q<{ parent_tuning_run_id: string | null }>('select parent_tuning_run_id from tuning_runs where id = ?', [run.id]);
    expect(child.parent_tuning_run_id).toBeNull();
  });

  it('refuses to tune a model run that is missing or not completed', async () => {
    const running = await seedModelRun(ModelRunStatus.RUNNING);
    await expect(createTuningRun(orm.em, { modelRunId: running.id, tuningMethod: 'grid_search' })).rejects.toBeInstanceOf(InvalidStateError);
    await expect(
      createTuningRun(orm.em, { modelRunId: '00000000-0000-4000-8000-000000000000', tuningMethod: 'grid_search' }),
    ).rejects.toBeInstanceOf(RecordNotFoundError);
  });

  it('completes once: a replayed completion or a later failure changes nothing', async () => {
    const run = await newRun();
    expect(await markStarted(orm, run.id, 'wf-1')).toBe(true);
    const results = { best_score: 0.95, total_combinations: 2, all_results: [], error: null };
    expect(await completeTuningRun(orm, run.id, { max_depth: 3 }, results, { trials: [trial(0), trial(1, 0.95)] })).toBe(true);
    const [after] = await q<Record<string, unknown>>('select * from tuning_runs where id = ?', [run.id]);
    expect(after).toMatchObject({ status: 'completed', best_params: { max_depth: 3 }, results, task_id: 'wf-1', n_iterations: 2 });
    expect(isTimestamp(after.completed_at)).toBe(true);
    expect(isTimestamp(after.started_at)).toBe(true);

    expect(await completeTuningRun(orm, run.id, { max_depth: 99 }, { best_score: 0 })).toBe(false);
    expect(await failTuningRun(orm, run.id, { error: 'late', error_type: 'X' })).toBe(false);
    expect(await markStarted(orm, run.id, 'wf-2')).toBe(false);
    const [still] = await q<Record<string, unknown>>('select * from tuning_runs where id = ?', [run.id]);
    expect(still).toEqual(after);
    expect(await getTuningRunStatus(orm, run.id)).toBe(TuningStatus.COMPLETED);
    expect(await completeTuningRun(orm, '00000000-0000-4000-8000-000000000000', {}, {})).toBe(false);
  });

  it('fails once with results.error and NULL best_params', async () => {
    const run = await newRun();
    expect(await failTuningRun(orm, run.id, { error: 'boom', error_type: 'ValueError' })).toBe(true);
    const [row] = await q<Record<string, unknown>>('select status, best_params, results from tuning_runs where id = ?', [run.id]);
    expect(row).toEqual({ status: 'failed', best_params: null, results: { error: 'boom', error_type: 'ValueError' } });
    expect(await completeTuningRun(orm, run.id, { a: 1 }, { best_score: 1 })).toBe(false);
    expect(await getTuningRunStatus(orm, run.id)).toBe(TuningStatus.FAILED);
  });

  it('the trigger rejects leaving a final status or rewriting its outcome; other columns stay editable', async () => {
    const run = await newRun();
    await completeTuningRun(orm, run.id, { a: 1 }, { best_score: 1 });
    await expect(q(`update tuning_runs set status = 'running', best_params = null, results = null where id = ?`, [run.id])).rejects.toThrow(
      /already completed/,
    );
    await expect(q(`update tuning_runs set status = 'failed' where id = ?`, [run.id])).rejects.toThrow(/already completed/);
    await expect(q(`update tuning_runs set best_params = '{"a": 2}' where id = ?`, [run.id])).rejects.toThrow(/already completed/);
    await expect(q(`update tuning_runs set results = null where id = ?`, [run.id])).rejects.toThrow(/already completed/);
    // The error carries the check_violation SQLSTATE.
    await expect(q(`update tuning_runs set status = 'running' where id = ?`, [run.id])).rejects.toMatchObject({ code: '23514' });
    // Notes and tags are not part of the outcome.
    await q(`update tuning_runs set user_notes = 'good', tags = '{x}' where id = ?`, [run.id]);
    const [row] = await q<Record<string, unknown>>('select status, user_notes, tags from tuning_runs where id = ?', [run.id]);
    expect(row).toEqual({ status: 'completed', user_notes: 'good', tags: ['x'] });

    const failed = await newRun();
    await failTuningRun(orm, failed.id, { error: 'e', error_type: 'E' });
    await expect(q(`update tuning_runs set status = 'completed' where id = ?`, [failed.id])).rejects.toThrow(/already failed/);
  });

  it('keeps best_params and results NULL while running (CHECK)', async () => {
    const run = await newRun();
    await expect(q(`update tuning_runs set best_params = '{}' where id = ?`, [run.id])).rejects.toThrow(/ck_tuning_runs_running_outcome_null/);
    await expect(q(`update tuning_runs set results = '{}' where id = ?`, [run.id])).rejects.toThrow(/ck_tuning_runs_running_outcome_null/);
  });

  it('records trials idempotently and counts them in n_iterations', async () => {
    const run = await newRun();
    expect(await recordTrials(orm, run.id, [trial(0), trial(1, null)])).toEqual({ inserted: 2, nIterations: 2 });
    // A replayed batch plus a new trial: only the new one is inserted.
    expect(await recordTrials(orm, run.id, [trial(0, 0.1), trial(1), trial(2, 0.8)])).toEqual({ inserted: 1, nIterations: 3 });
    // Concurrent batches are all counted.
    await Promise.all([0, 1, 2, 3].map((b) => recordTrials(orm, run.id, [10, 11, 12].map((n) => trial(b * 10 + n, 0.5)))));
    const trials = await listTrials(orm, run.id);
    expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42]);
    const [{ n_iterations }] = await q<{ n_iterations: number }>('select n_iterations from tuning_runs where id = ?', [run.id]);
    expect(n_iterations).toBe(15);
    expect(trials[0]).toMatchObject({ number: 0, params: { max_depth: 0 }, state: 'COMPLETE', scores: [0.9, 0.9], mean_score: 0.9, std_score: 0, duration_seconds: 0.5 });
    expect(trials[0]).not.toHaveProperty('error');
    expect(trials[0].created_at).toBeInstanceOf(Date);
    expect(Number.isNaN(trials[0].created_at.getTime())).toBe(false);
    expect(trials[1]).toMatchObject({ state: 'FAILED', mean_score: null, std_score: null, error: 'boom' });
    await expect(recordTrials(orm, '00000000-0000-4000-8000-000000000000', [trial(0)])).rejects.toBeInstanceOf(RecordNotFoundError);
    await expect(q(`insert into tuning_trials (tuning_run_id, number, params, state, duration_seconds) values (?, 99, '{}', 'DONE', 1)`, [run.id])).rejects.toThrow(
      /ck_tuning_trials_state/,
    );
  });

  it('tuning_trials has the composite primary key and cascades from tuning_runs', async () => {
    const [pk] = await q<{ def: string }>(
      `select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'tuning_trials'::regclass and contype = 'p'`,
    );
    expect(pk.def).toBe('PRIMARY KEY (tuning_run_id, number)');
    const [fk] = await q<{ confdeltype: string; def: string }>(
      `select confdeltype, pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'tuning_trials'::regclass and contype = 'f'`,
    );
    expect(fk).toEqual({ confdeltype: 'c', def: 'FOREIGN KEY (tuning_run_id) REFERENCES tuning_runs(id) ON DELETE CASCADE' });
  });
});

describe('model runs and other tables', () => {
  it('completes / fails a model run conditionally', async () => {
    const a = await seedModelRun(ModelRunStatus.RUNNING);
    const metrics = { mean_score: 0.9, std_score: 0.01, scores: [0.9], scoring: 'accuracy', training_time: 1 };
    expect(await completeModelRun(orm, a.id, metrics, { modelArtifactPath: '/m/a.json' })).toBe(true);
    expect(await completeModelRun(orm, a.id, { ...metrics, mean_score: 0 })).toBe(false);
    expect(await failModelRun(orm, a.id, { error: 'x', error_type: 'Y' })).toBe(false);
    const loaded = await orm.em.fork().findOneOrFail(ModelRun, a.id);
    expect(loaded).toMatchObject({ status: ModelRunStatus.COMPLETED, metrics, error: null, modelArtifactPath: '/m/a.json' });
    expect(loaded.completedAt).toBeInstanceOf(Date);

    const b = await seedModelRun(ModelRunStatus.RUNNING);
    expect(await failModelRun(orm, b.id, { error: 'x', error_type: 'Y' })).toBe(true);
    expect(await getModelRunStatus(orm, b.id)).toBe(ModelRunStatus.FAILED);
  });

  it('datasets hold exactly one of sample_name / content, and a valid task_type', async () => {
    const mr = await seedModelRun();
    const [{ user_id }] = await q<{ user_id: string }>('select user_id from experiments where id = (select experiment_id from model_runs where id = ?)', [mr.id]);
    const insert = (sample: string | null, content: string | null, task = 'regression') =>
      q(
        `insert into datasets (user_id, name, task_type, target_column, n_samples, n_features, feature_names, sample_name, content)
         values (?, 'd', ?, 'y', 1, 1, '["x"]', ?, ?)`,
        [user_id, task, sample, content],
      );
    await insert(null, 'x,y\n1,2\n');
    await expect(insert(null, null)).rejects.toThrow(/ck_datasets_source/);
    await expect(insert('iris', 'x,y\n')).rejects.toThrow(/ck_datasets_source/);
    await expect(insert('iris', null, 'clustering')).rejects.toThrow(/ck_datasets_task_type/);
  });

  it('api tokens store a unique sha256 hex hash and cascade with their user', async () => {
    const em = orm.em.fork();
    const user = em.create(User, { email: `t${Math.random()}@example.com`, name: 'T' });
    em.create(ApiToken, { user, tokenHash: 'a'.repeat(64), name: 'cli' });
    await em.flush();
    await expect(q(`insert into api_tokens (user_id, token_hash, name) values (?, ?, 'x')`, [user.id, 'a'.repeat(64)])).rejects.toThrow(
      /api_tokens_token_hash_key/,
    );
    await expect(q(`insert into api_tokens (user_id, token_hash, name) values (?, 'not-a-hash', 'x')`, [user.id])).rejects.toThrow(
      /ck_api_tokens_token_hash_sha256/,
    );
    await q('delete from users where id = ?', [user.id]);
    expect(await q('select 1 from api_tokens where user_id = ?', [user.id])).toHaveLength(0);
  });
});

describe('migrations', () => {
  it('are recorded and idempotent', async () => {
    expect(await appliedMigrations(orm)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await migrate(orm)).toEqual([]);
    expect(await migrate(orm)).toEqual([]);
    expect(await appliedMigrations(orm)).toEqual(MIGRATIONS.map((m) => m.name));
  });

  it('two processes migrating a fresh database at once both succeed; down() reverts everything', async () => {
    const name = `schema_race_${Date.now().toString(36)}_${process.pid}`;
    await ensureDatabase(TEST_DATABASE_ADMIN_URL, name);
    expect(await ensureDatabase(TEST_DATABASE_ADMIN_URL, name)).toBe(false);
    const url = databaseUrlFor(TEST_DATABASE_ADMIN_URL, name);
    const [a, b] = await Promise.all([initOrm(url), initOrm(url)]);
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      // Exactly one of them applied the migrations.
      expect([...ra, ...rb]).toEqual(MIGRATIONS.map((m) => m.name));
      expect(await appliedMigrations(a)).toEqual(MIGRATIONS.map((m) => m.name));

      await a.migrator.down({ to: 0 });
      const left = await a.em.getConnection().execute<{ n: string }[]>(
        `select count(*) as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind = 'r' and c.relname <> 'mikro_orm_migrations'`,
      );
      expect(Number(left[0].n)).toBe(0);
      const types = await a.em.getConnection().execute(`select 1 from pg_type where typname in ('tuningstatus', 'modelrunstatus')`);
      expect(types).toHaveLength(0);
      expect(await migrate(a)).toEqual(MIGRATIONS.map((m) => m.name));
    } finally {
      await Promise.all([a.close(true), b.close(true)]);
      await dropDatabase(TEST_DATABASE_ADMIN_URL, name);
    }
  });
});
