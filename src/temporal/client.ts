/**
 * The one place that connects to Temporal: the client side (API, reconciler) and, through
 * temporalConnectionOptions(), the worker's NativeConnection. Also registers the custom search
 * attributes the tuning workflow keeps up to date, so any Temporal cluster works without a setup job.
 */
import fs from 'node:fs';
import { Client, Connection, isGrpcServiceError, type TLSConfig } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { ALL_SEARCH_ATTRIBUTES } from './search_attributes';

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

function readPemFile(env: NodeJS.ProcessEnv, name: string): Buffer | undefined {
  const file = env[name];
  if (!file) return undefined;
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${name}: cannot read "${file}": ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Connection options from the environment, for a TLS-secured cluster or Temporal Cloud:
 * TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (paths of the client certificate pair, mTLS, both or
 * neither), TEMPORAL_TLS_CA (path of the server's CA when the system does not trust it),
 * TEMPORAL_TLS_SERVER_NAME (SNI override) and TEMPORAL_API_KEY. Any of them turns TLS on.
 */
export function temporalConnectionOptions(address: string, env: NodeJS.ProcessEnv = process.env): TemporalConnectionOptions {
  const crt = readPemFile(env, 'TEMPORAL_TLS_CERT');
  const key = readPemFile(env, 'TEMPORAL_TLS_KEY');
  if (Boolean(crt) !== Boolean(key)) {
    throw new Error(`${crt ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT'} must be set too: a client certificate needs its key`);
  }
  const ca = readPemFile(env, 'TEMPORAL_TLS_CA');
  const serverName = env.TEMPORAL_TLS_SERVER_NAME || undefined;
  const apiKey = env.TEMPORAL_API_KEY || undefined;
  const tls: TLSConfig = {
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
    ...(ca ? { serverRootCACertificate: ca } : {}),
    ...(serverName ? { serverNameOverride: serverName } : {}),
  };
  const secured = apiKey !== undefined || Object.keys(tls).length > 0;
  return { address, ...(secured ? { tls } : {}), ...(apiKey ? { apiKey } : {}) };
}

export async function connectClient(address: string, namespace: string): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(address));
  // Puts the active span's context (an API request's) into the headers of the workflows this
  // client starts or signals; a no-op while tracing is off.
  return new Client({ connection, namespace, interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } });
}

// gRPC status codes (@grpc/grpc-js is a dependency of the SDK, not of this project).
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const UNAVAILABLE = 14;
const hasCode = (err: unknown, code: number): boolean => isGrpcServiceError(err) && err.code === code;

/**
 * Registers ALL_SEARCH_ATTRIBUTES in the client's namespace through the operator service, once the
 * namespace exists (a compose stack creates it in a job that may still be running). Idempotent and
 * safe when the API and several workers start together: a name another process added meanwhile
 * (ALREADY_EXISTS) is fine; a name registered with another type is an error naming it.
 */
export async function ensureSearchAttributes(client: Client, options: { timeoutMs?: number } = {}): Promise<void> {
  const { namespace } = client.options;
  const { operatorService } = client.connection;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const retryLater = async (why: string) => {
    if (Date.now() > deadline) throw new Error(`search attributes not registered in namespace "${namespace}": ${why}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  };
  for (;;) {
    let registered: Record<string, number>;
    try {
      const listed = await operatorService.listSearchAttributes({ namespace });
      registered = { ...listed.systemAttributes, ...listed.customAttributes } as Record<string, number>;
    } catch (err) {
      if (!hasCode(err, NOT_FOUND) && !hasCode(err, UNAVAILABLE)) throw err;
      await retryLater((err as Error).message);
      continue;
    }
    const missing: Record<string, number> = {};
    for (const key of ALL_SEARCH_ATTRIBUTES) {
      const type = encodeSearchAttributeIndexedValueType(key.type)!;
      if (registered[key.name] === undefined) missing[key.name] = type;
      else if (registered[key.name] !== type) {
        throw new Error(`search attribute ${key.name} is registered in namespace "${namespace}" with another type than ${key.type}`);
      }
    }
    if (Object.keys(missing).length === 0) return;
    try {
      await operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
    } catch (err) {
      // Another process added some of them first: the next listing shows what is still missing.
      if (hasCode(err, ALREADY_EXISTS)) {
        await retryLater((err as Error).message);
        continue;
      }
      // Temporal Cloud, for one, does not let the operator service add them.
      throw new Error(
        `cannot register the search attributes ${Object.keys(missing).join(', ')} in namespace "${namespace}" ` +
          `(register them yourself, e.g. with tcld on Temporal Cloud): ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
}
