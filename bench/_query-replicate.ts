import type { ClickHouseClient } from '@clickhouse/client';

/**
 * Grows a loaded query-bench data set to `copies` times its size inside ClickHouse: each
 * copy k re-inserts the original spans and trace_blobs rows with trace ids rewritten
 * (a hash of the id and k, still 32 hex chars) and times moved k hours later, so copies
 * share no trace id and sit in other granules of `spans`; the views fill traces and
 * trace_id_ts as for any insert. The record bytes inside trace_blobs are the originals
 * (their spans carry the original ids), which costs the same to store and read. Used
 * because the writer path loads ~1-5 k spans/s on the shared 2-core machine.
 */
export async function replicate(client: ClickHouseClient, copies: number, progress: (msg: string) => void): Promise<void> {
  const id = (k: number) => `concat(lower(hex(reinterpretAsFixedString(cityHash64(trace_id, ${k})))), substring(trace_id, 17))`;
  const shift = (col: string, k: number) => `${col} + toIntervalHour(${k})`;
  const spanCols = await columns(client, 'spans');
  // The originals are filtered in a subquery: in one SELECT the moved start_time alias would shadow the column in WHERE.
  for (let k = 1; k < copies; k++) {
    const select = spanCols.map((c) => (c === 'trace_id' ? `${id(k)} AS trace_id` : c === 'start_time' || c === 'end_time' ? `${shift(c, k)} AS ${c}` : c === 'events.time' ? `arrayMap(t -> ${shift('t', k)}, \`events.time\`) AS \`events.time\`` : `\`${c}\``));
    await client.command({ query: `INSERT INTO spans (${spanCols.map((c) => `\`${c}\``).join(', ')}) SELECT ${select.join(', ')} FROM (SELECT * FROM spans WHERE start_time < (SELECT min(start_time) FROM spans) + toIntervalHour(1))` });
    await client.command({
      query: `INSERT INTO trace_blobs (trace_id, start_time, end_time, span_count, late, trace_error, record)
              SELECT ${id(k)}, ${shift('start_time', k)}, ${shift('end_time', k)}, span_count, late, trace_error, record FROM trace_blobs WHERE start_time < (SELECT min(start_time) FROM trace_blobs) + toIntervalHour(1)`,
    });
    progress(`copy ${k + 1} of ${copies} written`);
  }
}

async function columns(client: ClickHouseClient, table: string): Promise<string[]> {
  const rs = await client.query({ query: `SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {t:String} AND default_kind NOT IN ('MATERIALIZED', 'ALIAS', 'EPHEMERAL') ORDER BY position`, query_params: { t: table }, format: 'JSONEachRow' });
  return (await rs.json<{ name: string }>()).map((r) => r.name);
}
