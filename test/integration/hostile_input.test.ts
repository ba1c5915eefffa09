/**
 * Careless and hostile requests against the real API (real HTTP, Temporal dev server, PostgreSQL):
 * each is refused early with a 4xx that names the problem, never a 5xx, and nothing expensive starts.
 */
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import http, { type Server } from 'node:http';
import { createApp } from '../../src/api/app';
import { call, completedModelRun, startHarness, type Harness } from './harness';

let h: Harness;
let digitsRunId: string;
let experimentId: string;

beforeAll(async () => {
  h = await startHarness();
  ({ modelRunId: digitsRunId, experimentId } = await completedModelRun(h, { sample: 'digits', hyperparameters: { n_estimators: 3 } }));
}, 300_000);

afterAll(async () => {
  await h?.close();
});

/**
 * A raw HTTP call: any body bytes, any headers; the answer's status, headers and JSON (or text)
 * body. A new connection each time (no keep-alive pool), so a slow step in a test cannot meet a
 * socket the server has just closed for idleness.
 */
function raw(method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer; token?: string | null } = {}) {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  const token = options.token === undefined ? h.token : options.token;
  if (token) headers.authorization = `Bearer ${token}`;
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }>((resolve, reject) => {
    const request = http.request(h.baseUrl + path, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: any = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: response.statusCode!, headers: response.headers, body });
      });
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

const fields = (body: { detail?: { field: string }[] }) => (body.detail ?? []).map((d) => d.field);

/** Answers 422 naming `field`; returns that field's reason. */
function expect422(response: { status: number; body: any }, field: string): string {
  expect({ status: response.status, fields: fields(response.body) }).toEqual({ status: 422, fields: expect.arrayContaining([field]) });
  return response.body.detail.find((d: { field: string }) => d.field === field).reason;
}

const tune = (body: Record<string, unknown>) => call(h, 'POST', '/tuning/tune', { token: h.token, body: { model_run_id: digitsRunId, ...body } });

