import type { Span } from '../model/span.ts';
import type { Serde } from '../serde/serde.ts';
import { SPAN_BATCH_CONTENT_TYPE } from '../ingest/decode.ts';
import { PublishError } from '../ingest/errors.ts';
import type { SpanPublisher, TraceBatch } from '../ingest/publisher.ts';
import type { InMemoryBroker } from '../streams/in-memory-broker.ts';

/**
 * Embedded mode's publisher: appends SpanBatch records to the in-process raw-spans topic,
 * exactly what the Kafka publisher would write. A full topic answers 429 (bounded queue).
 */
export class EmbeddedSpanPublisher implements SpanPublisher {
  constructor(
    private readonly broker: InMemoryBroker,
    private readonly topic: string,
    private readonly serde: Serde<Span[]>,
    private readonly maxQueued: number,
    private readonly onPublished: () => void,
  ) {}

  async publish(batches: readonly TraceBatch[]): Promise<void> {
    const queued = this.broker.depth(this.topic);
    if (queued + batches.length > this.maxQueued) {
      throw new PublishError('BACKPRESSURE', `${queued} records waiting in the embedded raw-spans topic (limit ${this.maxQueued})`, 1);
    }
    const now = Date.now();
    for (const b of batches) {
      this.broker.append(this.topic, {
        key: Buffer.from(b.traceId),
        value: this.serde.serialize([...b.spans]),
        timestamp: now,
        headers: { 'content-type': Buffer.from(SPAN_BATCH_CONTENT_TYPE) },
      });
    }
    this.onPublished();
  }
}
