/**
 * Promises about workflows and rows, through the real PostgreSQL, Temporal dev server and HTTP API:
 * the reconciler starts or settles RUNNING model runs (as it does tuning runs); every path that
 * starts a TuningWorkflow passes TUNING_HISTORY_EVENT_LIMIT; DELETE /model-runs/{id} closes the
 * model run's workflows before deleting its rows, or answers 503 and deletes nothing.
 */
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { createApp } from '../../src/api/app';
import { createTuningRun } from '../../src/db/tuning_runs';
import { Experiment, ModelRun, type TuningMethodValue } from '../../src/entities';
import { reconcileModelRuns, reconcileTuningRuns } from '../../src/reconciler';
import { trainingWorkflowId, tuningWorkflowId } from '../../src/temporal/ids';
import { startTrainingWorkflow } from '../../src/temporal/start';
import type { TuningWorkflowInput } from '../../src/workflows/types';
import { call, closedWorkflow, completedModelRun, startHarness, waitFor, type Harness } from './harness';

/** Not the default (10,000), so a start that forgets it shows. */
const HISTORY_EVENT_LIMIT = 4321;

let h: Harness;
let modelRunId: string;
let experimentId: string;

beforeAll(async () => {
  h = await startHarness({ historyEventLimit: HISTORY_EVENT_LIMIT });
  ({ modelRunId, experimentId } = await completedModelRun(h, { sample: 'iris', modelType: 'decision_tree', hyperparameters: {} }));
}, 300_000);

afterAll(async () => {
  await h?.close();
});

const reconcile = (pass: typeof reconcileModelRuns, graceSeconds = 0) =>
  pass({ orm: h.db.orm, client: h.env.client, config: h.config, graceSeconds });

/** A RUNNING model run as the API records it, its workflow not started (the API died, or the start failed). */
async function recordModelRun(): Promise<string> {
  const em = h.db.orm.em.fork();
  const row = em.create(ModelRun, {
    experiment: em.getReference(Experiment, experimentId),
    modelType: 'decision_tree',
    hyperparameters: {},
    cvFolds: 3,
    scoring: 'accuracy',
  });
  await em.flush();
  return row.id;
}

/** Starts the model run's training workflow on a task queue no worker polls: it stays RUNNING and answers nothing. */
const startUnpolledTraining = (id: string) =>
  startTrainingWorkflow(h.env.client, { taskQueue: `no-worker-${randomUUID()}` }, id, { modelType: 'decision_tree', datasetName: 'iris', cvFolds: 3, scoring: 'accuracy' });

const modelRun = (id: string) => call(h, 'GET', `/model-runs/${id}`, { token: h.token });
const tuningStatus = (id: string) => call(h, 'GET', `/tuning/tune/${id}/status`, { token: h.token });
const finished = (id: string) => waitFor(() => tuningStatus(id), (r) => r.body.status !== 'running', 180_000);

/** The input a workflow was started with (its first run's WorkflowExecutionStarted event). */
async function startInput(workflowId: string): Promise<TuningWorkflowInput> {
  const history = await h.env.client.workflow.getHandle(workflowId).fetchHistory();
  const payload = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
  return defaultPayloadConverter.fromPayload<TuningWorkflowInput>(payload);
}

const GRID = { tuning_method: 'grid_search', param_grid: { max_depth: [2, 3] }, cv_folds: 3 };

describe('the reconciler and model runs', () => {
  test('a RUNNING model run whose workflow was never started is started (after the grace period) and completes', async () => {
    const id = await recordModelRun();
    // Within the grace period: the API may be starting it right now.
    expect(await reconcile(reconcileModelRuns, 3600)).toEqual({ started: [], failed: [], errors: [] });
    expect(await reconcile(reconcileModelRuns)).toEqual({ started: [id], failed: [], errors: [] });
    const done = await waitFor(() => modelRun(id), (r) => r.body.status !== 'running');
    expect(done.body).toMatchObject({ status: 'completed', workflow_id: trainingWorkflowId(id), error: null });
    expect(done.body.metrics).toEqual(expect.any(Object));
    expect((await closedWorkflow(h, trainingWorkflowId(id))).status.name).toBe('COMPLETED');
    expect(await reconcile(reconcileModelRuns)).toEqual({ started: [], failed: [], errors: [] });
  }, 180_000);

  test('a RUNNING model run whose workflow closed without an outcome is settled FAILED (WorkflowClosed); a live one is left alone', async () => {
    const terminated = await recordModelRun();
    await startUnpolledTraining(terminated);
    await h.env.client.workflow.getHandle(trainingWorkflowId(terminated)).terminate('killed by an operator');
    const live = await recordModelRun();
    await startUnpolledTraining(live);

    expect(await reconcile(reconcileModelRuns)).toEqual({ started: [], failed: [terminated], errors: [] });
    const settled = (await modelRun(terminated)).body;
    expect(settled).toMatchObject({ status: 'failed', error: { error_type: 'WorkflowClosed' } });
    expect(settled.error.error).toMatch(`workflow ${trainingWorkflowId(terminated)} closed with status TERMINATED`);
    expect((await modelRun(live)).body.status).toBe('running');
    await h.env.client.workflow.getHandle(trainingWorkflowId(live)).terminate('test over');
    expect(await reconcile(reconcileModelRuns)).toEqual({ started: [], failed: [live], errors: [] });
  });
});

