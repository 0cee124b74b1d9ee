import type { Span } from '../model/span.ts';
import type { Serde } from '../serde/serde.ts';
import { SPAN_BATCH_CONTENT_TYPE } from '../ingest/decode.ts';
import { PublishError } from '../ingest/errors.ts';
import type { SpanPublisher, TraceBatch } from '../ingest/publisher.ts';
import type { FileBroker } from '../streams/log/file-broker.ts';

/**
 * Embedded mode's publisher: appends SpanBatch records (exactly what the Kafka publisher
 * writes) to the on-disk raw-spans log and resolves only once they are fdatasync'd. That
 * is the durability point: an HTTP 200 means the spans are on disk, and a kill -9 after
 * it loses nothing. Concurrent requests share one flush (group commit). When the embedded
 * logs hold the configured bytes, or the disk is full, it answers 503 + Retry-After rather
 * than acknowledging what it cannot keep, and drops what it appended of that request.
 */
export class DurableSpanPublisher implements SpanPublisher {
  constructor(
    private readonly broker: FileBroker,
    private readonly topic: string,
    private readonly serde: Serde<Span[]>,
    private readonly maxBytes: number,
    private readonly onPublished: () => void,
    /** Topics the bound ignores (the dead-letter topic, which nothing in-process reads). */
    private readonly unbounded: ReadonlySet<string> = new Set(),
    /** Called for each request refused because the disk is full (a metric and a log line). */
    private readonly onDiskFull?: (err: unknown) => void,
    /** Added to every record (the redaction marker: see `REDACTED_HEADER`). */
    private readonly headers: Readonly<Record<string, string>> = {},
  ) {}

  async publish(batches: readonly TraceBatch[]): Promise<void> {
    // Every topic counts, not raw-spans alone: with ClickHouse down the sampled spans pile
    // up downstream while raw-spans drains.
    const held = this.broker.totalBytes(this.unbounded);
    if (held >= this.maxBytes) {
      throw new PublishError('UNAVAILABLE', `the embedded logs under ${this.broker.dir} hold ${held} bytes (limit ${this.maxBytes}): waiting for the pipeline to catch up`, 1);
    }
    const now = Date.now();
    const firsts = new Map<number, number>();
    try {
      for (const b of batches) {
        const [p, offset] = this.broker.append(this.topic, {
          key: Buffer.from(b.traceId),
          value: this.serde.serialize([...b.spans]),
          timestamp: now,
          headers: { ...Object.fromEntries(Object.entries(this.headers).map(([k, v]) => [k, Buffer.from(v)])), 'content-type': Buffer.from(SPAN_BATCH_CONTENT_TYPE) },
        });
        if (!firsts.has(p)) firsts.set(p, offset);
      }
      await this.broker.sync(this.topic);
    } catch (err) {
      // Not acknowledged, so not kept either: a retry must not find these spans twice.
      for (const [p, offset] of firsts) this.broker.discard(this.topic, p, offset);
      if (!isDiskFull(err)) throw err;
      this.onDiskFull?.(err);
      throw new PublishError('UNAVAILABLE', `the disk holding ${this.broker.dir} is full: retry later`, DISK_FULL_RETRY_SECONDS, { cause: err });
    }
    this.onPublished();
  }
}

/** What a client waits before retrying when the disk is full (OTLP: 503 + Retry-After). */
export const DISK_FULL_RETRY_SECONDS = 5;

/** ENOSPC (no space) or EDQUOT (quota): the write may succeed once space returns. */
export function isDiskFull(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || /\b(ENOSPC|EDQUOT)\b|no space left/i.test(e.message)) return true;
  }
  return false;
}
