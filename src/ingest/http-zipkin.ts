/**
 * Zipkin v2 receiver (`POST /api/v2/spans`, JSON, optionally gzip). 202 like Zipkin itself;
 * rejected spans are reported in a JSON body (Zipkin has no partial-success field); a body
 * with no acceptable span is a 400. Failures are plain-text messages, never a page.
 */
import express from 'express';
import type { Request, Response } from 'express';
import { finalHandlers, ingestBody, ingestDecoder, mediaType, rawBody, rejectionMessage, type Failure, type IngestHttpOptions } from './http-common.ts';

function sendFailure(_req: Request, res: Response, f: Failure): void {
  if (f.retryAfter !== undefined) res.set('Retry-After', String(f.retryAfter));
  res.status(f.status).type('text/plain').send(f.message);
}

/** The Zipkin app; mount it or `listen` it (default port 9411). */
export function createZipkinApp(opts: IngestHttpOptions): express.Express {
  const decoder = ingestDecoder(opts);
  const app = express();
  app.disable('x-powered-by');
  app.post(
    '/api/v2/spans',
    (req, res, next) => {
      const t = mediaType(req);
      if (t !== 'application/json') sendFailure(req, res, { status: 415, message: `unsupported content-type ${JSON.stringify(t)}: use application/json` });
      else next();
    },
    rawBody(opts),
    async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const out = await ingestBody(opts, decoder, body, 'zipkin_json');
      if (!out.ok) return sendFailure(req, res, out.failure);
      if (out.rejected.length === 0) res.status(202).end();
      else res.status(202).json({ rejectedSpans: out.rejected.length, errorMessage: rejectionMessage(out.rejected) });
    },
  );
  app.use(...finalHandlers('/api/v2/spans', sendFailure));
  return app;
}
