import type { RawRecord } from './record.ts';
import type { LocalBroker } from './local-broker.ts';
import { createKeyPartitioner } from './partitioner.ts';
import { TailstreamError } from '../util/errors.ts';
import { TopicError } from './topic-error.ts';

interface PartitionLog {
  /** Offset of records[0]. */
  base: number;
  records: RawRecord[];
}

export class BrokerLimitError extends TailstreamError {
  readonly code = 'IN_MEMORY_TOPIC_FULL';
  readonly retriable = true;
}

/**
 * Topics held in memory for the in-process runtime (embedded mode and the test driver).
 * Every partition is bounded: consumers release what they committed with `truncate`, and
 * an append past the limit fails loudly rather than dropping records.
 */
export class InMemoryBroker implements LocalBroker {
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly partitioner = createKeyPartitioner();

  constructor(
    readonly defaultPartitions = 1,
    readonly maxRecordsPerPartition = 1_000_000,
  ) {}

  createTopic(topic: string, partitions: number): void {
    const seen = this.topics.get(topic);
    if (seen) {
      if (seen.length !== partitions) throw new TopicError('PARTITION_COUNT_MISMATCH', topic, `topic ${topic} exists with ${seen.length} partitions, not ${partitions}`);
      return;
    }
    this.topics.set(topic, Array.from({ length: partitions }, () => ({ base: 0, records: [] })));
  }

  partitions(topic: string): number {
    return this.logs(topic).length;
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  /** Appends a record; partition by key unless given. Returns [partition, offset]. */
  append(topic: string, record: RawRecord, partition?: number): [number, number] {
    const logs = this.logs(topic);
    const p = partition ?? this.partitioner(topic, record.key, logs.length);
    const log = logs[p];
    if (!log) throw new TopicError('NO_SUCH_PARTITION', topic, `topic ${topic} has no partition ${p}`);
    if (log.records.length >= this.maxRecordsPerPartition) {
      throw new BrokerLimitError(`in-memory topic ${topic}/${p} holds ${log.records.length} records (limit ${this.maxRecordsPerPartition})`);
    }
    log.records.push(record);
    return [p, log.base + log.records.length - 1];
  }

  /** Records from `fromOffset`, at most `max`. */
  read(topic: string, partition: number, fromOffset: number, max = Infinity): { offset: number; record: RawRecord }[] {
    const log = this.logs(topic)[partition];
    if (!log) return [];
    const start = Math.max(0, fromOffset - log.base);
    const end = Math.min(log.records.length, start + max);
    const out: { offset: number; record: RawRecord }[] = [];
    for (let i = start; i < end; i++) out.push({ offset: log.base + i, record: log.records[i] as RawRecord });
    return out;
  }

  endOffset(topic: string, partition: number): number {
    const log = this.logs(topic)[partition];
    return log ? log.base + log.records.length : 0;
  }

  /** Forgets records before `offset` (all consumers have committed past them). */
  truncate(topic: string, partition: number, offset: number): void {
    const log = this.logs(topic)[partition];
    if (!log || offset <= log.base) return;
    const n = Math.min(offset - log.base, log.records.length);
    log.records.splice(0, n);
    log.base += n;
  }

  startOffset(topic: string, partition: number): number {
    return this.logs(topic)[partition]?.base ?? 0;
  }

  /** Nothing to persist: the topics and offsets live as long as the process. */
  async commitOffsets(): Promise<void> {}

  /** Apps start at the first retained record (see LocalRuntime.add). */
  committedOffset(): number | undefined {
    return undefined;
  }

  /** Changelogs stay whole here: tests restore stores from them. */
  releaseChangelog(): void {}

  /** Records currently held per topic (a metric: the in-memory queues' depth). */
  depth(topic: string): number {
    return this.logs(topic).reduce((n, l) => n + l.records.length, 0);
  }

  private logs(topic: string): PartitionLog[] {
    let logs = this.topics.get(topic);
    if (!logs) {
      this.createTopic(topic, this.defaultPartitions);
      logs = this.topics.get(topic) as PartitionLog[];
    }
    return logs;
  }
}
