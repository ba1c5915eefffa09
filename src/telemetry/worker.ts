/**
 * The worker's side of logs, metrics and traces in Temporal's terms: the Runtime (its logger on
 * pino, Core's logs forwarded to it, the SDK's own metrics for Prometheus) and the OpenTelemetry
 * interceptors and sink that carry a trace from the workflow's headers into its activities.
 */
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { Runtime, type WorkerOptions } from '@temporalio/worker';
import { logger, TemporalPinoLogger } from '../logging';
import { portFromEnv } from '../metrics';
import type { Tracing } from './tracing';

/**
 * Workflow interceptor modules: bundled with the workflows (a prebuilt bundle must be made with
 * `bundleWorkflowCode({ workflowInterceptorModules })` too). They continue the caller's trace and
 * export their spans through the worker's `exporter` sink, which drops them when tracing is off.
 */
export const workflowInterceptorModules = [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

/**
 * Worker options for tracing: the activity interceptors, the workflow span sink, and the workflow
 * interceptor modules when the worker bundles its workflows itself (a prebuilt bundle has them).
 */
export function tracingWorkerOptions(tracing: Tracing, prebuiltBundle: boolean): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  return {
    interceptors: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
      ...(prebuiltBundle ? {} : { workflowModules: workflowInterceptorModules }),
    },
    sinks: { exporter: makeWorkflowExporter(tracing.processor, tracing.resource) },
  };
}

/**
 * TEMPORAL_SDK_METRICS_PORT: where the SDK's own worker metrics (temporal_* : task slots, poll and
 * schedule-to-start latencies, sticky cache, ...) are served for Prometheus, at /metrics.
 */
export const temporalSdkMetricsPort = (env: NodeJS.ProcessEnv = process.env) => portFromEnv('TEMPORAL_SDK_METRICS_PORT', env);

/**
 * Installs the process's Temporal Runtime; must run before the first NativeConnection. Core's
 * warnings and errors are forwarded to pino too, instead of its own stderr output.
 */
export function installWorkerRuntime(env: NodeJS.ProcessEnv = process.env): void {
  const metricsPort = temporalSdkMetricsPort(env);
  Runtime.install({
    logger: new TemporalPinoLogger(logger.child({ component: 'temporal' })),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(metricsPort === undefined
        ? {}
        : { metrics: { prometheus: { bindAddress: `0.0.0.0:${metricsPort}`, countersTotalSuffix: true, useSecondsForDurations: true } } }),
    },
  });
}
