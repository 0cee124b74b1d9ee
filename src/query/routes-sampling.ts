import type { ClickHouseClient } from '@clickhouse/client';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../util/log.ts';
import { asQueryError } from './routes-v1.ts';
import { invalidParam } from './errors.ts';
import { sendJson } from './json.ts';
import { searchParams, single } from './params.ts';
import { readDecisionBuckets, type StepMs } from './sampling-stats-sql.ts';
import { summarizeSamplingStats } from './sampling-stats.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const MAX_MS = 253_402_300_799_000; // 9999-12-31T23:59:59Z

/** ms since the epoch, or an ISO-8601 date-time. */
function instant(name: string, text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_MS) throw invalidParam(name, `expected ms since the epoch or an ISO-8601 time, got ${JSON.stringify(text)}`);
  return ms;
}

/** Minute rows up to 6 h, hour rollups up to 14 days, day rollups beyond. */
const stepFor = (rangeMs: number): StepMs => (rangeMs <= 6 * HOUR ? 60_000 : rangeMs <= 14 * DAY ? HOUR : DAY);

/**
 * `GET /api/sampling/stats?from=&to=&service=&policy=`: what sampling decided over [from, to)
 * (default the last hour), from `sampling_decisions` and its rollups; the range is widened
 * to whole buckets of the resolution it picks.
 */
export function samplingRoutes(deps: { readonly client: ClickHouseClient; readonly nowNs: () => bigint; readonly log: Logger }): Router {
  const r = Router();
  r.get('/api/sampling/stats', async (req, res) => {
    const p = searchParams(req.originalUrl);
    const toText = single(p, 'to');
    const fromText = single(p, 'from');
    const to = toText === undefined ? Number(deps.nowNs() / 1_000_000n) : instant('to', toText);
    const from = fromText === undefined ? Math.max(0, to - HOUR) : instant('from', fromText);
    if (from >= to) throw invalidParam('from', 'must be before to');
    const stepMs = stepFor(to - from);
    const fromMs = Math.floor(from / stepMs) * stepMs;
    const toMs = Math.ceil(to / stepMs) * stepMs;
    const q = { fromMs, toMs, stepMs, service: single(p, 'service') ?? '', policy: single(p, 'policy') ?? '' };
    const rows = await readDecisionBuckets(deps.client, q);
    sendJson(res, 200, { data: summarizeSamplingStats(rows, q), total: rows.length, limit: 0, offset: 0, errors: null });
  });
  // Errors in the envelope of the other /api endpoints.
  r.use('/api/sampling', (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = asQueryError(err, deps.log);
    sendJson(res, e.status, { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: e.status, msg: e.message }] });
  });
  return r;
}