describe('bounded cost, refused before anything runs', () => {
  test('a model run with n_estimators 2147483647 answers 422 naming the field and the limit', async () => {
    const response = await call(h, 'POST', '/model-runs', {
      token: h.token,
      body: { experiment_id: experimentId, model_type: 'random_forest', hyperparameters: { n_estimators: 2147483647 } },
    });
    expect(expect422(response, 'hyperparameters.n_estimators')).toMatch(/limit of 5000.*MAX_N_ESTIMATORS/);
  });

  test.each([
    ['max_iter', 'hist_gradient_boosting', { max_iter: 10_001 }, /MAX_ITER/],
    ['max_depth', 'decision_tree', { max_depth: 1_000_000 }, /MAX_DEPTH/],
    ['max_leaf_nodes', 'gradient_boosting', { max_leaf_nodes: 2_000_000 }, /MAX_LEAF_NODES/],
    ['n_neighbors', 'knn', { n_neighbors: 100_000 }, /MAX_N_NEIGHBORS/],
  ])('%s above its limit answers 422', async (name, modelType, hyperparameters, variable) => {
    const response = await call(h, 'POST', '/model-runs', {
      token: h.token,
      body: { experiment_id: experimentId, model_type: modelType, hyperparameters },
    });
    expect(expect422(response, `hyperparameters.${name}`)).toMatch(variable);
  });

  test('a model run estimated above MAX_EVALUATION_COST answers 422 before it runs', async () => {
    const response = await call(h, 'POST', '/model-runs', {
      token: h.token,
      body: { experiment_id: experimentId, model_type: 'random_forest', hyperparameters: { n_estimators: 5000, max_features: null } },
    });
    expect(expect422(response, 'hyperparameters')).toMatch(/cost units.*MAX_EVALUATION_COST/);
  });

  test('a grid value above a limit names its index', async () => {
    expect(expect422(await tune({ tuning_method: 'grid_search', param_grid: { n_estimators: [10, 20, 9000] } }), 'param_grid.n_estimators[2]')).toMatch(/5000/);
  });

  test('a distribution whose high end is above a limit names .high', async () => {
    const response = await tune({ tuning_method: 'bayesian', param_distributions: { n_estimators: { type: 'int', low: 10, high: 100_000 } } });
    expect(expect422(response, 'param_distributions.n_estimators.high')).toMatch(/MAX_N_ESTIMATORS/);
  });

  test('random and bayesian spaces are checked against the estimator before 202', async () => {
    expect422(
      await tune({ tuning_method: 'random_search', param_distributions: { max_features: { type: 'categorical', choices: ['banana', 'sqrt'] } } }),
      'param_distributions.max_features.choices[0]',
    );
    expect422(
      await tune({ tuning_method: 'bayesian', param_distributions: { max_features: { type: 'float', low: 0.5, high: 1.5 } } }),
      'param_distributions.max_features.high',
    );
    expect422(
      await tune({ tuning_method: 'bayesian', param_distributions: { min_samples_leaf: { type: 'int', low: 0, high: 4 } } }),
      'param_distributions.min_samples_leaf.low',
    );
    // Both ends valid (a fraction 0.1, a count 2), the inside not (1.05 is neither): found before 202.
    expect422(
      await tune({ tuning_method: 'random_search', param_distributions: { min_samples_leaf: { type: 'float', low: 0.1, high: 2 } } }),
      'param_distributions.min_samples_leaf',
    );
    // A float range over an integer parameter.
    expect422(await tune({ tuning_method: 'random_search', param_distributions: { max_depth: { type: 'float', low: 2, high: 4 } } }), 'param_distributions.max_depth');
  });

  test('a tuning request whose most expensive candidate is over budget answers 422; a cheap one 202', async () => {
    const grid = await tune({ tuning_method: 'grid_search', param_grid: { n_estimators: [10, 5000], max_features: ['sqrt', null] } });
    expect(expect422(grid, 'param_grid')).toMatch(/n_estimators=5000.*max_features=null.*MAX_EVALUATION_COST/);
    const space = await tune({
      tuning_method: 'random_search',
      param_distributions: { n_estimators: { type: 'int', low: 10, high: 5000 }, max_features: { type: 'categorical', choices: [null, 'sqrt'] } },
    });
    expect(expect422(space, 'param_distributions')).toMatch(/MAX_EVALUATION_COST/);

    const cheap = await tune({ tuning_method: 'random_search', n_iter: 2, param_distributions: { n_estimators: { type: 'int', low: 2, high: 4 } } });
    expect(cheap.status).toBe(202);
    await call(h, 'POST', `/tuning/tune/${cheap.body.tuning_run_id}/cancel`, { token: h.token, body: {} });
  });

  test('grid size is counted before values: too many combinations of invalid values name the grid', async () => {
    const bad = Array.from({ length: 100 }, (_, i) => `bad${i}`);
    const response = await tune({ tuning_method: 'grid_search', param_grid: { max_depth: bad, min_samples_leaf: bad, n_estimators: bad } });
    expect(expect422(response, 'param_grid')).toMatch(/1000000 combinations/);
  });

  test('one list longer than MAX_GRID_SIZE answers 422; 2.5 million values are refused by the body limit', async () => {
    const long = Array.from({ length: 6000 }, (_, i) => i + 1);
    expect(expect422(await tune({ tuning_method: 'random_search', param_grid: { n_estimators: long } }), 'param_grid.n_estimators')).toMatch(/6000 values/);
    const huge = JSON.stringify({ model_run_id: digitsRunId, tuning_method: 'grid_search', param_grid: { n_estimators: new Array(2_500_000).fill(1) } });
    const response = await raw('POST', '/tuning/tune', { headers: { 'content-type': 'application/json' }, body: huge });
    expect(response.status).toBe(413);
  });

  test('time_budget_seconds 1e308 answers 422 on POST and on PATCH', async () => {
    expect(expect422(await tune({ tuning_method: 'grid_search', param_grid: { n_estimators: [5] }, time_budget_seconds: 1e308 }), 'time_budget_seconds')).toMatch(/MAX_DURATION_SECONDS/);
    const patch = await call(h, 'PATCH', '/tuning/tune/00000000-0000-4000-8000-000000000000', { token: h.token, body: { time_budget_seconds: 1e308 } });
    expect422(patch, 'time_budget_seconds');
  });
});

