/**
 * Publishes trace batches to `raw-spans`: key = trace id, value = Avro SpanBatch (Confluent
 * wire format), header content-type names it. In-flight spans are bounded, so a slow or
 * absent broker turns into 429 / 503 for clients instead of unbounded memory.
 */
import type { Kafka, Producer } from 'kafkajs';
import type { Span } from '../model/span.ts';
import { compressionType, registerCompressionCodecs } from '../streams/compression.ts';
import { messageBytes, produceChunks } from '../streams/produce-chunks.ts';
import type { KafkaCompression } from '../streams/compression-names.ts';
import type { AvroSerde } from '../serde/avro-serde.ts';
import { SPAN_BATCH_CONTENT_TYPE } from './decode.ts';
import { PublishError } from './errors.ts';
import type { SpanPublisher, TraceBatch } from './publisher.ts';
import { DEFAULT_TOPICS } from '../model/topics.ts';
import { errorMessage } from '../util/errors.ts';

export interface KafkaSpanPublisherOptions {
  readonly topic?: string;
  /** Spans accepted but not yet acknowledged by Kafka; more → BACKPRESSURE (429). */
  readonly maxInFlightSpans?: number;
  /** A send not acknowledged within this → UNAVAILABLE (503). */
  readonly sendTimeoutMs?: number;
  readonly retryAfterSeconds?: number;
  /** Batch compression (default none); consumers of any codec can read it (see compression.ts). */
  readonly compression?: KafkaCompression;
  /** Added to every record (the redaction marker: see `REDACTED_HEADER`). */
  readonly headers?: Readonly<Record<string, string>>;
}

export class KafkaSpanPublisher implements SpanPublisher {
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;
  private inFlight = 0;
  private readonly topic: string;
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;
  private readonly retryAfter: number;
  private readonly compression: number;
  private readonly headers: Readonly<Record<string, string>>;

  constructor(
    kafka: Kafka,
    private readonly serde: AvroSerde<Span[]>,
    opts: KafkaSpanPublisherOptions = {},
  ) {
    registerCompressionCodecs();
    this.producer = kafka.producer({ allowAutoTopicCreation: false });
    this.topic = opts.topic ?? DEFAULT_TOPICS.rawSpans;
    this.maxInFlight = opts.maxInFlightSpans ?? 50_000;
    this.timeoutMs = opts.sendTimeoutMs ?? 10_000;
    this.retryAfter = opts.retryAfterSeconds ?? 5;
    this.compression = compressionType(opts.compression ?? 'none');
    this.headers = { ...opts.headers, 'content-type': SPAN_BATCH_CONTENT_TYPE };
  }

  async publish(batches: readonly TraceBatch[]): Promise<void> {
    const n = batches.reduce((sum, b) => sum + b.spans.length, 0);
    if (n === 0) return;
    // One oversized request may go alone; otherwise stay under the bound.
    if (this.inFlight > 0 && this.inFlight + n > this.maxInFlight) {
      throw new PublishError('BACKPRESSURE', `${this.inFlight} spans in flight to Kafka (limit ${this.maxInFlight})`, 1);
    }
    this.inFlight += n;
    try {
      await this.withTimeout(this.send(batches));
    } finally {
      this.inFlight -= n;
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }

  private async send(batches: readonly TraceBatch[]): Promise<void> {
    this.connecting ??= this.producer.connect().catch((e: unknown) => {
      this.connecting = undefined;
      throw e;
    });
    await this.connecting;
    const messages = batches.map((b) => ({
      key: b.traceId,
      value: this.serde.serialize([...b.spans]),
      headers: this.headers,
    }));
    // A request may hold megabytes of spans; one produce call per chunk the broker accepts.
    for (const chunk of produceChunks(messages, messageBytes)) {
      await this.producer.send({ topic: this.topic, compression: this.compression, messages: [...chunk] });
    }
  }

  private withTimeout(p: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PublishError('UNAVAILABLE', `Kafka did not acknowledge within ${this.timeoutMs} ms`, this.retryAfter)),
        this.timeoutMs,
      );
    });
    return Promise.race([
      p.catch((e: unknown) => {
        throw e instanceof PublishError ? e : new PublishError('UNAVAILABLE', `Kafka unavailable: ${errorMessage(e)}`, this.retryAfter, { cause: e });
      }),
      timeout,
    ]).finally(() => clearTimeout(timer));
  }
}
