import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../../util/log.ts';
import { parseExplainAst, refuseQuotedNames, refuseTree, type GuardPolicy } from './guard.ts';
import { LIMIT_VARIABLES, limitSettings, type SqlLimits } from './limits.ts';
import { errorMessage } from '../../util/errors.ts';

export interface SqlSessionOptions {
  /** Opens a client on a connection nothing else uses (`openSeparateClickHouse`). */
  readonly open: () => Promise<ClickHouseClient>;
  readonly database: string;
  readonly limits: SqlLimits;
  /**
   * True on a ClickHouse server, where aborting the HTTP request cancels the query. chdb has
   * no interrupt: an abandoned query runs on until `max_execution_time`.
   */
  readonly cancellable: boolean;
  readonly logger: Logger;
}

export type SqlOutcome =
  | { readonly ok: true; readonly rows: Record<string, unknown>[]; readonly truncated: boolean; readonly elapsedMs: number }
  | { readonly ok: false; readonly status: 400 | 429 | 503; readonly error: string; readonly code?: string };

type Step<T> = { ok: true; value: T } | { ok: false; outcome: SqlOutcome };

/**
 * Runs `/sql` queries one at a time on an engine connection of their own, so nothing a user
 * sends can touch the pipeline's session (its `USE`, its settings, output left buffered by a
 * failed statement) or queue behind its per-connection lock. A query that fails may have left
 * output in its connection, which chdb would hand to the next caller: the connection is
 * dropped after any failure and the next query opens a fresh one.
 */
export class SqlSession {
  #client: Promise<ClickHouseClient> | undefined;
  #policy: Promise<GuardPolicy> | undefined;
  #busy = false;

  constructor(private readonly opts: SqlSessionOptions) {}

  /** Checks and runs one query; `signal` is the client going away. */
  async run(sql: string, signal: AbortSignal): Promise<SqlOutcome> {
    // One at a time: the slot is held until the engine is done, even when the client left.
    if (this.#busy) return { ok: false, status: 429, error: 'another /sql query is still running; /sql runs one query at a time, retry when it is done' };
    this.#busy = true;
    try {
      return await this.#run(sql, signal);
    } catch (err) {
      // Opening the connection or reading the engine's table functions failed: not the query's fault.
      this.opts.logger.warn('/sql could not reach the engine', {}, err);
      return { ok: false, status: 503, error: `/sql cannot reach ClickHouse: ${errorMessage(err)}` };
    } finally {
      this.#busy = false;
    }
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.then((c) => c.close(), () => undefined);
  }

  async #run(sql: string, signal: AbortSignal): Promise<SqlOutcome> {
    const started = Date.now();
    const formatted = await this.#rows<{ q: string }>(`SELECT formatQuerySingleLine(${literal(sql)}) AS q`, signal, 'syntax error');
    if (!formatted.ok) return formatted.outcome;
    const text = formatted.value[0]?.q ?? '';
    const quoting = refuseQuotedNames(text);
    if (quoting) return refuse(quoting);
    // `text` is one statement (formatQuery refuses more), so EXPLAIN AST cannot run a second
    // one; as a subquery, the engine refuses output options (FORMAT, INTO OUTFILE) in it.
    const explained = await this.#rows<{ explain: string }>(`SELECT explain FROM (EXPLAIN AST ${text})`, signal, 'refused');
    if (!explained.ok) {
      const { outcome } = explained;
      if (outcome.ok) return outcome;
      if (/output options/.test(outcome.error)) return refuse('FORMAT and INTO OUTFILE are not allowed: /sql answers JSON');
      if (/supports only SELECT/.test(outcome.error)) return refuse('only SELECT queries are allowed');
      return outcome;
    }
    const tree = parseExplainAst(explained.value.map((r) => r.explain));
    if (!tree) return refuse('the query could not be checked (unexpected syntax tree)');
    const refused = refuseTree(tree, await this.#guardPolicy());
    if (refused) return refuse(refused);

    const { limits } = this.opts;
    const query = `SELECT * FROM (\n${text}\n) LIMIT ${limits.maxResultRows + 1}\n${limitSettings(limits)}`;
    const result = await this.#rows<Record<string, unknown>>(query, signal, undefined);
    if (!result.ok) return result.outcome;
    const rows = result.value;
    return { ok: true, rows: rows.slice(0, limits.maxResultRows), truncated: rows.length > limits.maxResultRows, elapsedMs: Date.now() - started };
  }

  async #rows<T>(query: string, signal: AbortSignal, what: string | undefined): Promise<Step<T[]>> {
    const client = await this.#open();
    try {
      const rs = await client.query({
        query,
        format: 'JSONEachRow',
        ...(this.opts.cancellable ? { abort_signal: signal, clickhouse_settings: { cancel_http_readonly_queries_on_client_close: 1 } } : {}),
      });
      return { ok: true, value: await rs.json<T>() };
    } catch (err) {
      this.#drop(client);
      return { ok: false, outcome: engineRefusal(err, what) };
    }
  }

  #open(): Promise<ClickHouseClient> {
    if (!this.#client) {
      const opening = this.opts.open();
      this.#client = opening;
      opening.catch(() => {
        if (this.#client === opening) this.#client = undefined;
      });
    }
    return this.#client;
  }

  #drop(client: ClickHouseClient): void {
    this.#client = undefined;
    client.close().catch((err: unknown) => this.opts.logger.warn('closing a /sql connection failed', {}, err));
  }

  /** The engine's own list of table functions, read once with a query of ours. */
  #guardPolicy(): Promise<GuardPolicy> {
    this.#policy ??= (async () => {
      const client = await this.#open();
      const rs = await client.query({
        query: 'SELECT lower(name) AS name FROM system.table_functions WHERE lower(name) NOT IN (SELECT lower(name) FROM system.functions)',
        format: 'JSONEachRow',
      });
      const names = (await rs.json<{ name: string }>()).map((r) => r.name);
      return { database: this.opts.database, tableFunctions: new Set(names) };
    })();
    this.#policy.catch(() => {
      this.#policy = undefined;
    });
    return this.#policy;
  }
}

function refuse(error: string): SqlOutcome {
  return { ok: false, status: 400, error };
}

/** A ClickHouse string literal: backslash escapes, so no quote or backslash in `s` can end it. */
function literal(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The engine's message, without stack traces, naming the limit when one was hit. */
function engineRefusal(err: unknown, what: string | undefined): SqlOutcome {
  const type = typeof (err as { type?: unknown }).type === 'string' ? (err as { type: string }).type : undefined;
  const raw = errorMessage(err);
  // No stack trace, and not our own formatQuery wrapper echoing the query back.
  const message = (raw.split(/\n\s*Stack trace/i)[0] ?? '').replace(/[\s.:]*In scope SELECT formatQuerySingleLine\([\s\S]*$/, '').trim().slice(0, 2000);
  // Not an engine error (no ClickHouse error type): the engine was not reached.
  if (type === undefined) return { ok: false, status: 503, error: `/sql cannot reach ClickHouse: ${message}` };
  const variable = LIMIT_VARIABLES[type];
  const error = variable ? `query stopped at its limit (${variable}): ${message}` : what ? `${what}: ${message}` : message;
  return { ok: false, status: 400, error, code: type };
}
