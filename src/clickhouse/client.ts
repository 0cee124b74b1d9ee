import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { assertIdentifier } from './template.ts';
import { ClickHouseSinkError } from './errors.ts';

/** Where ClickHouse lives: a server at `url`, else the embedded engine (chdb) at `dataDir`. */
export interface ClickHouseOptions {
  readonly url?: string;
  readonly dataDir?: string;
  readonly database: string;
  readonly username?: string;
  readonly password?: string;
  readonly requestTimeoutMs?: number;
}

/**
 * Settings every request needs so rows round-trip exactly: Int64/UInt64 come back as JSON
 * strings (a JS number would lose digits past 2^53).
 */
const COMMON_SETTINGS = { output_format_json_quote_64bit_integers: 1 } as const;

/**
 * One @clickhouse/client instance for either back end, so the writer, migrations and
 * queries have a single code path. The database is created if missing and becomes the
 * default, so sql/queries/*.sql can name tables unqualified. chdb ignores the client's
 * `database` option, hence `USE` (its session keeps it); only one process may open a
 * chdb `dataDir` at a time, and the caller must `close()` the client.
 */
export async function openClickHouse(opts: ClickHouseOptions): Promise<ClickHouseClient> {
  const database = assertIdentifier(opts.database, 'database');
  if (opts.url !== undefined) {
    const boot = createClient({ url: opts.url, ...auth(opts), request_timeout: opts.requestTimeoutMs ?? 30_000 });
    try {
      await boot.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    } finally {
      await boot.close();
    }
  } else if (opts.dataDir === undefined) {
    throw new ClickHouseSinkError('INVALID_ARGUMENT', 'openClickHouse needs a url (server) or a dataDir (embedded chdb)');
  }
  return openConnection(opts, COMMON_SETTINGS, async (client) => {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  });
}

/**
 * A client on a connection of its own, for work that must not share engine session state
 * with the pipeline (read-only `/sql`): on chdb a second native connection to the same
 * data directory, whose `SET`/`USE`, buffered output and per-connection lock are its own.
 * The database must exist (open the main client with `openClickHouse` first). No default
 * settings: the caller sends its own with each query.
 */
export function openSeparateClickHouse(opts: ClickHouseOptions): Promise<ClickHouseClient> {
  return openConnection(opts, {}, async () => undefined);
}

async function openConnection(opts: ClickHouseOptions, settings: ClickHouseSettings, prepare: (c: ClickHouseClient) => Promise<void>): Promise<ClickHouseClient> {
  const database = assertIdentifier(opts.database, 'database');
  if (opts.url !== undefined) {
    return createClient({ url: opts.url, ...auth(opts), database, request_timeout: opts.requestTimeoutMs ?? 30_000, clickhouse_settings: settings });
  }
  if (opts.dataDir === undefined) throw new ClickHouseSinkError('INVALID_ARGUMENT', 'a ClickHouse connection needs a url (server) or a dataDir (embedded chdb)');
  const client = createClient({ connection: chdbConnection(opts.dataDir), clickhouse_settings: settings });
  try {
    await prepare(client);
    await client.command({ query: `USE ${database}` });
  } catch (err) {
    await client.close();
    throw err;
  }
  return client;
}

function auth(opts: ClickHouseOptions): { username: string; password: string } {
  return { username: opts.username ?? 'default', password: opts.password ?? '' };
}

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

/**
 * chdb declares its Connection against @clickhouse/client-common's types, which differ
 * from the copy bundled in @clickhouse/client 1.23 only in ClickHouseSettings' optional
 * keys; the runtime contract is the same, so the cast is confined here.
 */
function chdbConnection(path: string): ClientConnection {
  return createChdbConnection({ path }) as unknown as ClientConnection;
}
