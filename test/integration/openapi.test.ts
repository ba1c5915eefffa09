/**
 * The OpenAPI contract against the real service: every route the Express app registers is in the
 * served document (and nothing else is), and the real answers of a short end-to-end session (data
 * set, experiment, model run, tuning run, schedule; a client-evaluated study; errors 401/404/422) validate against the
 * document's response schemas with a JSON Schema 2020-12 validator.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { createApp } from '../../src/api/app';
import { call, startHarness, waitFor, type ApiResponse, type Harness } from './harness';

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: RouterLayer[] };
  rawPath?: string;
}

/** "METHOD /path" of every route, walking the app's router and the routers mounted in it (Express paths, `:id`). */
function registeredRoutes(stack: RouterLayer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = layer.route.path === '/' && prefix ? prefix : prefix + layer.route.path;
      return Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${path}`);
    }
    if (!layer.handle.stack) return [];
    const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
    return registeredRoutes(layer.handle.stack, prefix + mount);
  });
}

type Document = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
  components: { schemas: Record<string, object> };
};

let h: Harness;
let doc: Document;
const ajv = new Ajv2020({ allErrors: true });
addFormats(ajv);
// OpenAPI's discriminator is a hint for code generators; the oneOf beside it does the validating.
ajv.addKeyword({ keyword: 'discriminator' });
const COMPONENTS = 'https://tuning-service.invalid/components';
const validators = new Map<string, ValidateFunction>();

/** The document's references, pointed at the components registered with ajv. */
const resolveRefs = <T>(schema: T, base: string): T => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${base}#/$defs/`)) as T;

/** Fails unless the document lists this status for the operation and the body matches its JSON schema. */
function expectDocumented(method: string, template: string, response: ApiResponse): void {
  const operation = doc.paths[template]?.[method.toLowerCase()];
  expect(operation).toBeDefined();
  const documented = operation.responses[String(response.status)];
  if (!documented) throw new Error(`${method} ${template} answered ${response.status}, which the document does not list: ${JSON.stringify(response.body)}`);
  const schema = documented.content?.['application/json']?.schema;
  if (!schema) {
    expect(response.body === null || response.body === '' || typeof response.body === 'string').toBe(true);
    return;
  }
  const key = `${method} ${template} ${response.status}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(resolveRefs(schema, COMPONENTS));
    validators.set(key, validate);
  }
  if (!validate(response.body)) {
    throw new Error(`${key} does not match the document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(response.body).slice(0, 2000)}`);
  }
}

/** A real call whose answer is checked against the document; `template` is the documented path. */
async function checked(method: string, template: string, path: string, options: { token?: string | null; body?: unknown } = {}): Promise<ApiResponse> {
  const response = await call(h, method, path, { token: h.token, ...options });
  expectDocumented(method, `/api/v1${template}`, response);
  return response;
}

beforeAll(async () => {
  h = await startHarness();
  const served = await call(h, 'GET', '/openapi.json', { token: null });
  expect(served.status).toBe(200);
  doc = served.body;
  ajv.addSchema({ $id: COMPONENTS, $defs: resolveRefs(doc.components.schemas, COMPONENTS) });
}, 300_000);

afterAll(async () => {
  await h?.close();
});

describe('the document', () => {
  test('is OpenAPI 3.1, served without a token, and its schemas compile as JSON Schema 2020-12', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const name of Object.keys(doc.components.schemas)) expect(ajv.getSchema(`${COMPONENTS}#/$defs/${name}`)).toBeDefined();
  });

  test('lists every route the Express app registers, with its method, and no route the app lacks', () => {
    const app = createApp({ orm: h.db.orm, temporal: h.env.client, config: h.config });
    const routes = new Set(registeredRoutes((app as unknown as { router: { stack: RouterLayer[] } }).router.stack).map((r) => r.replace(/:(\w+)/g, '{$1}')));
    expect(routes.size).toBeGreaterThan(30);
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)));
    expect([...routes].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !routes.has(r))).toEqual([]);
  });

  test('types param_distributions as a discriminated union on type', () => {
    const tune = doc.components.schemas.TuneRequest as { properties: Record<string, unknown> };
    expect(tune.properties.param_distributions).toEqual({ $ref: '#/components/schemas/SearchSpace' });
    expect(doc.components.schemas.SearchSpace).toMatchObject({ type: 'object', additionalProperties: { $ref: '#/components/schemas/Distribution' } });
    expect(doc.components.schemas.Distribution).toMatchObject({
      oneOf: [{ $ref: '#/components/schemas/IntDistribution' }, { $ref: '#/components/schemas/FloatDistribution' }, { $ref: '#/components/schemas/CategoricalDistribution' }],
      discriminator: { propertyName: 'type' },
    });
    expect(doc.components.schemas.IntDistribution).toMatchObject({
      properties: { type: { enum: ['int'] }, low: { type: 'integer' }, high: { type: 'integer' }, log: { type: 'boolean' }, step: { type: 'integer' } },
      required: ['low', 'high', 'type'],
    });
    expect(doc.components.schemas.CategoricalDistribution).toMatchObject({ required: ['type', 'choices'] });
  });

  test('the reference page and its script are served from our origin under the CSP', async () => {
    const page = await fetch(`${h.baseUrl}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await page.text();
    expect(html).toContain('<script src="/api/v1/docs/docs.js"></script>');
    expect(html).not.toMatch(/https?:\/\//);
    const script = await fetch(`${h.baseUrl}/docs/docs.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(await script.text()).toContain("fetch('/api/v1/openapi.json')");
  });
});

