/**
 * Structured logs (pino): one JSON object a line on stdout; readable coloured lines in development
 * (stdout a terminal, or LOG_PRETTY=1; LOG_PRETTY=0 forces JSON). LOG_LEVEL sets the level
 * (trace, debug, info (default), warn, error, fatal, silent).
 *
 * API lines carry the request id (reqId), worker lines from Temporal's activity and workflow
 * loggers the workflow id and, derived from it, the tuning run id or model run id; with tracing
 * on, every line logged inside a span also carries its trace_id and span_id.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { trace } from '@opentelemetry/api';
import type { Logger as TemporalLogger, LogLevel as TemporalLogLevel, LogMetadata } from '@temporalio/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import pretty from 'pino-pretty';
import { trainingWorkflowId, tuningWorkflowId } from './temporal/ids';

export type { Logger };

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function createLogger(env: NodeJS.ProcessEnv = process.env, destination?: DestinationStream): Logger {
  const level = env.LOG_LEVEL?.trim().toLowerCase() || 'info';
  if (!LEVELS.includes(level)) throw new Error(`LOG_LEVEL must be one of ${LEVELS.join(', ')}, not "${env.LOG_LEVEL}"`);
  const prettyOutput = env.LOG_PRETTY?.trim() ? env.LOG_PRETTY.trim() === '1' : process.stdout.isTTY === true;
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Tokens never reach a log line.
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      mixin() {
        const span = trace.getActiveSpan()?.spanContext();
        // Named as Temporal's OpenTelemetry interceptors name them in activity and workflow lines.
        return span ? { trace_id: span.traceId, span_id: span.spanId } : {};
      },
    },
    // Synchronous pretty printing: no worker thread, and nothing lost when the process exits.
    destination ?? (prettyOutput ? pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l' }) : pino.destination({ sync: true })),
  );
}

/** The process's logger; each entry point names its service with `logger.setBindings({ service })`. */
export const logger = createLogger();

/** Health probes and metric scrapes: frequent and alike, so logged at debug and not traced. */
export const isProbe = (path: string): boolean => path === '/metrics' || path.startsWith('/health');

/** An incoming X-Request-Id is kept when it is a plain token (a proxy's id), else a new UUID. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * Logs each request once it is answered (5xx as errors; probes and scrapes at debug) and gives
 * handlers `req.log`, whose lines carry the request id, also returned as X-Request-Id.
 */
export function httpLogger(log: Logger = logger) {
  return pinoHttp({
    logger: log,
    genReqId: requestId,
    // req.log lines carry reqId alone; the completion line has the request's method, URL and headers.
    quietReqLogger: true,
    customLogLevel(req, res, err) {
      if (err || res.statusCode >= 500) return 'error';
      return isProbe(req.url ?? '') ? 'debug' : 'info';
    },
  });
}

const TUNING_PREFIX = tuningWorkflowId('');
const TRAINING_PREFIX = trainingWorkflowId('');

/** The row a workflow id belongs to, so a run's lines can be found by the id the API returned. */
export function runIdsOf(workflowId: unknown): { tuningRunId?: string; modelRunId?: string } {
  if (typeof workflowId !== 'string') return {};
  if (workflowId.startsWith(TUNING_PREFIX)) return { tuningRunId: workflowId.slice(TUNING_PREFIX.length) };
  if (workflowId.startsWith(TRAINING_PREFIX)) return { modelRunId: workflowId.slice(TRAINING_PREFIX.length) };
  return {};
}

const TEMPORAL_LEVELS: Record<TemporalLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * SDK warnings this service's design makes routine, logged at debug instead: the evaluation worker
 * (src/worker.ts) polls only activities, so the SDK notes at every start that it has no workflows.
 */
const ROUTINE_SDK_NOTICES = new Set(['No workflows registered, not polling for workflow tasks']);

/**
 * The Temporal Runtime's logger on pino: the SDK's own messages, the forwarded Core logs, and the
 * activity and workflow context loggers (whose metadata hold workflowId, activityType, ...).
 */
export class TemporalPinoLogger implements TemporalLogger {
  constructor(private readonly target: Logger) {}

  log(level: TemporalLogLevel, message: string, meta: LogMetadata = {}): void {
    const { error, ...rest } = meta;
    // The task token is an opaque blob as long as the rest of the line.
    delete rest.taskToken;
    const fields = { ...rest, ...runIdsOf(meta.workflowId), ...(error instanceof Error ? { err: error } : error !== undefined ? { error } : {}) };
    this.target[TEMPORAL_LEVELS[ROUTINE_SDK_NOTICES.has(message) ? 'DEBUG' : level]](fields, message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }

  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }

  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }

  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }

  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
