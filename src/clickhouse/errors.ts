import { errorMessage, TailstreamError } from '../util/errors.ts';

/**
 * The one error family of the ClickHouse sink. `retriable` tells the caller (the sink
 * topology) whether the same batch, with the same dedup token, may be tried again later;
 * `clickhouseCode` keeps the server's numeric code when there was one.
 */
export type ClickHouseSinkErrorCode =
  | 'UNREACHABLE'
  | 'RETRIES_EXHAUSTED'
  | 'REJECTED'
  | 'INVALID_ARGUMENT'
  | 'MIGRATION_FAILED'
  | 'MIGRATION_CHANGED'
  /** A commit came while the sink was re-cutting a replayed batch: retried from the last commit. */
  | 'REPLAY_INCOMPLETE';

export class ClickHouseSinkError extends TailstreamError {
  readonly code: ClickHouseSinkErrorCode;
  readonly retriable: boolean;
  readonly clickhouseCode: string | undefined;

  constructor(code: ClickHouseSinkErrorCode, message: string, opts: { retriable?: boolean; clickhouseCode?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.retriable = opts.retriable ?? false;
    this.clickhouseCode = opts.clickhouseCode;
  }
}

/** Server error codes worth retrying: overload, timeouts, read-only replicas, lost connection. */
const RETRIABLE_CLICKHOUSE_CODES = new Set([
  '3', // UNEXPECTED_END_OF_FILE
  '159', // TIMEOUT_EXCEEDED
  '202', // TOO_MANY_SIMULTANEOUS_QUERIES
  '209', // SOCKET_TIMEOUT
  '210', // NETWORK_ERROR
  '241', // MEMORY_LIMIT_EXCEEDED
  '242', // TABLE_IS_READ_ONLY
  '252', // TOO_MANY_PARTS
  '319', // UNKNOWN_STATUS_OF_INSERT
  '425', // SYSTEM_ERROR
  '999', // KEEPER_EXCEPTION
]);

const RETRIABLE_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET']);

/**
 * Classify anything @clickhouse/client (or chdb) threw. ClickHouseError carries a numeric
 * string `code`; Node network errors carry an `E...` code; timeouts only say so in the message.
 */
export function classifyError(err: unknown): ClickHouseSinkError {
  if (err instanceof ClickHouseSinkError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
  const message = errorMessage(err);
  if (code !== undefined && /^\d+$/.test(code)) {
    return new ClickHouseSinkError('REJECTED', message, { retriable: RETRIABLE_CLICKHOUSE_CODES.has(code), clickhouseCode: code, cause: err });
  }
  if ((code !== undefined && RETRIABLE_NET_CODES.has(code)) || /timeout|socket hang up|ECONNREFUSED|ECONNRESET/i.test(message)) {
    return new ClickHouseSinkError('UNREACHABLE', message, { retriable: true, cause: err });
  }
  return new ClickHouseSinkError('REJECTED', message, { retriable: false, cause: err });
}