describe('real answers match the document', () => {
  test('a session from data set to tuning results, trials and a schedule', async () => {
    await checked('GET', '/datasets/samples', '/datasets/samples');
    const dataset = await checked('POST', '/datasets', '/datasets', { body: { sample: 'iris' } });
    expect(dataset.status).toBe(201);
    await checked('GET', '/datasets', '/datasets');
    await checked('GET', '/datasets/{id}', `/datasets/${dataset.body.id}`);

    const experiment = await checked('POST', '/experiments', '/experiments', { body: { name: 'contract', dataset_id: dataset.body.id } });
    expect(experiment.status).toBe(201);
    await checked('GET', '/experiments', '/experiments');
    await checked('GET', '/experiments/{id}', `/experiments/${experiment.body.id}`);

    const modelRun = await checked('POST', '/model-runs', '/model-runs', {
      body: { experiment_id: experiment.body.id, model_type: 'decision_tree', cv_folds: 3 },
    });
    expect(modelRun.status).toBe(202);
    const trained = await waitFor(
      () => checked('GET', '/model-runs/{id}', `/model-runs/${modelRun.body.id}`),
      (r) => r.body.status !== 'running',
    );
    expect(trained.body.status).toBe('completed');

    const started = await checked('POST', '/tuning/tune', '/tuning/tune', {
      body: {
        model_run_id: modelRun.body.id,
        tuning_method: 'random_search',
        param_distributions: {
          criterion: { type: 'categorical', choices: ['gini', 'entropy'] },
          max_depth: { type: 'int', low: 1, high: 6 },
          min_samples_leaf: { type: 'int', low: 1, high: 4, condition: { param: 'criterion', equals: 'gini' } },
        },
        n_iter: 4,
        cv_folds: 3,
        seed: 7,
      },
    });
    expect(started.status).toBe(202);
    const id = started.body.tuning_run_id;
    // The first status is usually RUNNING, the last COMPLETED: both shapes are checked.
    const status = await waitFor(
      () => checked('GET', '/tuning/tune/{id}/status', `/tuning/tune/${id}/status`),
      (r) => r.body.status !== 'running',
      240_000,
    );
    expect(status.body.status).toBe('completed');

    const results = await checked('GET', '/tuning/tune/{id}/results', `/tuning/tune/${id}/results`);
    expect(results.body.results).toMatchObject({ total_combinations: 4, cv_folds: 3, tuning_method: 'random_search', error: null });
    const trials = await checked('GET', '/tuning/tune/{id}/trials', `/tuning/tune/${id}/trials`);
    expect(trials.body.trials).toHaveLength(4);
    const importance = await checked('GET', '/tuning/tune/{id}/importance', `/tuning/tune/${id}/importance`);
    expect([200, 409]).toContain(importance.status);
    expect((await checked('GET', '/model-runs/{id}/tuning-runs', `/model-runs/${modelRun.body.id}/tuning-runs`)).body).toHaveLength(1);
    expect((await checked('GET', '/model-runs/{id}/tuning-runs/best', `/model-runs/${modelRun.body.id}/tuning-runs/best`)).body.tuning_run_id).toBe(id);
    expect((await checked('GET', '/tuning/runs', '/tuning/runs')).body.total).toBe(1);
    expect((await checked('POST', '/tuning/tune/{id}/cancel', `/tuning/tune/${id}/cancel`, { body: {} })).status).toBe(409);
    await checked('GET', '/tokens', '/tokens');
    await checked('GET', '/ui-config', '/ui-config');

    const schedule = await checked('POST', '/tuning/schedules', '/tuning/schedules', {
      body: { model_run_id: modelRun.body.id, tuning_method: 'grid_search', param_grid: { max_depth: [2, 3] }, cv_folds: 3, interval_seconds: 3600, paused: true },
    });
    expect(schedule.status).toBe(201);
    await checked('GET', '/tuning/schedules', '/tuning/schedules');
    await checked('GET', '/tuning/schedules/{id}', `/tuning/schedules/${schedule.body.id}`);
    expect((await checked('DELETE', '/tuning/schedules/{id}', `/tuning/schedules/${schedule.body.id}`)).status).toBe(204);
  }, 600_000);

  test('a client-evaluated study: suggest, report, heartbeat, complete, then status and results', async () => {
    const dataset = await checked('POST', '/datasets', '/datasets', { body: { name: 'elsewhere', uri: 's3://bucket/train.parquet', task_type: 'regression' } });
    expect(dataset.status).toBe(201);
    const experiment = await checked('POST', '/experiments', '/experiments', { body: { name: 'external', dataset_id: dataset.body.id } });
    const modelRun = await checked('POST', '/model-runs', '/model-runs', {
      body: { experiment_id: experiment.body.id, model_type: 'external', hyperparameters: { x: 0 }, scoring: 'loss', model_artifact_path: 's3://bucket/model.bin', metrics: { loss: 1.5 } },
    });
    expect(modelRun.status).toBe(201);
    const started = await checked('POST', '/tuning/tune', '/tuning/tune', {
      body: { model_run_id: modelRun.body.id, evaluation: 'client', direction: 'minimize', tuning_method: 'random_search', param_distributions: { x: { type: 'float', low: -5, high: 5 } }, n_iter: 3, seed: 1 },
    });
    expect(started.status).toBe(202);
    const id = started.body.tuning_run_id;
    const suggested = await checked('POST', '/tuning/tune/{id}/suggest', `/tuning/tune/${id}/suggest`, { body: { count: 2, client_id: 'contract' } });
    expect(suggested.body.trials).toHaveLength(2);
    const [first, second] = suggested.body.trials;
    expect((await checked('POST', '/tuning/tune/{id}/trials/{number}/report', `/tuning/tune/${id}/trials/${first.number}/report`, { body: { step: 0, value: 3 } })).status).toBe(200);
    expect((await checked('POST', '/tuning/tune/{id}/trials/{number}/heartbeat', `/tuning/tune/${id}/trials/${first.number}/heartbeat`)).body).toEqual({ state: 'RUNNING' });
    await checked('POST', '/tuning/tune/{id}/trials/{number}/complete', `/tuning/tune/${id}/trials/${first.number}/complete`, { body: { value: (first.params.x - 1) ** 2 } });
    await checked('POST', '/tuning/tune/{id}/trials/{number}/complete', `/tuning/tune/${id}/trials/${second.number}/complete`, { body: { state: 'INFEASIBLE', reason: 'out of range' } });
    expect((await checked('POST', '/tuning/tune/{id}/trials/{number}/complete', `/tuning/tune/${id}/trials/99/complete`, { body: { value: 1 } })).status).toBe(409);
    const last = await checked('POST', '/tuning/tune/{id}/suggest', `/tuning/tune/${id}/suggest`, { body: { client_id: 'contract' } });
    expect(last.body.trials).toHaveLength(1);
    await checked('POST', '/tuning/tune/{id}/trials/{number}/complete', `/tuning/tune/${id}/trials/${last.body.trials[0].number}/complete`, { body: { value: 100 } });
    const status = await waitFor(
      () => checked('GET', '/tuning/tune/{id}/status', `/tuning/tune/${id}/status`),
      (r) => r.body.status !== 'running',
    );
    expect(status.body.status).toBe('completed');
    const results = await checked('GET', '/tuning/tune/{id}/results', `/tuning/tune/${id}/results`);
    expect(results.body.results.best_score).toBe((first.params.x - 1) ** 2);
    await checked('GET', '/tuning/tune/{id}/trials', `/tuning/tune/${id}/trials`);
  }, 300_000);

  test('errors: 401 without a token, 404 for an unknown run, 422 naming the field at fault', async () => {
    expect((await checked('GET', '/datasets', '/datasets', { token: null })).status).toBe(401);
    expect((await checked('GET', '/tuning/tune/{id}/status', '/tuning/tune/00000000-0000-4000-8000-000000000000/status')).status).toBe(404);
    expect((await checked('GET', '/tuning/tune/{id}/results', '/tuning/tune/not-a-uuid/results')).status).toBe(404);

    const modelRunId = '00000000-0000-4000-8000-000000000000';
    const wrongType = await checked('POST', '/tuning/tune', '/tuning/tune', {
      body: { model_run_id: modelRunId, tuning_method: 'bayesian', param_distributions: { max_depth: { type: 'normal', low: 1, high: 3 } } },
    });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.detail.map((d: { field: string }) => d.field)).toEqual(['param_distributions.max_depth.type']);
    const floatBounds = await checked('POST', '/tuning/tune', '/tuning/tune', {
      body: { model_run_id: modelRunId, tuning_method: 'bayesian', param_distributions: { max_depth: { type: 'int', low: 1.5, high: 3 } } },
    });
    expect(floatBounds.status).toBe(422);
    expect(floatBounds.body.detail.map((d: { field: string }) => d.field)).toEqual(['param_distributions.max_depth.low']);
    const unknownKey = await checked('POST', '/tuning/tune', '/tuning/tune', {
      body: { model_run_id: modelRunId, tuning_method: 'bayesian', param_distributions: { max_depth: { type: 'categorical', choices: [1], low: 1 } } },
    });
    expect(unknownKey.status).toBe(422);
    expect(unknownKey.body.detail[0].field).toBe('param_distributions.max_depth');
  });
});
