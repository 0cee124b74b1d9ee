import { describe, expect, it } from 'vitest';
import { testTopicAdmin, testKafka, uniqueName } from '../fixtures/kafka.ts';

describe('test broker', () => {
  it('creates a topic through the topic admin and round-trips a keyed record', async () => {
    const kafka = testKafka();
    const topic = uniqueName('broker-smoke');
    await testTopicAdmin(kafka).ensureTopics([{ topic, partitions: 3 }]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'v' }] });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(offsets).toHaveLength(3);
    expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(1);
  });
});