describe('no 5xx from bad input', () => {
  test.each([
    ['a dataset name', '/datasets', { sample: 'iris', name: 'ir\u0000is' }, 'name'],
    ['an experiment description', '/experiments', { name: 'e', dataset_id: '00000000-0000-4000-8000-000000000000', description: 'a\u0000b' }, 'description'],
    ['a CSV header', '/datasets', { name: 'x', csv: 'a\u0000,label\n1,0\n2,1\n', target_column: 'label', task_type: 'classification' }, 'csv'],
    ['a CSV label', '/datasets', { name: 'x', csv: 'a,label\n1,x\u0000\n2,y\n', target_column: 'label', task_type: 'classification' }, 'csv'],
    ['a tag', '/tuning/tune', { tuning_method: 'grid_search', tags: ['ok', 'b\u0000d'] }, 'tags[1]'],
    ['user notes', '/tuning/tune', { tuning_method: 'grid_search', user_notes: '\u0000' }, 'user_notes'],
    ['a categorical choice', '/tuning/tune', { tuning_method: 'bayesian', param_distributions: { criterion: { type: 'categorical', choices: ['gini', 'x\u0000'] } } }, 'param_distributions.criterion.choices[1]'],
    ['a hyperparameter name', '/model-runs', { experiment_id: '00000000-0000-4000-8000-000000000000', model_type: 'knn', hyperparameters: { 'we\u0000ights': 'uniform' } }, 'hyperparameters.we\u0000ights'],
  ])('a NUL character in %s answers 422 naming it', async (_what, path, body, field) => {
    expect(expect422(await call(h, 'POST', path, { token: h.token, body }), field)).toMatch(/NUL/);
  });

  test('a NUL character in a raw CSV upload and in a query parameter answers 422', async () => {
    const csv = await raw('POST', '/datasets?target_column=label&task_type=classification', { headers: { 'content-type': 'text/csv' }, body: 'a,label\n1,\u0000\n2,y\n' });
    expect422(csv, 'csv');
    expect422(await raw('GET', `/model-runs/${digitsRunId}/tuning-runs?tag=%00`), 'query.tag');
  });

  test('malformed percent-encoding in a path answers 400', async () => {
    const response = await raw('GET', '/datasets/%zz');
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(/decode/);
  });

  test('an unsupported charset answers 415', async () => {
    const response = await raw('POST', '/experiments', { headers: { 'content-type': 'application/json; charset=koi8-r' }, body: '{}' });
    expect(response.status).toBe(415);
    expect(response.body.error).toMatch(/charset/);
  });

  test('an unknown Content-Encoding answers 415, a corrupt gzip body 400', async () => {
    const unknown = await raw('POST', '/experiments', { headers: { 'content-type': 'application/json', 'content-encoding': 'bogus' }, body: '{}' });
    expect(unknown.status).toBe(415);
    expect(unknown.body.error).toMatch(/Content-Encoding "bogus"/);
    const corrupt = await raw('POST', '/experiments', { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: 'this is not gzip' });
    expect(corrupt.status).toBe(400);
    expect(corrupt.body.error).toMatch(/corrupt compressed body/);
  });

  test('numeric query parameters out of range answer 422', async () => {
    expect422(await raw('GET', `/model-runs/${digitsRunId}/tuning-runs?offset=1e20`), 'offset');
    expect422(await raw('GET', `/model-runs/${digitsRunId}/tuning-runs?limit=-1`), 'limit');
    expect422(await raw('GET', '/tuning/schedules?offset=1e20'), 'offset');
  });

  test('a schedule\'s tuning request is counted before its values too', async () => {
    const bad = Array.from({ length: 100 }, (_, i) => `bad${i}`);
    const response = await call(h, 'POST', '/tuning/schedules', {
      token: h.token,
      body: { model_run_id: digitsRunId, tuning_method: 'grid_search', interval_seconds: 3600, param_grid: { max_depth: bad, min_samples_leaf: bad, n_estimators: bad } },
    });
    expect(expect422(response, 'param_grid')).toMatch(/1000000 combinations/);
  });

  test('a sample data set with a target_column it does not have answers 422', async () => {
    expect(expect422(await call(h, 'POST', '/datasets', { token: h.token, body: { sample: 'iris', target_column: 'species' } }), 'target_column')).toMatch(/"target"/);
  });

  test.each([
    ['name', '/experiments', { name: 'x'.repeat(201), dataset_id: '00000000-0000-4000-8000-000000000000' }, 'name'],
    ['description', '/experiments', { name: 'e', dataset_id: '00000000-0000-4000-8000-000000000000', description: 'x'.repeat(10_001) }, 'description'],
    ['target_column', '/datasets', { name: 'x', csv: 'a,b\n1,2\n', target_column: 'x'.repeat(201), task_type: 'regression' }, 'target_column'],
    ['tag count', '/tuning/tune', { tuning_method: 'grid_search', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, 'tags'],
    ['tag length', '/tuning/tune', { tuning_method: 'grid_search', tags: ['x'.repeat(101)] }, 'tags.0'],
    ['user_notes', '/tuning/tune', { tuning_method: 'grid_search', user_notes: 'x'.repeat(10_001) }, 'user_notes'],
  ])('a too long %s answers 422 naming it', async (_what, path, body, field) => {
    expect422(await call(h, 'POST', path, { token: h.token, body }), field);
  });
});

describe('body limits per route', () => {
  /** A CSV of `bytes` bytes: a header, then rows "1,0" / "2,1". */
  const csvOf = (bytes: number) => 'a,label\n' + '1,0\n2,1\n'.repeat(Math.ceil(bytes / 8));

  test('JSON above 1 MB answers 413; a data-set upload above it is accepted', async () => {
    const big = await call(h, 'POST', '/experiments', { token: h.token, body: { name: 'e', dataset_id: digitsRunId, description: 'x'.repeat(1.1 * 1024 ** 2) } });
    expect(big.status).toBe(413);
    const upload = await raw('POST', '/datasets?target_column=label&task_type=classification&name=two-mb', {
      headers: { 'content-type': 'text/csv' },
      body: csvOf(2 * 1024 ** 2),
    });
    expect(upload.status).toBe(201);
  });

  test('a 150 MB body gzipped to a few hundred KB answers 413 on JSON routes and on uploads; a small gzip upload works', async () => {
    const bomb = gzipSync(Buffer.alloc(150 * 1024 ** 2, '1,0\n'));
    expect(bomb.length).toBeLessThan(300 * 1024);
    const csvBomb = gzipSync(Buffer.concat([Buffer.from('a,label\n'), Buffer.alloc(150 * 1024 ** 2, '1,0\n2,1\n')]));
    const upload = await raw('POST', '/datasets?target_column=label&task_type=classification', {
      headers: { 'content-type': 'text/csv', 'content-encoding': 'gzip' },
      body: csvBomb,
    });
    expect(upload.status).toBe(413);
    expect(upload.body.error).toMatch(/33554432 bytes, counted after any decompression/);
    const json = await raw('POST', '/experiments', { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
    expect(json.status).toBe(413);
    const small = await raw('POST', '/datasets?target_column=label&task_type=classification&name=gz', {
      headers: { 'content-type': 'text/csv', 'content-encoding': 'gzip' },
      body: gzipSync(csvOf(1024)),
    });
    expect(small.status).toBe(201);
  }, 60_000);
});

describe('security headers and CORS', () => {
  test('helmet headers are set; no CORS header by default', async () => {
    const response = await fetch(h.baseUrl.replace('/api/v1', '/health'), { headers: { origin: 'https://elsewhere.example' } });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('CORS_ORIGINS allows the listed origins only, preflights included', async () => {
    const server: Server = createApp({ orm: h.db.orm, temporal: h.env.client, config: { ...h.config, corsOrigins: ['https://ui.example'] } }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
      const preflight = (origin: string) =>
        fetch(`${base}/datasets`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
      const allowed = await preflight('https://ui.example');
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ui.example');
      expect(allowed.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
      const other = await preflight('https://elsewhere.example');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      const get = await fetch(`${base}/datasets`, { headers: { origin: 'https://ui.example', authorization: `Bearer ${h.token}` } });
      expect(get.status).toBe(200);
      expect(get.headers.get('access-control-allow-origin')).toBe('https://ui.example');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
