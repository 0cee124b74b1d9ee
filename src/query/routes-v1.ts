import { Router, type NextFunction, type Request, type Response } from 'express';
import { invalidParam, notFound, QueryError } from './errors.ts';
import { clientErrorStatus } from './fallback.ts';
import { parseTraceId } from './ids.ts';
import { toJaegerTrace } from './jaeger-json.ts';
import type { JaegerResponse } from './jaeger-model.ts';
import { integer, parseV1Search, searchParams, single, spanKind } from './params.ts';
import type { TraceReader } from './reader.ts';
import { sendJson } from './json.ts';
import type { Logger } from '../util/log.ts';
import { errorMessage } from '../util/errors.ts';

export interface RouteDeps {
  readonly reader: TraceReader;
  /** Unix ns; injected so tests fix "now". */
  readonly nowNs: () => bigint;
  readonly log: Logger;
}

const DAY_MS = 86_400_000;

function ok<T>(res: Response, data: T, total: number, limit = 0): void {
  const body: JaegerResponse<T> = { data, total, limit, offset: 0, errors: null };
  sendJson(res, 200, body);
}

/**
 * Jaeger's classic JSON API (the one Jaeger UI and Grafana's Jaeger data source call).
 * Mistakes answer 400 / 404 in the same envelope with `errors: [{code, msg}]`.
 */
export function jaegerV1Routes(deps: RouteDeps): Router {
  const r = Router();
  const { reader } = deps;

  r.get('/api/services', async (_req, res) => {
    const services = await reader.services();
    ok(res, services, services.length);
  });

  r.get('/api/services/:service/operations', async (req, res) => {
    const names = [...new Set((await reader.operations(String(req.params['service']))).map((o) => o.name))];
    ok(res, names, names.length);
  });

  r.get('/api/operations', async (req, res) => {
    const p = searchParams(req.originalUrl);
    const service = single(p, 'service');
    if (service === undefined) throw invalidParam('service', 'is required');
    const ops = await reader.operations(service, spanKind('spanKind', single(p, 'spanKind')));
    ok(res, ops, ops.length);
  });

  r.get('/api/traces', async (req, res) => {
    const p = searchParams(req.originalUrl);
    const ids = p.getAll('traceID').filter((v) => v !== '');
    if (ids.length > 0) {
      const traces = await reader.traces(ids.map((id) => parseTraceId('traceID', id)));
      ok(res, traces.map(toJaegerTrace), traces.length);
      return;
    }
    const q = parseV1Search(p, deps.nowNs());
    const traces = await reader.search(q);
    ok(res, traces.map(toJaegerTrace), traces.length, q.limit);
  });

  r.get('/api/traces/:traceId', async (req, res) => {
    const id = parseTraceId('traceID', String(req.params['traceId']));
    const trace = await reader.trace(id);
    if (trace === undefined) throw notFound(`trace ${id}`);
    ok(res, [toJaegerTrace(trace)], 1);
  });

  r.get('/api/dependencies', async (req, res) => {
    const p = searchParams(req.originalUrl);
    const nowMs = Number(deps.nowNs() / 1_000_000n);
    const endText = single(p, 'endTs');
    const backText = single(p, 'lookback');
    const endTs = endText === undefined ? nowMs : Number(integer('endTs', endText, 0n, 253_402_300_799_000n));
    const lookback = backText === undefined ? DAY_MS : Number(integer('lookback', backText, 1n, 3_650n * BigInt(DAY_MS)));
    const links = await reader.dependencies(Math.max(0, endTs - lookback), endTs);
    ok(res, links, links.length);
  });

  r.use('/api', (req, _res, next) => next(notFound(`endpoint ${req.originalUrl.split('?')[0] ?? ''}`)));
  r.use('/api', (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = asQueryError(err, deps.log);
    const body: JaegerResponse<null> = { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: e.status, msg: e.message }] };
    sendJson(res, e.status, body);
  });
  return r;
}

/**
 * QueryErrors and Express's client errors (a bad percent-escape) keep their status;
 * anything else is logged and becomes a 500.
 */
export function asQueryError(err: unknown, log: Logger): { status: number; message: string; grpcCode: number } {
  if (err instanceof QueryError) return { status: err.status, message: err.message, grpcCode: err.status === 404 ? 5 : 3 };
  const status = clientErrorStatus(err);
  if (status !== undefined) return { status, message: errorMessage(err), grpcCode: status === 404 ? 5 : 3 };
  log.error('query failed', {}, err);
  return { status: 500, message: errorMessage(err), grpcCode: 13 };
}
