import type { RawRecord } from './record.ts';

/**
 * What LocalRuntime needs of its broker: the in-memory one (test driver) and the
 * file-backed one (embedded mode) both provide it.
 */
export interface LocalBroker {
  partitions(topic: string): number;
  topicNames(): string[];
  /** Appends a record; partition by key unless given. Returns [partition, offset]. */
  append(topic: string, record: RawRecord, partition?: number): [number, number];
  /** Readable records from `fromOffset`, at most `max`. */
  read(topic: string, partition: number, fromOffset: number, max?: number): { offset: number; record: RawRecord }[];
  endOffset(topic: string, partition: number): number;
  /** First offset still held. */
  startOffset(topic: string, partition: number): number;
  /** Forgets records before `offset` (every reader has committed past them). */
  truncate(topic: string, partition: number, offset: number): void;
  /** Records held per topic (a metric). */
  depth(topic: string): number;
  /**
   * The commit point of one task: the records appended since the last commit and the
   * app's input offsets (`topic/partition` → next offset) become durable together.
   */
  commitOffsets(applicationId: string, offsets: ReadonlyMap<string, number>): Promise<void>;
  /** The app's last committed input offset, if it ever committed. */
  committedOffset(applicationId: string, topicPartition: string): number | undefined;
  /** Drops records appended since the last commit point (a commit that failed midway); optional. */
  rollbackUncommitted?(): void;
  /** A changelog's records up to `offset` are in the task's local store: they may go. */
  releaseChangelog(topic: string, partition: number, offset: number): void;
}
