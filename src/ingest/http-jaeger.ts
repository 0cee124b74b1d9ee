/**
 * Jaeger collector's Thrift-over-HTTP receiver (`POST /api/traces`, a binary-protocol
 * jaeger.thrift Batch, content-type `application/x-thrift` or
 * `application/vnd.apache.thrift.binary`; port 14268 by convention). 202 like Jaeger's
 * collector; rejected spans are reported in a JSON body (Jaeger has no partial-success
 * field); a body that cannot be read, or of which no span is acceptable, is a 400 naming
 * the field. Failures are plain-text messages, never a page.
 */
import express from 'express';
import type { Request, Response } from 'express';
import { finalHandlers, ingestDecoded, mediaType, rawBody, rejectionMessage, type Failure, type IngestHttpOptions } from './http-common.ts';
import { decodeJaegerBatch } from './jaeger/decode.ts';

const THRIFT_TYPES = new Set(['application/x-thrift', 'application/vnd.apache.thrift.binary']);

function sendFailure(_req: Request, res: Response, f: Failure): void {
  if (f.retryAfter !== undefined) res.set('Retry-After', String(f.retryAfter));
  res.status(f.status).type('text/plain').send(f.message);
}

/** The Jaeger collector app; mount it or `listen` it (default port 14268). */
export function createJaegerCollectorApp(opts: IngestHttpOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.post(
    '/api/traces',
    (req, res, next) => {
      const t = mediaType(req);
      const format = req.query['format'];
      if (format !== undefined && format !== 'jaeger.thrift') sendFailure(req, res, { status: 400, message: `format ${JSON.stringify(format)}: only jaeger.thrift is supported` });
      else if (!THRIFT_TYPES.has(t)) sendFailure(req, res, { status: 415, message: `unsupported content-type ${JSON.stringify(t)}: use application/x-thrift (a binary-protocol jaeger.thrift Batch)` });
      else next();
    },
    rawBody(opts),
    async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const decoded = decodeJaegerBatch(body, opts.limits, opts.redaction);
      if (!decoded.ok) return sendFailure(req, res, { status: 400, message: decoded.error });
      const out = await ingestDecoded(opts, decoded);
      if (!out.ok) return sendFailure(req, res, out.failure);
      if (out.rejected.length === 0) res.status(202).end();
      else res.status(202).json({ rejectedSpans: out.rejected.length, errorMessage: rejectionMessage(out.rejected) });
    },
  );
  app.use(...finalHandlers('/api/traces', sendFailure));
  return app;
}
