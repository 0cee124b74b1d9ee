import { fileURLToPath } from 'node:url';
import express from 'express';
import type { ClickHouseClient } from '@clickhouse/client';
import { assertIdentifier } from '../clickhouse/template.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { jsonFallbacks } from './fallback.ts';
import { TraceReader, type TraceReaderOptions } from './reader.ts';
import { metricsRoutes } from './routes-metrics.ts';
import { jaegerV1Routes } from './routes-v1.ts';
import { jaegerV3Routes } from './routes-v3.ts';
import { samplingRoutes } from './routes-sampling.ts';

export interface QueryAppOptions {
  /** Its default database must be `database` (openClickHouse sets it): the SQL names tables unqualified. */
  readonly client: ClickHouseClient;
  readonly database: string;
  /** Unix ns, for default time ranges; default the wall clock. */
  readonly nowNs?: () => bigint;
  readonly log?: Logger;
  /** Serve Jaeger's Monitor API from span metrics (default true); false answers 501 as Jaeger does without a metrics store. */
  readonly spanMetrics?: boolean;
  /** Where whole traces are read from and how stored records are decoded (see TraceReader). */
  readonly traces?: TraceReaderOptions;
}

const UI_DIR = fileURLToPath(new URL('./ui/', import.meta.url));

/**
 * The query service: Jaeger's classic JSON API (/api/...), its Monitor API (/api/metrics/...),
 * Jaeger's api_v3 (/api/v3/...)
 * and the web UI (/ and /static/...), all reading the ClickHouse tables the sink writes.
 * Mounted by the lead on port 16686 beside /metrics, /healthz and /sql.
 */
export function createQueryApp(opts: QueryAppOptions): express.Express {
  assertIdentifier(opts.database, 'database');
  const deps = {
    reader: new TraceReader(opts.client, opts.traces),
    nowNs: opts.nowNs ?? ((): bigint => BigInt(Date.now()) * 1_000_000n),
    log: opts.log ?? createLogger('query'),
  };
  const app = express();
  app.disable('x-powered-by');
  app.use(jaegerV3Routes(deps));
  app.use(metricsRoutes({ ...deps, client: opts.client, enabled: opts.spanMetrics ?? true }));
  app.use(samplingRoutes({ client: opts.client, nowNs: deps.nowNs, log: deps.log }));
  app.use(jaegerV1Routes(deps));
  app.use('/static', express.static(UI_DIR, { index: false, fallthrough: false }));
  app.get(['/', '/search', '/map', '/sampling'], (_req, res) => res.sendFile('index.html', { root: UI_DIR }));
  // Jaeger's trace links (/trace/<id>) open the trace view.
  app.get('/trace/:traceId', (req, res) => res.redirect(302, `/#/trace/${encodeURIComponent(String(req.params['traceId']))}`));
  app.use(...jsonFallbacks(deps.log));
  return app;
}
