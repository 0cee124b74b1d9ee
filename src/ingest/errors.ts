import { TailstreamError } from '../util/errors.ts';

/**
 * Publisher errors: the HTTP layer maps `retriable` ones to 429 / 503 with Retry-After, so
 * clients back off instead of losing data.
 */
export type PublishErrorCode = 'BACKPRESSURE' | 'UNAVAILABLE';

export class PublishError extends TailstreamError {
  readonly retriable = true;
  constructor(
    readonly code: PublishErrorCode,
    message: string,
    /** Seconds the client should wait before retrying. */
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
