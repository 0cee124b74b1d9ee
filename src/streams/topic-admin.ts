import type { Admin, Kafka } from 'kafkajs';

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  /** Log-compacted (changelogs). */
  readonly compacted?: boolean;
}

/**
 * Creates the topics a topology needs (sources, sinks, changelogs, repartition topics) and
 * waits until every partition has a leader.
 */
export interface TopicAdmin {
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
}

/** The specs whose topics the cluster does not list yet. */
async function missingTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<TopicSpec[]> {
  const existing = new Set(await admin.listTopics());
  return specs.filter((s) => !existing.has(s.topic));
}

export class KafkaTopicAdmin implements TopicAdmin {
  constructor(
    private readonly kafka: Kafka,
    private readonly replicationFactor = -1,
  ) {}

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const missing = await missingTopics(admin, specs);
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((s) => ({
            topic: s.topic,
            numPartitions: s.partitions,
            replicationFactor: this.replicationFactor,
            configEntries: s.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
          })),
        });
      }
    } finally {
      await admin.disconnect();
    }
  }
}
