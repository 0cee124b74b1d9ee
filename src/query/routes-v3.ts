import { Router, type NextFunction, type Request, type Response } from 'express';
import { invalidParam, notFound } from './errors.ts';
import { parseTraceId } from './ids.ts';
import { sendJson } from './json.ts';
import { toResourceSpans } from '../model/otlp-json.ts';
import { parseV3Search, searchParams, single, spanKind } from './params.ts';
import { asQueryError, type RouteDeps } from './routes-v1.ts';

const STATUS_TEXT: Readonly<Record<number, string>> = { 400: 'Bad Request', 404: 'Not Found', 500: 'Internal Server Error' };

/**
 * Jaeger's api_v3 over HTTP (its grpc-gateway mapping): OTLP/JSON traces under
 * `result.resourceSpans`, errors as `{ error: { grpcCode, httpCode, message, httpStatus } }`.
 */
export function jaegerV3Routes(deps: RouteDeps): Router {
  const r = Router();
  const { reader } = deps;

  r.get('/api/v3/services', async (_req, res) => {
    sendJson(res, 200, { services: await reader.services() });
  });

  r.get('/api/v3/operations', async (req, res) => {
    const p = searchParams(req.originalUrl);
    const service = single(p, 'service');
    if (service === undefined) throw invalidParam('service', 'is required');
    const ops = await reader.operations(service, spanKind('span_kind', single(p, 'span_kind')));
    sendJson(res, 200, { operations: ops });
  });

  r.get('/api/v3/traces/:traceId', async (req, res) => {
    const id = parseTraceId('trace_id', String(req.params['traceId']));
    const trace = await reader.trace(id);
    if (trace === undefined) throw notFound(`trace ${id}`);
    sendJson(res, 200, { result: { resourceSpans: toResourceSpans(trace.spans.map((s) => s.span)) } });
  });

  r.get('/api/v3/traces', async (req, res) => {
    const traces = await reader.search(parseV3Search(searchParams(req.originalUrl)));
    sendJson(res, 200, { result: { resourceSpans: traces.flatMap((t) => toResourceSpans(t.spans.map((s) => s.span))) } });
  });

  r.use('/api/v3', (_req, _res, next) => next(notFound('endpoint')));
  r.use('/api/v3', (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = asQueryError(err, deps.log);
    sendJson(res, e.status, { error: { grpcCode: e.grpcCode, httpCode: e.status, message: e.message, httpStatus: STATUS_TEXT[e.status] ?? '' } });
  });
  return r;
}
