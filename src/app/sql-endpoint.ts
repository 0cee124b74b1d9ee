import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { SqlSession } from './sql/session.ts';
import { errorMessage } from '../util/errors.ts';

export interface SqlEndpointOptions {
  readonly session: SqlSession;
  /** Set → every request needs `Authorization: Bearer <token>`; unset → loopback clients only. */
  readonly token: string | undefined;
}

/**
 * `POST /sql` (body: the query as text, or JSON `{ "query": "..." }`): one read-only SELECT
 * over the tailstream tables while the pipeline runs, answered as JSON rows. What may run and
 * under which limits is sql/guard.ts and sql/limits.ts; every refusal is a 4xx with a JSON
 * `error` naming why.
 */
export function sqlEndpoint(opts: SqlEndpointOptions): express.Router {
  const router = express.Router();
  // Any body that is not JSON is the query text (so `curl --data '...'` works as typed).
  const isJson = (req: { headers: { 'content-type'?: string } }) => (req.headers['content-type'] ?? '').includes('json');
  router.post('/sql', (req, res, next) => {
    const denied = deny(req, opts.token);
    if (denied) res.status(denied.status).json({ error: denied.error });
    else next();
  });
  router.post('/sql', express.text({ type: (req) => !isJson(req), limit: '256kb' }), express.json({ limit: '256kb' }), async (req, res) => {
    const sql = queryText(req.body);
    if (sql === undefined) {
      res.status(400).json({ error: 'send the query as a text/plain body or as JSON {"query": "..."}' });
      return;
    }
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const outcome = await opts.session.run(sql, gone.signal);
    if (res.writableEnded || gone.signal.aborted) return;
    if (outcome.ok) res.json({ rows: outcome.rows, truncated: outcome.truncated, elapsedMs: outcome.elapsedMs });
    else res.status(outcome.status).json({ error: outcome.error, ...(outcome.code ? { code: outcome.code } : {}) });
  });
  // Body-parser failures (bad JSON, too large) answer JSON, not Express's HTML page.
  router.use('/sql', (err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: unknown }).status;
    res.status(typeof status === 'number' && status >= 400 && status < 500 ? status : 400).json({ error: `request body: ${errorMessage(err)}` });
  });
  return router;
}

function queryText(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (typeof body === 'object' && body !== null && typeof (body as { query?: unknown }).query === 'string') return (body as { query: string }).query;
  return undefined;
}

/** A token is required when configured; without one, only clients on this machine may query. */
function deny(req: express.Request, token: string | undefined): { status: 401 | 403; error: string } | undefined {
  if (token === undefined) {
    return isLoopback(req.socket.remoteAddress)
      ? undefined
      : { status: 403, error: '/sql answers clients on this machine only; set SQL_TOKEN to open it to the network (with Authorization: Bearer <token>)' };
  }
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  return m && sameSecret(m[1] ?? '', token) ? undefined : { status: 401, error: '/sql needs Authorization: Bearer <SQL_TOKEN>' };
}

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || /^(::ffff:)?127\./.test(address));
}

function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
