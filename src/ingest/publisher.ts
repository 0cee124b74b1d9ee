import type { Span } from '../model/span.ts';

/** Spans of one trace: the unit ingest publishes (one raw-spans record, key = trace id). */
export interface TraceBatch {
  readonly traceId: string;
  readonly spans: readonly Span[];
}

/**
 * Where ingest hands spans off. Kafka in distributed mode; the embedded mode plugs in an
 * in-process publisher. Throws `PublishError` when the downstream is full or unreachable.
 */
export interface SpanPublisher {
  publish(batches: readonly TraceBatch[]): Promise<void>;
}