test('the API and the reconciler both start TuningWorkflow with the configured TUNING_HISTORY_EVENT_LIMIT', async () => {
  const started = await call(h, 'POST', '/tuning/tune', { token: h.token, body: { model_run_id: modelRunId, ...GRID } });
  expect(started.status).toBe(202);
  const fromApi = started.body.tuning_run_id;
  expect((await startInput(tuningWorkflowId(fromApi))).historyEventLimit).toBe(HISTORY_EVENT_LIMIT);
  expect((await finished(fromApi)).body.status).toBe('completed');

  // The same request recorded but never started, as when the API dies in between.
  const [{ config }] = await h.db.orm.em.fork().execute(`select config from tuning_runs where id = ?`, [fromApi]);
  const recorded = randomUUID();
  await createTuningRun(h.db.orm.em, { id: recorded, modelRunId, tuningMethod: config.tuning_method as TuningMethodValue, config, taskId: tuningWorkflowId(recorded) });
  expect(await reconcile(reconcileTuningRuns)).toEqual({ started: [recorded], failed: [], errors: [] });
  expect(await startInput(tuningWorkflowId(recorded))).toMatchObject({ tuningRunId: recorded, historyEventLimit: HISTORY_EVENT_LIMIT });
  expect((await finished(recorded)).body.status).toBe('completed');
}, 300_000);

describe('DELETE /model-runs/{id}', () => {
  const tuningRows = async (id: string) =>
    (await h.db.orm.em.fork().execute(`select count(*)::int as n from tuning_runs where model_run_id = ?`, [id]))[0].n;

  test('cancels the running tuning run and waits for its workflow to close before deleting the rows', async () => {
    const { modelRunId: doomed } = await completedModelRun(h, { sample: 'iris', modelType: 'decision_tree', hyperparameters: {} });
    const heavy = {
      model_run_id: doomed,
      tuning_method: 'random_search',
      param_distributions: { max_depth: { type: 'int', low: 3, high: 30 }, min_samples_leaf: { type: 'int', low: 1, high: 3 } },
      n_iter: 400,
      cv_folds: 10,
      batch_size: 2,
      parallelism: 1,
    };
    const started = await call(h, 'POST', '/tuning/tune', { token: h.token, body: heavy });
    expect(started.status).toBe(202);
    const id = started.body.tuning_run_id;
    await waitFor(() => tuningStatus(id), (r) => r.body.progress?.evaluated >= 2);

    const deleted = await call(h, 'DELETE', `/model-runs/${doomed}`, { token: h.token });
    expect(deleted.status).toBe(204);
    // Closed by the time DELETE answered; CANCELLED (not TERMINATED): the workflow answered the cancellation.
    const description = await h.env.client.workflow.getHandle(tuningWorkflowId(id)).describe();
    expect(description.status.name).toBe('CANCELLED');
    expect((await modelRun(doomed)).status).toBe(404);
    expect(await tuningRows(doomed)).toBe(0);
  }, 300_000);

  test('terminates a training workflow that does not answer the cancellation, then deletes', async () => {
    const id = await recordModelRun();
    await startUnpolledTraining(id);
    const deleted = await call(h, 'DELETE', `/model-runs/${id}`, { token: h.token });
    expect(deleted.status).toBe(204);
    const description = await h.env.client.workflow.getHandle(trainingWorkflowId(id)).describe();
    expect(description.status.name).toBe('TERMINATED');
    expect((await modelRun(id)).status).toBe(404);
  }, 120_000);

  test('answers 503 and deletes nothing when it cannot learn whether the workflows stopped (and POST /model-runs records a failed start)', async () => {
    // The API with a Temporal client whose connection is closed: every call to Temporal fails.
    const connection = await Connection.connect({ address: h.env.address });
    const unreachable = new Client({ connection, namespace: h.config.temporalNamespace });
    await connection.close();
    const server = createApp({ orm: h.db.orm, temporal: unreachable, config: h.config }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const api = { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1` };
      const deleted = await call(api, 'DELETE', `/model-runs/${modelRunId}`, { token: h.token });
      expect(deleted.status).toBe(503);
      expect(deleted.body.error).toMatch(/could not stop the model run's workflows .*nothing was deleted/);
      // A model run whose workflow cannot start is recorded FAILED at once rather than left RUNNING.
      const created = await call(api, 'POST', '/model-runs', { token: h.token, body: { experiment_id: experimentId, model_type: 'decision_tree', hyperparameters: {} } });
      expect(created.status).toBe(503);
      const [row] = await h.db.orm.em.fork().execute(`select status, error from model_runs where error->>'error_type' = 'WorkflowStartError'`);
      expect(row).toMatchObject({ status: 'failed', error: { error: expect.stringMatching(/could not start the training workflow/) } });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect((await modelRun(modelRunId)).body.status).toBe('completed');
    expect(await tuningRows(modelRunId)).toBe(2);
  });
});
