import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ClickHouseSinkError } from './errors.ts';

/**
 * The SQL people run (sql/queries/*.sql), loaded by name so the query API and the docs
 * share one text. Tables are unqualified: openClickHouse makes the sink database the
 * default. Parameters use ClickHouse's `{name:Type}` binding — pass `query_params`.
 */
export const QUERY_NAMES = [
  'trace_by_id',
  'trace_spans_by_id',
  'slowest_traces',
  'error_traces',
  'operation_latency',
  'service_graph',
  'traces_by_attribute',
] as const;
export type QueryName = (typeof QUERY_NAMES)[number];

const DIR = fileURLToPath(new URL('../../sql/queries/', import.meta.url));
const cache = new Map<QueryName, string>();

export function loadQuery(name: QueryName): string {
  let sql = cache.get(name);
  if (sql === undefined) {
    if (!(QUERY_NAMES as readonly string[]).includes(name)) throw new ClickHouseSinkError('INVALID_ARGUMENT', `unknown query ${JSON.stringify(name)}`);
    sql = readFileSync(`${DIR}/${name}.sql`, 'utf8').replace(/;\s*$/, '');
    cache.set(name, sql);
  }
  return sql;
}
