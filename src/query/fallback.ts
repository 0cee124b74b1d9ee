import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Logger } from '../util/log.ts';
import { sendJson } from './json.ts';
import { errorMessage } from '../util/errors.ts';

/** An error's HTTP status when it carries a client-error one (http-errors, Express's URIError, serve-static). */
export function clientErrorStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { status?: unknown; statusCode?: unknown };
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

const where = (req: Request): string => `${req.method} ${req.originalUrl.split('?')[0] ?? ''}`;

/**
 * The last two handlers of an app on the query port: a JSON 404 for any unmatched route,
 * and every error that got this far (a bad percent-escape, a malformed body, a missing
 * static file, a bug) as JSON `{ error: { code, message } }` — never Express's HTML page
 * with a stack trace. Bugs are logged and answered 500 without their message.
 */
export function jsonFallbacks(log: Logger): [RequestHandler, ErrorRequestHandler] {
  return [
    (req, res) => sendJson(res, 404, { error: { code: 404, message: `no such resource: ${where(req)}` } }),
    (err, req, res, _next) => {
      if (res.headersSent) return void res.end();
      const status = clientErrorStatus(err);
      if (status === undefined) {
        log.error('request failed', { request: where(req) }, err);
        return sendJson(res, 500, { error: { code: 500, message: 'internal error' } });
      }
      const message = status === 404 ? `no such resource: ${where(req)}` : errorMessage(err);
      sendJson(res, status, { error: { code: status, message } });
    },
  ];
}
