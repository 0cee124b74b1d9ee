import { describe, expect, it } from 'vitest';
import { testKafka, testTopicAdmin, uniqueName } from '../fixtures/kafka.ts';

describe('KafkaTopicAdmin on a real broker', () => {
  // Apache Kafka acknowledged CreateTopics before the new leaders served: a runtime's first
  // ListOffsets (task count, changelog ends) failed with NOT_LEADER_OR_FOLLOWER.
  it('returns only when every partition of the new topics answers ListOffsets', async () => {
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (let round = 0; round < 3; round++) {
        const topics = Array.from({ length: 5 }, () => uniqueName('fresh-topic'));
        await testTopicAdmin(kafka).ensureTopics(topics.map((topic) => ({ topic, partitions: 6 })));
        for (const topic of topics) expect(await admin.fetchTopicOffsets(topic), topic).toHaveLength(6);
      }
    } finally {
      await admin.disconnect();
    }
  });
});
