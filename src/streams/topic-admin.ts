import { openSync, writeSync, closeSync } from 'node:fs';
import type { Admin, Kafka } from 'kafkajs';

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  /** Log-compacted (changelogs). */
  readonly compacted?: boolean;
}

/**
 * Creates topics. Production uses kafkajs admin; the librdkafka mock has no CreateTopics
 * API, so tests create topics through its control FIFO. Both wait until the topic's
 * metadata shows every partition.
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

/** Test broker: writes `create <topic> <partitions>` to the mock's control FIFO. */
export class FifoTopicAdmin implements TopicAdmin {
  constructor(
    private readonly kafka: Kafka,
    private readonly fifoPath: string,
  ) {}

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const missing = await missingTopics(admin, specs);
      if (missing.length === 0) return;
      const fd = openSync(this.fifoPath, 'w');
      try {
        for (const s of missing) writeSync(fd, `create ${s.topic} ${s.partitions}\n`);
      } finally {
        closeSync(fd);
      }
      for (let attempt = 0; ; attempt++) {
        const topics = new Set(await admin.listTopics());
        if (missing.every((s) => topics.has(s.topic))) return;
        if (attempt > 100) throw new Error(`topics not created via ${this.fifoPath}: ${missing.map((s) => s.topic).join(', ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await admin.disconnect();
    }
  }
}
