/**
 * OTLP/HTTP trace receiver (`POST /v1/traces`, protobuf or JSON, optionally gzip), with the
 * spec's responses: 200 + ExportTraceServiceResponse (partialSuccess when spans were
 * rejected), 400 + google.rpc.Status (also when no span was acceptable), 413, 415, and
 * 429 / 503 with Retry-After. Every failure, 404 and 500 included, is a Status.
 */
import express from 'express';
import type { Request, Response } from 'express';
import { ExportTraceServiceResponse, RpcStatus } from './otlp-descriptor.ts';
import { finalHandlers, ingestBody, ingestDecoder, mediaType, rawBody, rejectionMessage, type Failure, type IngestHttpOptions } from './http-common.ts';

const PROTO = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
/** google.rpc.Code for each HTTP status we send. */
const RPC_CODE: Readonly<Record<number, number>> = { 400: 3, 404: 5, 405: 12, 413: 3, 415: 3, 429: 8, 503: 14, 500: 13 };

function sendFailure(req: Request, res: Response, f: Failure): void {
  if (f.retryAfter !== undefined) res.set('Retry-After', String(f.retryAfter));
  const status = { code: RPC_CODE[f.status] ?? 2, message: f.message };
  if (mediaType(req) === PROTO) res.status(f.status).type(PROTO).send(Buffer.from(RpcStatus.encode(status).finish()));
  else res.status(f.status).type(JSON_TYPE).send(JSON.stringify(status));
}

function sendSuccess(req: Request, res: Response, rejectedSpans: number, errorMessage: string): void {
  const proto = mediaType(req) === PROTO;
  const partialSuccess = rejectedSpans > 0 ? { rejectedSpans, errorMessage } : undefined;
  if (proto) {
    const msg = partialSuccess ? { partialSuccess: { rejectedSpans: { low: rejectedSpans, high: 0 }, errorMessage } } : {};
    res.status(200).type(PROTO).send(Buffer.from(ExportTraceServiceResponse.encode(msg).finish()));
  } else {
    // ProtoJSON writes int64 as a string.
    const body = partialSuccess ? { partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } } : {};
    res.status(200).type(JSON_TYPE).send(JSON.stringify(body));
  }
}

/** The OTLP/HTTP app; mount it or `listen` it (default port 4318). */
export function createOtlpHttpApp(opts: IngestHttpOptions): express.Express {
  const decoder = ingestDecoder(opts);
  const app = express();
  app.disable('x-powered-by');
  app.post(
    '/v1/traces',
    (req, res, next) => {
      const t = mediaType(req);
      if (t !== PROTO && t !== JSON_TYPE) sendFailure(req, res, { status: 415, message: `unsupported content-type ${JSON.stringify(t)}: use ${PROTO} or ${JSON_TYPE}` });
      else next();
    },
    rawBody(opts),
    async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const out = await ingestBody(opts, decoder, body, mediaType(req) === PROTO ? 'otlp_proto' : 'otlp_json');
      if (!out.ok) return sendFailure(req, res, out.failure);
      sendSuccess(req, res, out.rejected.length, out.rejected.length > 0 ? rejectionMessage(out.rejected) : '');
    },
  );
  app.use(...finalHandlers('/v1/traces', sendFailure));
  return app;
}
