import { TailstreamError } from '../util/errors.ts';

/**
 * The query API's one error family. Expected client mistakes (a bad parameter, an unknown
 * trace) are QueryErrors with an HTTP status; anything else is a bug or a ClickHouse
 * failure and answers 500.
 */
export type QueryErrorCode = 'INVALID_ARGUMENT' | 'NOT_FOUND';

export class QueryError extends TailstreamError {
  readonly code: QueryErrorCode;
  readonly status: 400 | 404;
  readonly retriable = false;

  constructor(code: QueryErrorCode, message: string) {
    super(message);
    this.code = code;
    this.status = code === 'NOT_FOUND' ? 404 : 400;
  }
}

/** A 400 whose message names the offending parameter, as Jaeger's query parser does. */
export function invalidParam(param: string, detail: string): QueryError {
  return new QueryError('INVALID_ARGUMENT', `invalid parameter '${param}': ${detail}`);
}

export function notFound(what: string): QueryError {
  return new QueryError('NOT_FOUND', `${what} not found`);
}
