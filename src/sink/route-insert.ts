import type { SinkRoute } from './sink-routes.ts';
import type { ClickHouseWriter } from './writer.ts';

/** What one insert of a batch wrote: its table, dedup token and row count. */
export interface RouteInsert {
  readonly table: string;
  readonly token: string;
  readonly rows: number;
}

/**
 * Inserts one batch into its route's table and the route's companions, each companion with
 * the batch token + `|<table>` (so a replay re-inserts every table with the same tokens).
 * The companions' inserts start first, so ClickHouse works on them (chdb on its own
 * threads) while this thread maps the main rows; every insert must land before the batch
 * counts as written, and the first failure is rethrown once all have settled. Returns the
 * inserts, the main table's first.
 */
export async function insertRouteBatch(
  writer: ClickHouseWriter,
  route: SinkRoute,
  items: readonly unknown[],
  token: string,
  qualify: (table: string) => string = (table) => table,
): Promise<RouteInsert[]> {
  const companions = (route.companions ?? []).map((c) => {
    const rows = c.rows(items);
    const companionToken = `${token}|${c.table}`;
    return { insert: { table: c.table, token: companionToken, rows: rows.length }, landed: writer.insert(qualify(c.table), rows, companionToken) };
  });
  let mainRows = 0;
  const main = (async () => {
    const rows = route.rows(items); // a mapping error rejects, after the companions settled
    mainRows = rows.length;
    await writer.insert(qualify(route.table), rows, token);
  })();
  const failed = (await Promise.allSettled([main, ...companions.map((c) => c.landed)])).find((r) => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return [{ table: route.table, token, rows: mainRows }, ...companions.map((c) => c.insert)];
}
