import type { Admin, Kafka } from 'kafkajs';
import { errorMessage } from '../util/errors.ts';
import { TopicError } from './topic-error.ts';
import { withAdmin } from './group-admin.ts';

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

/**
 * Until every partition of `topic` has a leader that answers ListOffsets. Apache Kafka
 * (KRaft) acknowledges CreateTopics before the leaders serve: kafkajs' `waitForLeaders`
 * then fails on UNKNOWN_TOPIC_OR_PARTITION, and a ListOffsets right after it gets
 * NOT_LEADER_OR_FOLLOWER, so a runtime started on fresh topics failed to start. Retriable
 * errors are retried (with fresh metadata) until `deadline`.
 */
async function untilServed(admin: Admin, topic: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const leaderless = topics[0]?.partitions.filter((p) => p.leader < 0).length ?? 1;
      if (leaderless === 0) {
        await admin.fetchTopicOffsets(topic);
        return;
      }
      if (Date.now() > deadline) throw new TopicError('NOT_SERVED', topic, `topic ${topic}: ${leaderless} partition(s) still without a leader`);
    } catch (err) {
      if ((err as { retriable?: boolean }).retriable === false || Date.now() > deadline) {
        throw new TopicError('NOT_SERVED', topic, `topic ${topic}: partitions not served by a leader in time: ${errorMessage(err)}`, false, { cause: err });
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class KafkaTopicAdmin implements TopicAdmin {
  constructor(
    private readonly kafka: Kafka,
    private readonly replicationFactor = -1,
    /** How long created topics may take until their leaders serve. */
    private readonly leaderTimeoutMs = 30_000,
  ) {}

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    await withAdmin(this.kafka, async (admin) => {
      const missing = await missingTopics(admin, specs);
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: false, // untilServed waits, and also for ListOffsets
          topics: missing.map((s) => ({
            topic: s.topic,
            numPartitions: s.partitions,
            replicationFactor: this.replicationFactor,
            configEntries: s.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
          })),
        });
      }
      // Also topics another instance created a moment ago.
      const deadline = Date.now() + this.leaderTimeoutMs;
      for (const s of specs) await untilServed(admin, s.topic, deadline);
    });
  }
}
