import type { ClickHouseClient } from '@clickhouse/client';
import express from 'express';

const READ_ONLY = /^\s*(select|with|show|describe|desc|explain|exists)\b/i;
const MAX_ROWS = 10_000;

/** Why a statement is refused, or undefined when it may run. */
export function refuseSql(sql: string): string | undefined {
  const body = sql.trim().replace(/;\s*$/, '');
  if (body === '') return 'empty query';
  if (!READ_ONLY.test(body)) return 'only read-only statements are allowed (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS)';
  if (/;/.test(body.replace(/'(?:[^'\\]|\\.)*'/g, "''"))) return 'one statement per request';
  if (/\b(into\s+outfile|settings)\b/i.test(body)) return 'INTO OUTFILE and SETTINGS are not allowed here';
  return undefined;
}

/**
 * `POST /sql` (body: the query as text, or JSON `{ "query": "..." }`): read-only SQL over the
 * tailstream tables while the pipeline runs, answered as JSON rows (at most 10 000).
 */
export function sqlEndpoint(client: ClickHouseClient): express.Router {
  const router = express.Router();
  // Any body that is not JSON is the query text (so `curl --data '...'` works as typed).
  const isJson = (req: { headers: { 'content-type'?: string } }) => (req.headers['content-type'] ?? '').includes('json');
  router.post('/sql', express.text({ type: (req) => !isJson(req), limit: '256kb' }), express.json({ limit: '256kb' }), async (req, res) => {
    const body: unknown = req.body;
    const sql = typeof body === 'string' ? body : typeof body === 'object' && body !== null && typeof (body as { query?: unknown }).query === 'string' ? (body as { query: string }).query : undefined;
    if (sql === undefined) {
      res.status(400).json({ error: 'send the query as a text/plain body or as JSON {"query": "..."}' });
      return;
    }
    const refused = refuseSql(sql);
    if (refused) {
      res.status(400).json({ error: refused });
      return;
    }
    const body2 = sql.trim().replace(/;\s*$/, '');
    const limited = /^\s*(select|with)\b/i.test(body2) ? `SELECT * FROM (${body2}) LIMIT ${MAX_ROWS + 1}` : body2;
    try {
      const started = Date.now();
      const rows = await (await client.query({ query: limited, format: 'JSONEachRow' })).json<Record<string, unknown>>();
      res.json({ rows: rows.slice(0, MAX_ROWS), truncated: rows.length > MAX_ROWS, elapsedMs: Date.now() - started });
    } catch (err) {
      res.status(400).json({ error: (err as Error).message });
    }
  });
  return router;
}
