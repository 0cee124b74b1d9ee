import { Router, type NextFunction, type Request, type Response } from 'express';
import type { JaegerResponse } from './jaeger-model.ts';
import { sendJson } from './json.ts';
import { metricFamily } from './metrics-json.ts';
import { MIN_STEP_MS, parseMetricsQuery, parseQuantile } from './metrics-params.ts';
import { readMetricSeries } from './metrics-reader.ts';
import type { MetricRequest } from './metrics-series.ts';
import { searchParams } from './params.ts';
import type { QueryClient } from './reader.ts';
import { asQueryError, type RouteDeps } from './routes-v1.ts';

export interface MetricsRouteDeps extends RouteDeps {
  readonly client: QueryClient;
  /** false: every metrics endpoint answers 501, as Jaeger does without a metrics backend. */
  readonly enabled: boolean;
}

/** Jaeger's message for a query service without a metrics store. */
export const METRICS_DISABLED = 'trace metrics are currently disabled - no metrics backend configured';

function jaegerError(res: Response, status: number, msg: string): void {
  const body: JaegerResponse<null> = { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: status, msg }] };
  sendJson(res, status, body);
}

/**
 * Jaeger's Monitor (SPM) API from our exact, pre-sampling span metrics:
 * `/api/metrics/{latencies,calls,errors}` answer a MetricFamily, `/api/metrics/minstep`
 * the smallest step in ms (Jaeger served it until v2.18). Errors use the classic envelope.
 */
export function metricsRoutes(deps: MetricsRouteDeps): Router {
  const r = Router();
  r.use('/api/metrics', (_req, res, next) => (deps.enabled ? next() : jaegerError(res, 501, METRICS_DISABLED)));

  const family = (req: Request, res: Response, what: (p: URLSearchParams) => MetricRequest): Promise<void> => {
    const p = searchParams(req.originalUrl);
    const metric = what(p);
    const q = parseMetricsQuery(p, Number(deps.nowNs() / 1_000_000n));
    return readMetricSeries(deps.client, q).then((series) => sendJson(res, 200, metricFamily(q, metric, series)));
  };
  r.get('/api/metrics/latencies', (req, res) => family(req, res, (p) => ({ metric: 'latencies', quantile: parseQuantile(p) })));
  r.get('/api/metrics/calls', (req, res) => family(req, res, () => ({ metric: 'calls' })));
  r.get('/api/metrics/errors', (req, res) => family(req, res, () => ({ metric: 'errors' })));
  r.get('/api/metrics/minstep', (_req, res) => {
    const body: JaegerResponse<number> = { data: MIN_STEP_MS, total: 0, limit: 0, offset: 0, errors: null };
    sendJson(res, 200, body);
  });

  r.use('/api/metrics', (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = asQueryError(err, deps.log);
    jaegerError(res, e.status, e.status === 500 ? 'internal error' : e.message);
  });
  return r;
}
