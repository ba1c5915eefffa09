/**
 * Connecting to a TLS-secured Temporal from the environment (TEMPORAL_TLS_*): the real dev server
 * behind a TLS proxy that demands a client certificate (mTLS), with a CA, server and client
 * certificates made by openssl for the test. Both connection kinds are used: the client's
 * (grpc-js, API and reconciler) and the worker's NativeConnection (Temporal's Rust core).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { ensureSearchAttributes, temporalConnectionOptions } from '../../src/temporal/client';
import { temporalCliPath } from '../../src/temporal/dev_server';

let env: TestWorkflowEnvironment;
let proxy: tls.Server;
let address: string;
let dir: string;
const file = (name: string) => path.join(dir, name);

/** A CA, and a certificate it signs for `name` (server or client). */
function makeCertificates(): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  for (const [name, ext] of [
    ['server', 'subjectAltName=DNS:temporal.test\nextendedKeyUsage=serverAuth'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ]) {
    fs.writeFileSync(file(`${name}.ext`), ext);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-tls-'));
  makeCertificates();
  env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_CLI || temporalCliPath() }, ip: '127.0.0.1' },
  });
  const [host, port] = env.address.split(':');
  // Terminates TLS (HTTP/2 by ALPN, as gRPC needs) and passes the bytes on to the dev server.
  proxy = tls.createServer(
    {
      key: fs.readFileSync(file('server.key')),
      cert: fs.readFileSync(file('server.pem')),
      ca: fs.readFileSync(file('ca.pem')),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (socket) => {
      const upstream = net.connect(Number(port), host);
      socket.pipe(upstream).pipe(socket);
      const close = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.once('error', close).once('close', close);
      upstream.once('error', close).once('close', close);
    },
  );
  proxy.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await env?.teardown();
});

const mtlsEnv = () => ({
  TEMPORAL_TLS_CERT: file('client.pem'),
  TEMPORAL_TLS_KEY: file('client.key'),
  TEMPORAL_TLS_CA: file('ca.pem'),
  TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
});

test('the client connects with the certificate pair, CA and server name from the environment, and registers the search attributes', async () => {
  const connection = await Connection.connect(temporalConnectionOptions(address, mtlsEnv()));
  try {
    const info = await connection.workflowService.getSystemInfo({});
    expect(info.serverVersion).toMatch(/^\d+\.\d+/);
    await ensureSearchAttributes(new Client({ connection, namespace: 'default' }));
    const listed = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(Object.keys(listed.customAttributes ?? {})).toEqual(expect.arrayContaining(['TuningRunId', 'BestScore']));
  } finally {
    await connection.close();
  }
});

test("the worker's native connection connects the same way", async () => {
  const connection = await NativeConnection.connect(temporalConnectionOptions(address, mtlsEnv()));
  try {
    const info = await connection.workflowService.getSystemInfo({});
    expect(info.serverVersion).toMatch(/^\d+\.\d+/);
  } finally {
    await connection.close();
  }
});

test('without the client certificate, or without the CA, the TLS server refuses the connection', async () => {
  const attempt = async (variables: Record<string, string>) => {
    const connection = await Connection.connect({ ...temporalConnectionOptions(address, variables), connectTimeout: '3 seconds' });
    try {
      await connection.withDeadline(Date.now() + 3_000, () => connection.workflowService.getSystemInfo({}));
    } finally {
      await connection.close();
    }
  };
  const without = (...names: string[]) => Object.fromEntries(Object.entries(mtlsEnv()).filter(([name]) => !names.includes(name)));
  await expect(attempt(without('TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY'))).rejects.toThrow();
  await expect(attempt(without('TEMPORAL_TLS_CA'))).rejects.toThrow();
  // The same connection with everything set works: what failed was the missing setting.
  await expect(attempt(mtlsEnv())).resolves.toBeUndefined();
});

test('bad TLS settings are errors naming the variable', () => {
  expect(() => temporalConnectionOptions(address, { TEMPORAL_TLS_CERT: file('client.pem') })).toThrow(
    'TEMPORAL_TLS_KEY must be set too: a client certificate needs its key',
  );
  expect(() => temporalConnectionOptions(address, { TEMPORAL_TLS_CA: file('missing.pem') })).toThrow(/^TEMPORAL_TLS_CA: cannot read ".*missing\.pem"/);
  expect(temporalConnectionOptions(address, { TEMPORAL_API_KEY: 'key' })).toEqual({ address, tls: {}, apiKey: 'key' });
  expect(temporalConnectionOptions(address, {})).toEqual({ address });
});
