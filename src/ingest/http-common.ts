/** Shared pieces of the OTLP/HTTP and Zipkin receivers: body parsing, limits, publishing. */
import express from 'express';
import type { ErrorRequestHandler, Request } from 'express';
import { groupByTrace } from '../model/group.ts';
import type { SpanLimits } from '../model/validate.ts';
import type { Rejection } from './types.ts';
import { PublishError } from './errors.ts';
import type { SpanPublisher } from './publisher.ts';
import type { Span } from '../model/span.ts';

export interface IngestHttpOptions {
  readonly publisher: SpanPublisher;
  readonly limits?: SpanLimits;
  /** Decompressed body limit; default 8 MiB. */
  readonly maxBodyBytes?: number;
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

/** body-parser's errors → 413 (too large), 415 (unknown content-encoding) or 400 (bad gzip etc.). */
export function bodyParserFailure(err: unknown): Failure | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err)) return undefined;
  const e = err as { type: unknown; status?: number; message?: string; limit?: number };
  if (e.type === 'entity.too.large') return { status: 413, message: `request body exceeds ${e.limit ?? ''} bytes` };
  if (e.type === 'encoding.unsupported') return { status: 415, message: e.message ?? 'unsupported content-encoding' };
  return { status: e.status ?? 400, message: e.message ?? 'malformed request body' };
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
export function rejectionMessage(rejected: readonly Rejection[]): string {
  const shown = rejected.slice(0, 5).map((r) => r.reason);
  const more = rejected.length > shown.length ? `; and ${rejected.length - shown.length} more` : '';
  return `${rejected.length} span(s) rejected: ${shown.join('; ')}${more}`;
}

/** Turns a body-parser error into a response through `send`, or passes it on. */
export function bodyErrorHandler(send: (req: Request, res: express.Response, f: Failure) => void): ErrorRequestHandler {
  return (err, req, res, next) => {
    const f = bodyParserFailure(err);
    if (f) send(req, res, f);
    else next(err);
  };
}
