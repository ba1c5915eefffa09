/**
 * The application registers its search attributes itself (src/temporal/client.ts), on a real
 * Temporal dev server started without them, in namespaces created by the test.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalCliPath } from '../../src/temporal/dev_server';
import { ensureSearchAttributes } from '../../src/temporal/client';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search_attributes';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_CLI || temporalCliPath() }, ip: '127.0.0.1' },
  });
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

const freshNamespace = () => `sa-test-${randomBytes(4).toString('hex')}`;
const clientFor = (namespace: string) => new Client({ connection: env.client.connection, namespace });
const registerNamespace = (namespace: string) =>
  env.client.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });

async function customAttributes(namespace: string): Promise<Record<string, number>> {
  const listed = await env.client.connection.operatorService.listSearchAttributes({ namespace });
  return listed.customAttributes as Record<string, number>;
}

test('waits for the namespace, then registers every attribute with its type; a second and concurrent call change nothing', async () => {
  const namespace = freshNamespace();
  const client = clientFor(namespace);
  let settled = false;
  const registering = ensureSearchAttributes(client).finally(() => (settled = true));
  // The namespace does not exist yet: the call keeps waiting instead of failing.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(settled).toBe(false);
  await registerNamespace(namespace);
  await registering;

  const expected = Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((key) => [key.name, key.type]));
  const typeName = (n: number) => ({ 1: 'TEXT', 2: 'KEYWORD', 3: 'INT', 4: 'DOUBLE', 5: 'BOOL', 6: 'DATETIME', 7: 'KEYWORD_LIST' })[n];
  const registered = await customAttributes(namespace);
  expect(Object.fromEntries(Object.keys(expected).map((name) => [name, typeName(registered[name])]))).toEqual(expected);

  await Promise.all([ensureSearchAttributes(client), ensureSearchAttributes(clientFor(namespace))]);
  expect(await customAttributes(namespace)).toEqual(registered);
});

test('an attribute registered with another type is an error naming it', async () => {
  const namespace = freshNamespace();
  await registerNamespace(namespace);
  await env.client.connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { BestScore: 2 /* KEYWORD */ } });
  await expect(ensureSearchAttributes(clientFor(namespace))).rejects.toThrow(
    `search attribute BestScore is registered in namespace "${namespace}" with another type than DOUBLE`,
  );
});

test('a server that refuses to add them (here: no Double slot left) is an error naming the missing ones', async () => {
  const namespace = freshNamespace();
  await registerNamespace(namespace);
  // Fill the namespace's Double attributes up to the server's limit.
  const { operatorService } = env.client.connection;
  for (let i = 0; ; i++) {
    const added = await operatorService.addSearchAttributes({ namespace, searchAttributes: { [`Filler${i}`]: 4 /* DOUBLE */ } }).then(
      () => true,
      () => false,
    );
    if (!added) break;
    expect(i).toBeLessThan(100);
  }
  await expect(ensureSearchAttributes(clientFor(namespace))).rejects.toThrow(
    new RegExp(`^cannot register the search attributes .*BestScore.* in namespace "${namespace}" \\(register them yourself`),
  );
});

test('gives up with the reason when the namespace never appears', async () => {
  const namespace = freshNamespace();
  await expect(ensureSearchAttributes(clientFor(namespace), { timeoutMs: 1_000 })).rejects.toThrow(
    new RegExp(`search attributes not registered in namespace "${namespace}": .*${namespace}`),
  );
});
