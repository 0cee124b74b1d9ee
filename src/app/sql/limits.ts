/** The hard limits every `/sql` query runs under; configured by SQL_* variables (src/config). */
export interface SqlLimits {
  /** ClickHouse `max_execution_time`, in ms (SQL_TIMEOUT_MS). */
  readonly timeoutMs: number;
  /** `max_memory_usage` for one query (SQL_MAX_MEMORY_BYTES). */
  readonly maxMemoryBytes: number;
  /** `max_rows_to_read` (SQL_MAX_ROWS_TO_READ). */
  readonly maxRowsToRead: number;
  /** Rows answered; more are cut and flagged `truncated` (SQL_MAX_RESULT_ROWS). */
  readonly maxResultRows: number;
  /** `max_result_bytes` (SQL_MAX_RESULT_BYTES). */
  readonly maxResultBytes: number;
  /** `max_threads`, so a query leaves cores to the pipeline (SQL_MAX_THREADS). */
  readonly maxThreads: number;
}

/** The configuration variable to raise when ClickHouse stops a query at a limit, by error type. */
export const LIMIT_VARIABLES: Readonly<Record<string, string>> = {
  TIMEOUT_EXCEEDED: 'SQL_TIMEOUT_MS',
  MEMORY_LIMIT_EXCEEDED: 'SQL_MAX_MEMORY_BYTES',
  TOO_MANY_ROWS: 'SQL_MAX_ROWS_TO_READ',
  TOO_MANY_BYTES: 'SQL_MAX_RESULT_BYTES',
  TOO_MANY_ROWS_OR_BYTES: 'SQL_MAX_RESULT_BYTES',
};

/**
 * The SETTINGS clause appended to every `/sql` query. Query-level settings bind to that one
 * query only (a `SET` would stay on the session), and `readonly = 1` makes ClickHouse itself
 * refuse writes, DDL, `SET` and the table functions that reach files, processes or the
 * network; the user's own SETTINGS are refused before this is added, so none of these can
 * be overridden.
 */
export function limitSettings(limits: SqlLimits): string {
  const settings: Record<string, number | string> = {
    max_execution_time: limits.timeoutMs / 1000,
    timeout_overflow_mode: 'throw',
    max_memory_usage: limits.maxMemoryBytes,
    max_rows_to_read: limits.maxRowsToRead,
    read_overflow_mode: 'throw',
    // The query is wrapped in LIMIT maxResultRows + 1; this only backs that up.
    max_result_rows: limits.maxResultRows + 1,
    max_result_bytes: limits.maxResultBytes,
    result_overflow_mode: 'throw',
    max_threads: limits.maxThreads,
    output_format_json_quote_64bit_integers: 1,
    readonly: 1,
  };
  return 'SETTINGS ' + Object.entries(settings).map(([k, v]) => `${k} = ${typeof v === 'string' ? `'${v}'` : v}`).join(', ');
}
