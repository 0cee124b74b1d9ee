/** Shared pieces of the OTLP/HTTP and Zipkin receivers: body parsing, limits, publishing. */
import express from 'express';
import type { ErrorRequestHandler, Request } from 'express';
import { groupByTrace } from '../model/group.ts';
import type { Retention } from '../model/retention.ts';
import type { SpanLimits } from '../model/validate.ts';
import { RawSpansDecoder } from './decode.ts';
import type { Redactor } from '../redaction/redactor.ts';
import type { RawSpansFormat, Rejection } from './types.ts';
import { PublishError } from './errors.ts';
import type { SpanPublisher } from './publisher.ts';
import { withinRetention, type Accepted } from './retention-filter.ts';
import type { Span } from '../model/span.ts';
import { createLogger } from '../util/log.ts';

export interface IngestHttpOptions {
  readonly publisher: SpanPublisher;
  readonly limits?: SpanLimits;
  /** Decompressed body limit; default 8 MiB. */
  readonly maxBodyBytes?: number;
  /** The ClickHouse TTLs: spans they would delete on arrival are rejected. Unset: no check. */
  readonly retention?: Retention;
  /** Wall clock for the retention check; injected by tests. */
  readonly nowMs?: () => number;
  /** The `redaction:` config: spans are redacted here, before they are published. */
  readonly redaction?: Redactor;
}

/** The receivers' decoder: their limits and redaction. */
export function ingestDecoder(opts: IngestHttpOptions): RawSpansDecoder {
  return new RawSpansDecoder({ ...(opts.limits ? { limits: opts.limits } : {}), ...(opts.redaction ? { redaction: opts.redaction } : {}) });
}

export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Raw bytes of any body, gunzipped/inflated by body-parser; the limit applies after inflating. */
export function rawBody(opts: IngestHttpOptions): express.RequestHandler {
  return express.raw({ type: () => true, limit: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, inflate: true });
}

export function mediaType(req: Request): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** What went wrong, as HTTP status and message; `retryAfter` in seconds for 429/503. */
export interface Failure {
  readonly status: number;
  readonly message: string;
  readonly retryAfter?: number;
}

const log = createLogger('ingest.http');

/**
 * Any error that reached an app's error handler, as a Failure: body-parser's (bad gzip or
 * deflate, a body longer than the limit or shorter than its content-length, an unknown
 * content-encoding) keep their 4xx status with a message naming the body; anything else
 * is a bug, logged, and answered 500 without its stack.
 */
export function requestFailure(err: unknown): Failure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { type?: unknown; status?: unknown; statusCode?: unknown; message?: unknown; limit?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (e.type === 'entity.too.large') return { status: 413, message: `request body exceeds ${String(e.limit ?? '')} bytes` };
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return { status: 415, message };
  if (status >= 400 && status < 500) return { status, message: `request body: ${message}` };
  log.error('request failed', {}, err);
  return { status: 500, message: 'internal error' };
}

/** Groups by trace and publishes; maps publisher pressure to 429 / 503. */
export async function publishSpans(publisher: SpanPublisher, spans: readonly Span[]): Promise<Failure | undefined> {
  try {
    await publisher.publish([...groupByTrace(spans)].map(([traceId, s]) => ({ traceId, spans: s })));
    return undefined;
  } catch (e) {
    if (e instanceof PublishError) {
      return { status: e.code === 'BACKPRESSURE' ? 429 : 503, message: e.message, retryAfter: e.retryAfterSeconds };
    }
    throw e;
  }
}

/** The partial-success message: a count and the first few reasons, each naming its field. */
export function rejectionMessage(rejected: readonly Rejection[], noneAccepted = false): string {
  const shown = rejected.slice(0, 5).map((r) => r.reason);
  const more = rejected.length > shown.length ? `; and ${rejected.length - shown.length} more` : '';
  return `${rejected.length} span(s) rejected${noneAccepted ? ', none accepted' : ''}: ${shown.join('; ')}${more}`;
}

/** A published body (`rejected` may be empty), or the failure to answer instead. */
export type IngestOutcome = { readonly ok: true; readonly rejected: readonly Rejection[] } | { readonly ok: false; readonly failure: Failure };

/**
 * Decodes, applies the retention rule and publishes one request body. A body of which no
 * span is acceptable is a 400 naming the first reasons (as OTLP and the Collector answer);
 * partial success is for bodies of which some part was accepted.
 */
export async function ingestBody(opts: IngestHttpOptions, decoder: RawSpansDecoder, body: Buffer, format: RawSpansFormat): Promise<IngestOutcome> {
  const result = decoder.decodeBytes(body, undefined, format);
  if (!result.ok) return { ok: false, failure: { status: 400, message: result.error } };
  return ingestDecoded(opts, result);
}

/** `ingestBody` after decoding: the retention rule, the none-accepted 400, publishing. */
export async function ingestDecoded(opts: IngestHttpOptions, result: Accepted): Promise<IngestOutcome> {
  const nowNs = BigInt(Math.floor((opts.nowMs ?? Date.now)())) * 1_000_000n;
  const { spans, rejected } = opts.retention ? withinRetention(result, opts.retention, nowNs) : result;
  if (spans.length === 0 && rejected.length > 0) return { ok: false, failure: { status: 400, message: rejectionMessage(rejected, true) } };
  const failure = await publishSpans(opts.publisher, spans);
  return failure ? { ok: false, failure } : { ok: true, rejected };
}

type Send = (req: Request, res: express.Response, f: Failure) => void;

/**
 * The last handlers of a receiver app: 405 for another method on `path`, 404 for any
 * other path, and every error (body-parser's or a bug) answered through `send` — never
 * Express's HTML page with a stack trace.
 */
export function finalHandlers(path: string, send: Send): [express.RequestHandler, express.RequestHandler, ErrorRequestHandler] {
  return [
    (req, res, next) => {
      if (req.path !== path) return next();
      res.set('Allow', 'POST');
      send(req, res, { status: 405, message: `${req.method} ${path}: only POST is supported` });
    },
    (req, res) => send(req, res, { status: 404, message: `no endpoint ${req.method} ${req.path} (use POST ${path})` }),
    (err, req, res, _next) => {
      if (res.headersSent) return void res.end();
      send(req, res, requestFailure(err));
    },
  ];
}
