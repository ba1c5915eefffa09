/**
 * API tokens over the API (real HTTP and PostgreSQL): list, create with an optional expiry (the
 * token is shown once), revoke; a revoked or expired token answers 401; another user's token is 404.
 */
import { call, startHarness, type Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 300_000);

afterAll(async () => {
  await h?.close();
});

const DAY_MS = 24 * 3600 * 1000;
const listed = async (token: string) => {
  const response = await call(h, 'GET', '/tokens', { token });
  expect(response.status).toBe(200);
  return response.body as { id: string; name: string }[];
};

describe('API tokens', () => {
  test('a created token is shown once, authenticates, and is listed without its secret', async () => {
    const before = Date.now();
    const created = await call(h, 'POST', '/tokens', { token: h.token, body: { name: 'ci', expires_in_days: 30 } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual(
      expect.objectContaining({ id: expect.any(String), name: 'ci', token: expect.stringMatching(/^tr_/), created_at: expect.any(String), last_used_at: null }),
    );
    const expiresAt = Date.parse(created.body.expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS);

    // The new token works on its own and its use is recorded.
    const tokens = await listed(created.body.token);
    const entry = tokens.find((t) => t.id === created.body.id);
    expect(Object.keys(entry!).sort()).toEqual(['created_at', 'expires_at', 'id', 'last_used_at', 'name']);
    expect((await listed(h.token)).find((t) => t.id === created.body.id)).toEqual(
      expect.objectContaining({ name: 'ci', last_used_at: expect.any(String) }),
    );
    // Nothing in any listing is the secret or its hash.
    const text = JSON.stringify(await listed(h.token));
    expect(text).not.toContain(created.body.token);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
  });

  test('a token without expires_in_days never expires', async () => {
    const created = await call(h, 'POST', '/tokens', { token: h.token, body: { name: 'forever' } });
    expect([created.status, created.body.expires_at]).toEqual([201, null]);
  });

  test('a revoked token answers 401 and is no longer listed; revoking it again is 404', async () => {
    const created = await call(h, 'POST', '/tokens', { token: h.token, body: { name: 'short-lived' } });
    expect((await call(h, 'GET', '/tokens', { token: created.body.token })).status).toBe(200);

    expect((await call(h, 'DELETE', `/tokens/${created.body.id}`, { token: h.token })).status).toBe(204);
    const after = await call(h, 'GET', '/tokens', { token: created.body.token });
    expect([after.status, after.body.error]).toEqual([401, 'invalid API token']);
    expect((await listed(h.token)).map((t) => t.id)).not.toContain(created.body.id);
    expect((await call(h, 'DELETE', `/tokens/${created.body.id}`, { token: h.token })).status).toBe(404);
    // The token that revoked it still works.
    expect((await call(h, 'GET', '/tokens', { token: h.token })).status).toBe(200);
  });

  test('a token expired in the database answers 401 within the 5 s a process trusts a checked token', async () => {
    const created = await call(h, 'POST', '/tokens', { token: h.token, body: { name: 'expiring', expires_in_days: 1 } });
    expect((await call(h, 'GET', '/tokens', { token: created.body.token })).status).toBe(200);
    await h.db.orm.em.fork().getConnection().execute(`update api_tokens set expires_at = now() - interval '1 second' where id = ?`, [created.body.id]);
    const changed = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - changed < 8_000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = (await call(h, 'GET', '/tokens', { token: created.body.token })).status;
    }
    expect(status).toBe(401);
    expect(Date.now() - changed).toBeLessThan(6_000);
    // Still listed (with its past expiry), so its owner can see why and revoke it.
    expect((await listed(h.token)).map((t) => t.id)).toContain(created.body.id);
  });

  test("another user's token is 404 to list, revoke or probe, and keeps working", async () => {
    const bobs = await call(h, 'POST', '/tokens', { token: h.otherToken, body: { name: 'bob-ci' } });
    expect(bobs.status).toBe(201);
    expect((await listed(h.token)).map((t) => t.id)).not.toContain(bobs.body.id);
    const revoke = await call(h, 'DELETE', `/tokens/${bobs.body.id}`, { token: h.token });
    expect([revoke.status, revoke.body.error]).toEqual([404, `API token ${bobs.body.id} not found`]);
    expect((await call(h, 'GET', '/tokens', { token: bobs.body.token })).status).toBe(200);
    expect((await listed(h.otherToken)).map((t) => t.id)).toContain(bobs.body.id);
  });

  test.each([
    ['no name', {}, 'name'],
    ['an empty name', { name: '' }, 'name'],
    ['a long name', { name: 'x'.repeat(201) }, 'name'],
    ['a negative expiry', { name: 'n', expires_in_days: -1 }, 'expires_in_days'],
    ['an expiry beyond ten years', { name: 'n', expires_in_days: 3651 }, 'expires_in_days'],
    ['an unknown field', { name: 'n', secret: 'x' }, '(body)'],
  ])('%s answers 422 naming the field', async (_what, body, field) => {
    const response = await call(h, 'POST', '/tokens', { token: h.token, body });
    expect(response.status).toBe(422);
    expect(response.body.detail.map((d: { field: string }) => d.field)).toContain(field);
  });

  test('revoking an id that is not a token is 404; without a token the endpoints are 401', async () => {
    expect((await call(h, 'DELETE', '/tokens/not-a-uuid', { token: h.token })).status).toBe(404);
    expect((await call(h, 'DELETE', '/tokens/00000000-0000-4000-8000-000000000000', { token: h.token })).status).toBe(404);
    expect((await call(h, 'GET', '/tokens', { token: null })).status).toBe(401);
    expect((await call(h, 'POST', '/tokens', { token: null, body: { name: 'x' } })).status).toBe(401);
  });
});
