import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { DURATION_BOUNDS_MS } from '../edges/histogram.ts';
import { createLogger } from '../util/log.ts';
import { ClickHouseSinkError } from './errors.ts';
import { assertIdentifier, renderTemplate, splitStatements, ttlClause } from './template.ts';
import { errorMessage } from '../util/errors.ts';

/** Retention and naming knobs of the schema; every field has a default that works embedded. */
export interface MigrateOptions {
  /** Database holding every table (default `tailstream`). */
  readonly database?: string;
  /** Days to keep spans of traces without an error (default 7; 0 = forever). */
  readonly spansTtlDays?: number;
  /** Days to keep spans of traces with an error (default 30; 0 = forever). */
  readonly errorTtlDays?: number;
  /** Days to keep per-minute edges and span metrics (default 7; 0 = forever). */
  readonly minuteTtlDays?: number;
  /** Days to keep hourly rollups (default 90; 0 = forever). */
  readonly hourTtlDays?: number;
  /** Days to keep daily rollups (default 0 = forever). */
  readonly dayTtlDays?: number;
  /** Folder of `NNN_name.sql` files (default: the repository's sql/migrations). */
  readonly dir?: string;
}

export interface MigrationFile {
  readonly version: number;
  readonly name: string;
  readonly text: string;
  readonly checksum: string;
}

export interface MigrationReport {
  readonly applied: readonly number[];
  readonly alreadyApplied: readonly number[];
}

const DEFAULT_DIR = fileURLToPath(new URL('../../sql/migrations/', import.meta.url));
const log = createLogger('sink.migrate');

/** Migration files in version order; names must look like `001_spans.sql`. */
export async function loadMigrations(dir: string = DEFAULT_DIR): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: MigrationFile[] = [];
  for (const f of files) {
    const m = /^(\d+)_([a-z0-9_]+)\.sql$/.exec(f);
    if (!m) throw new ClickHouseSinkError('INVALID_ARGUMENT', `migration file ${f} is not named NNN_name.sql`);
    const text = await readFile(`${dir}/${f}`, 'utf8');
    out.push({ version: Number(m[1]), name: m[2] as string, text, checksum: createHash('sha256').update(text).digest('hex') });
  }
  return out;
}

/** The template variables every migration may use, derived once from the options. */
export function migrationVars(opts: MigrateOptions = {}): Record<string, string> {
  const db = assertIdentifier(opts.database ?? 'tailstream', 'database');
  const spans = days(opts.spansTtlDays, 7);
  const errors = days(opts.errorTtlDays, 30);
  const traceRules = [
    { days: spans, where: 'NOT trace_error' },
    { days: errors, where: 'trace_error' },
  ];
  // trace_id_ts must outlive every span it points to: the longer retention, or none.
  const lookupDays = spans === 0 || errors === 0 ? 0 : Math.max(spans, errors);
  return {
    db,
    duration_bounds_ms: `CAST([${DURATION_BOUNDS_MS.map((b) => b.toString()).join(', ')}], 'Array(Float64)')`,
    spans_ttl: ttlClause('toDateTime(start_time)', traceRules),
    traces_ttl: ttlClause('toDateTime(start_time)', traceRules),
    trace_id_ts_ttl: ttlClause('toDateTime(end)', [{ days: lookupDays }]),
    minute_ttl: ttlClause('window_start', [{ days: days(opts.minuteTtlDays, 7) }]),
    hour_ttl: ttlClause('window_start', [{ days: days(opts.hourTtlDays, 90) }]),
    day_ttl: ttlClause('window_start', [{ days: days(opts.dayTtlDays, 0) }]),
  };
}

/**
 * Bring the database to the newest schema: apply, in version order, every migration not
 * yet recorded in `schema_migrations`, recording each after all its statements ran.
 * Idempotent, and safe to re-run after a crash mid-migration because every statement is
 * written `IF NOT EXISTS`. A recorded migration whose file changed is refused
 * (MIGRATION_CHANGED): write a new migration instead of editing an applied one.
 * Not safe against two processes migrating the same database concurrently.
 */
export async function migrate(client: Pick<ClickHouseClient, 'command' | 'query' | 'insert'>, opts: MigrateOptions = {}): Promise<MigrationReport> {
  const vars = migrationVars(opts);
  const db = vars['db'] as string;
  const files = await loadMigrations(opts.dir);
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations
      (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
      ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const rs = await client.query({ query: `SELECT version, argMax(checksum, applied_at) AS checksum FROM ${db}.schema_migrations GROUP BY version`, format: 'JSONEachRow' });
  const recorded = new Map((await rs.json<{ version: number; checksum: string }>()).map((r) => [Number(r.version), r.checksum]));

  const applied: number[] = [];
  const alreadyApplied: number[] = [];
  for (const file of files) {
    const seen = recorded.get(file.version);
    if (seen !== undefined) {
      if (seen !== file.checksum) throw new ClickHouseSinkError('MIGRATION_CHANGED', `migration ${file.version}_${file.name} changed after it was applied to ${db}`);
      alreadyApplied.push(file.version);
      continue;
    }
    for (const stmt of splitStatements(renderTemplate(file.text, vars))) {
      try {
        await client.command({ query: stmt });
      } catch (err) {
        throw new ClickHouseSinkError('MIGRATION_FAILED', `migration ${file.version}_${file.name} failed: ${errorMessage(err)}`, { cause: err });
      }
    }
    await client.insert({ table: `${db}.schema_migrations`, values: [{ version: file.version, name: file.name, checksum: file.checksum }], format: 'JSONEachRow' });
    log.info('applied migration', { database: db, version: file.version, name: file.name });
    applied.push(file.version);
  }
  return { applied, alreadyApplied };
}

function days(v: number | undefined, dflt: number): number {
  const d = v ?? dflt;
  if (!Number.isInteger(d) || d < 0) throw new ClickHouseSinkError('INVALID_ARGUMENT', `TTL days must be a non-negative integer, got ${String(v)}`);
  return d;
}
