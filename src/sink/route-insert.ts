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
 * threads) while this thread maps the main rows. A route with `parts` inserts its main
 * rows part by part, each part mapped while the one before is inserted; part k > 1 has the
 * token + `|part<k>`. Every insert must land before the batch counts as written, and the
 * first failure is rethrown once all have settled. Returns the inserts, the main table's
 * first (its rows over all parts).
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
  const started: Promise<void>[] = [];
  const main = (async () => {
    const parts = route.parts?.(items) ?? [() => route.rows(items)];
    for (const [k, part] of parts.entries()) {
      if (k > 0) await nextTurn(); // lets the part before reach ClickHouse before this one is mapped
      const rows = part(); // a mapping error rejects, after every started insert settled
      mainRows += rows.length;
      started.push(writer.insert(qualify(route.table), rows, k === 0 ? token : `${token}|part${k + 1}`));
    }
  })();
  const settled = await Promise.allSettled([main, ...companions.map((c) => c.landed)]);
  const failed = [...settled, ...(await Promise.allSettled(started))].find((r) => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return [{ table: route.table, token, rows: mainRows }, ...companions.map((c) => c.insert)];
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
