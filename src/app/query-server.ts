import type { ClickHouseClient } from '@clickhouse/client';
import express from 'express';
import { listen, type Listening } from '../ingest/server.ts';
import type { MetricsRegistry } from '../metrics/registry.ts';
import type { Health } from '../streams/progress-monitor.ts';
import { createQueryApp } from '../query/app.ts';
import type { RecordDecoder } from '../query/blob-reads.ts';
import { jsonFallbacks } from '../query/fallback.ts';
import { createLogger } from '../util/log.ts';
import { sqlEndpoint } from './sql-endpoint.ts';
import type { RemoteSampling } from '../sampling/remote/provider.ts';
import { samplingRouter } from './sampling-routes.ts';
import { SqlSession, type SqlSessionOptions } from './sql/session.ts';
import { errorMessage } from '../util/errors.ts';

export interface QueryServerOptions {
  readonly clickhouse: ClickHouseClient;
  readonly database: string;
  /** Decoder of the stored sampled-spans records (the pipeline's serde: its schema registry). */
  readonly decodeRecord?: RecordDecoder;
  readonly registry: MetricsRegistry;
  readonly port: number;
  readonly host: string;
  /** `POST /sql`: its own engine connection and limits, and the token it requires if any. */
  readonly sql: SqlSessionOptions & { readonly token: string | undefined };
  /** The pipeline's health besides ClickHouse's (failed or stalled tasks). */
  readonly health?: () => Health;
  /** Jaeger's `GET /api/sampling?service=` (head-sampling strategies). */
  readonly remoteSampling?: RemoteSampling;
}

/** Port 16686 (Jaeger's): the Jaeger-compatible query API and UI, read-only SQL, Prometheus metrics and health. */
export async function startQueryServer(opts: QueryServerOptions): Promise<Listening> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', async (_req, res) => {
    const pipeline = opts.health?.() ?? { healthy: true };
    if (!pipeline.healthy) {
      res.status(503).json({ status: 'pipeline unhealthy', error: pipeline.reason });
      return;
    }
    try {
      await opts.clickhouse.query({ query: 'SELECT 1', format: 'JSONEachRow' });
      res.json({ status: 'ok' });
    } catch (err) {
      res.status(503).json({ status: 'clickhouse unavailable', error: errorMessage(err) });
    }
  });
  app.get('/metrics', (_req, res) => {
    res.type('text/plain; version=0.0.4').send(opts.registry.exposition());
  });
  const session = new SqlSession(opts.sql);
  app.use(sqlEndpoint({ session, token: opts.sql.token }));
  if (opts.remoteSampling) app.use(samplingRouter(opts.remoteSampling, '/api/sampling'));
  app.use(createQueryApp({ client: opts.clickhouse, database: opts.database, ...(opts.decodeRecord ? { traces: { decodeRecord: opts.decodeRecord } } : {}) }));
  // Errors of /sql (a malformed JSON body) and of anything else mounted here: JSON, no stack.
  app.use(...jsonFallbacks(createLogger('query-server')));
  const listening = await listen(app, opts.port, opts.host).catch(async (err: unknown) => {
    await session.close();
    throw err;
  });
  return {
    ...listening,
    close: async () => {
      await listening.close();
      await session.close();
    },
  };
}
