import { TailstreamError } from '../util/errors.ts';

/** A topic that is not as the topology needs it: missing a partition, sized differently, or not served. */
export class TopicError extends TailstreamError {
  constructor(
    readonly code: 'NO_SUCH_PARTITION' | 'PARTITION_COUNT_MISMATCH' | 'NOT_SERVED',
    /** The topic at fault. */
    readonly topic: string,
    message: string,
    readonly retriable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
