/**
 * OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (e.g. http://collector:4318):
 * then spans go over OTLP/HTTP to its /v1/traces (the exporter reads the OTEL_EXPORTER_OTLP_*
 * variables itself). One trace follows a request: the API's server span, the Temporal client
 * interceptor's StartWorkflow span (its context travels in the workflow's headers), the workflow's
 * spans (exported by the worker through a sink) and its activities' spans.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_SERVICE_NAME, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import type { RequestHandler } from 'express';
import { isProbe } from '../logging';
import { routeTemplate } from '../metrics';

export interface Tracing {
  /** Where the worker's workflow spans go (they are made inside the workflow sandbox). */
  processor: SpanProcessor;
  resource: Resource;
  /** Flushes the spans not yet exported. */
  shutdown(): Promise<void>;
}

/** Tracing off: spans are not recorded (the global tracer stays OpenTelemetry's no-op one). */
export const NO_TRACING: Tracing = { processor: new NoopSpanProcessor(), resource: Resource.EMPTY, shutdown: async () => {} };

/**
 * Turns tracing on for this process when OTEL_EXPORTER_OTLP_ENDPOINT is set: registers the global
 * tracer provider, the W3C trace-context propagator and the async context manager.
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()) return NO_TRACING;
  const resource = new Resource({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME?.trim() || serviceName });
  const processor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  return { processor, resource, shutdown: () => provider.shutdown() };
}

const tracer = trace.getTracer('tuning-service-api');

/**
 * A server span for each API request, continuing the caller's trace (a traceparent header) and
 * active while the request is handled, so the workflow it starts joins the trace. Named by the
 * route template once answered (httpMetrics, installed before, records it). Probes are not traced.
 */
export const traceRequests: RequestHandler = (req, res, next) => {
  if (isProbe(req.path)) return next();
  const parent = propagation.extract(context.active(), req.headers);
  const span = tracer.startSpan(
    req.method,
    { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: req.method, [ATTR_URL_PATH]: req.path } },
    parent,
  );
  res.once('finish', () => {
    const route = routeTemplate(req);
    span.updateName(`${req.method} ${route}`);
    span.setAttributes({ [ATTR_HTTP_ROUTE]: route, [ATTR_HTTP_RESPONSE_STATUS_CODE]: res.statusCode });
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(parent, span), next);
};
