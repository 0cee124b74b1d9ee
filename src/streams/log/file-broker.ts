import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalBroker } from '../local-broker.ts';
import { createKeyPartitioner } from '../partitioner.ts';
import type { RawRecord } from '../record.ts';
import { CommitFile, type CommitState } from './commit-file.ts';
import { SegmentLog } from './segment-log.ts';
import { TopicError } from '../topic-error.ts';

export interface FileBrokerOptions {
  readonly dir: string;
  readonly partitions?: number;
  readonly segmentBytes?: number;
  /**
   * Topics written from outside the runtime's commits (ingest's raw-spans): their records
   * are committed by `sync`, not by a commit point, so recovery keeps all of them.
   */
  readonly external: readonly string[];
}

/**
 * The embedded runtime's topics as segment logs under one directory, with a commit file
 * that makes each task commit atomic. A commit appends the task's outputs and changelog
 * records, syncs the logs, then writes the commit file (input offsets and the end of
 * every runtime-written log): that write is the commit point. On open, records past the
 * recorded ends (a commit a crash interrupted) are cut off, so stores, outputs and
 * offsets all come back at the same commit and the inputs after it are processed again.
 */
export class FileBroker implements LocalBroker {
  private readonly logs = new Map<string, SegmentLog[]>();
  private readonly partitioner = createKeyPartitioner();
  private readonly commits: CommitFile;
  private readonly state: { offsets: Record<string, Record<string, number>>; ends: Record<string, number> };
  private readonly dirty = new Set<SegmentLog>();
  private readonly external: ReadonlySet<string>;
  /**
   * Where a new log starts: microseconds since the epoch, so a log directory that was
   * wiped (or predates this broker) never hands out offsets it handed out before. The
   * sink derives its dedup tokens from offsets; a reused offset would make ClickHouse
   * drop new rows as replays of old ones.
   */
  private readonly freshBase = Date.now() * 1000;

  readonly dir: string;

  constructor(private readonly opts: FileBrokerOptions) {
    this.dir = opts.dir;
    mkdirSync(opts.dir, { recursive: true });
    this.external = new Set(opts.external);
    this.commits = new CommitFile(join(opts.dir, 'commit.json'));
    const saved = this.commits.read();
    this.state = { offsets: saved.offsets, ends: { ...saved.ends } };
    for (const name of readdirSync(opts.dir)) {
      const cut = name.lastIndexOf('-');
      if (cut <= 0 || !statSync(join(opts.dir, name)).isDirectory()) continue;
      const topic = name.slice(0, cut);
      const p = Number(name.slice(cut + 1));
      if (!Number.isInteger(p) || p >= this.partitions(topic)) continue;
      const log = this.log(topic, p);
      if (!this.external.has(topic)) log.truncateTo(saved.ends[`${topic}/${p}`] ?? 0);
    }
  }

  partitions(_topic: string): number {
    return this.opts.partitions ?? 1;
  }

  topicNames(): string[] {
    return [...this.logs.keys()];
  }

  append(topic: string, record: RawRecord, partition?: number): [number, number] {
    const p = partition ?? this.partitioner(topic, record.key, this.partitions(topic));
    const log = this.log(topic, p);
    this.dirty.add(log);
    return [p, log.append(record)];
  }

  /** Drops the records of `topic`/`partition` from `offset` on: appended, never acknowledged. */
  discard(topic: string, partition: number, offset: number): void {
    this.log(topic, partition).truncateTo(offset);
  }

  /**
   * Drops what runtime-written logs hold past their last commit point (a commit that failed
   * midway, e.g. on a full disk), as a restart would; the task then redoes that work.
   */
  rollbackUncommitted(): void {
    this.dirty.clear();
    for (const [topic, parts] of this.logs) {
      if (!this.external.has(topic)) parts.forEach((l, p) => l.truncateTo(this.state.ends[`${topic}/${p}`] ?? l.startOffset()));
    }
  }

  /** Makes every record appended to `topic` so far durable and readable (group commit). */
  async sync(topic: string): Promise<void> {
    await Promise.all(this.partitionLogs(topic).map((l) => l.sync()));
  }

  read(topic: string, partition: number, fromOffset: number, max = Infinity): { offset: number; record: RawRecord }[] {
    return this.log(topic, partition).read(fromOffset, max);
  }

  endOffset(topic: string, partition: number): number {
    return this.log(topic, partition).endOffset();
  }

  startOffset(topic: string, partition: number): number {
    return this.log(topic, partition).startOffset();
  }

  truncate(topic: string, partition: number, offset: number): void {
    this.log(topic, partition).deleteBefore(offset);
  }

  releaseChangelog(topic: string, partition: number, offset: number): void {
    this.log(topic, partition).deleteBefore(offset + 1);
  }

  depth(topic: string): number {
    return this.partitionLogs(topic).reduce((n, l) => n + l.endOffset() - l.startOffset(), 0);
  }

  /** Bytes held in every topic's segment files but those named (what ingest's bound counts). */
  totalBytes(except: ReadonlySet<string> = new Set()): number {
    let n = 0;
    for (const topic of this.logs.keys()) if (!except.has(topic)) n += this.sizeBytes(topic);
    return n;
  }

  /** Bytes held in the topic's segment files. */
  sizeBytes(topic: string): number {
    return this.partitionLogs(topic).reduce((n, l) => n + l.sizeBytes(), 0);
  }

  async commitOffsets(applicationId: string, offsets: ReadonlyMap<string, number>): Promise<void> {
    const logs = [...this.dirty];
    this.dirty.clear();
    await Promise.all(logs.map((l) => l.sync()));
    const app = (this.state.offsets[applicationId] ??= {});
    for (const [tp, off] of offsets) app[tp] = off;
    for (const [topic, parts] of this.logs) {
      if (!this.external.has(topic)) parts.forEach((l, p) => (this.state.ends[`${topic}/${p}`] = l.endOffset()));
    }
    await this.commits.write(this.state as CommitState);
  }

  committedOffset(applicationId: string, topicPartition: string): number | undefined {
    return this.state.offsets[applicationId]?.[topicPartition];
  }

  close(): void {
    for (const parts of this.logs.values()) for (const l of parts) l.close();
    this.logs.clear();
  }

  private partitionLogs(topic: string): SegmentLog[] {
    return Array.from({ length: this.partitions(topic) }, (_, p) => this.log(topic, p));
  }

  private log(topic: string, partition: number): SegmentLog {
    let parts = this.logs.get(topic);
    if (!parts) this.logs.set(topic, (parts = []));
    let log = parts[partition];
    if (!log) {
      if (partition < 0 || partition >= this.partitions(topic)) throw new TopicError('NO_SUCH_PARTITION', topic, `topic ${topic} has no partition ${partition}`);
      const sizing = this.opts.segmentBytes === undefined ? {} : { segmentBytes: this.opts.segmentBytes };
      log = SegmentLog.open(join(this.opts.dir, `${topic}-${partition}`), { ...sizing, initialOffset: this.freshBase });
      parts[partition] = log;
    }
    return log;
  }
}
