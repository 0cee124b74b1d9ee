/**
 * An ingest request may hold up to 8 MiB of spans, while the broker refuses a partition's
 * batch over `message.max.bytes` (1 MiB by default): the publisher must split a request
 * into produce calls the broker accepts, or a big client request is answered 503 forever.
 */
import { describe, expect, it } from 'vitest';
import { KafkaSpanPublisher } from '../../src/ingest/kafka-publisher.ts';
import type { TraceBatch } from '../../src/ingest/publisher.ts';
import { spanBatchSerde } from '../../src/serde/avro-serde.ts';
import { InProcessRegistry } from '../../src/serde/registry.ts';
import { hexId, makeSpan } from '../fixtures/clickhouse.ts';
import { testKafka, testTopicAdmin, uniqueName } from '../fixtures/kafka.ts';

describe('Kafka span publisher', () => {
  it('publishes a request of ~6 MB (over 1 MiB per partition) whole, in batches the broker accepts', async () => {
    const kafka = testKafka();
    const topic = uniqueName('raw-spans-big');
    await testTopicAdmin(kafka).ensureTopics([{ topic, partitions: 2 }]);
    const publisher = new KafkaSpanPublisher(kafka, await spanBatchSerde(InProcessRegistry.fromDir()), { topic, sendTimeoutMs: 60_000 });
    const note = 'x'.repeat(3000);
    const batches: TraceBatch[] = Array.from({ length: 2000 }, (_, i) => {
      const traceId = hexId(i + 1, 32);
      return { traceId, spans: [makeSpan({ traceId, spanId: hexId(i + 1, 16), name: `op ${note}` })] };
    });
    try {
      await publisher.publish(batches);
    } finally {
      await publisher.close();
    }
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(2000);
  });
});
