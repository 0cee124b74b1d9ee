import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../util/log.ts';
import { ResidentEntries } from '../state/resident-entries.ts';
import { RocksBytesStore } from '../state/rocksdb-bytes-store.ts';
import { changelogTopic, type KeyValueStore } from '../state/store.ts';
import { TaskStore, type ChangelogEntry } from '../state/task-store.ts';
import { CheckpointFile } from './checkpoint.ts';
import type { Clock } from './clock.ts';
import { NodeContext } from './node-context.ts';
import type { Processor } from './processor.ts';
import { StreamRecord, type RawRecord, type RecordMetadata } from './record.ts';
import type { StreamsMetrics } from './metrics.ts';
import { PunctuationSchedule } from './punctuation.ts';
import { ProcessingError } from './processing-errors.ts';
import { SOURCE_POSITIONS, SourcePositions } from './source-positions.ts';
import { StoreGauges } from './store-gauges.ts';
import { TaskDeadLetters } from './task-dead-letters.ts';
import type { SinkNode, Topology } from './topology.ts';
import { TailstreamError } from '../util/errors.ts';

/** A record on its way to a topic: sink outputs, dead letters and changelog entries alike. */
export interface OutgoingRecord {
  readonly topic: string;
  /** Fixed partition (changelogs); undefined lets the producer's partitioner choose by key. */
  readonly partition?: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, Buffer>>;
  /** Set on changelog records: which store this change belongs to. */
  readonly store?: string;
}

export interface RestorePlan {
  readonly store: string;
  readonly topic: string;
  readonly partition: number;
  /** First changelog offset to read ('0' without a checkpoint). */
  readonly fromOffset: bigint;
}

export interface TaskOptions {
  readonly applicationId: string;
  readonly topology: Topology;
  readonly taskId: number;
  /** Tasks of the application (partitions of its source topics), for per-task shares of cluster-wide budgets. */
  readonly taskCount: number;
  readonly stateDir: string;
  readonly clock: Clock;
  readonly metrics: StreamsMetrics;
  readonly logger: Logger;
  /** Outputs buffered before the task asks for a commit. */
  readonly maxBufferedRecords?: number;
  /** false: stores are not change-logged (embedded mode: local RocksDB is the only copy). */
  readonly changelogs?: boolean;
  /**
   * Changelog records a commit may add before the checkpoint file is rewritten (Kafka
   * Streams' offset-delta threshold); it is also written on close. 0: after every commit,
   * as the embedded runtime needs (it releases changelog segments up to each commit).
   */
  readonly checkpointDelta?: number;
}

export class TaskError extends TailstreamError {
  readonly code = 'TASK_FAILED';
  readonly retriable = false;
}

/**
 * One partition's worth of the topology: its processor instances, stores and punctuation.
 * Both runtimes drive tasks through the same calls, so processing code is shared line for
 * line: open → restore → init → (process | punctuate)* → prepareCommit → completeCommit.
 */
export class StreamTask {
  readonly id: number;
  private readonly stores = new Map<string, TaskStore<unknown, unknown>>();
  private readonly processors = new Map<string, Processor>();
  private readonly contexts = new Map<string, NodeContext>();
  private readonly punctuation: PunctuationSchedule;
  private readonly deadLetters: TaskDeadLetters;
  private readonly checkpoint: CheckpointFile;
  private readonly gauges: StoreGauges;
  /** Set when the topology rebuilds state from its sources (Topology.withSourcePositions). */
  private sources: SourcePositions | undefined;
  private checkpointOffsets = new Map<string, bigint>();
  /** Changelog records committed since the checkpoint file was last written. */
  private uncheckpointed = 0n;
  private outputs: OutgoingRecord[] = [];
  private streamTime = -1;
  private current: RecordMetadata | undefined;
  private commitNeeded = false;
  private commitRequested = false;
  private readonly maxBuffered: number;
  private readonly dir: string;

  constructor(private readonly opts: TaskOptions) {
    this.id = opts.taskId;
    this.gauges = new StoreGauges(opts.metrics, opts.clock, opts.applicationId, opts.taskId);
    this.dir = join(opts.stateDir, opts.applicationId, String(opts.taskId));
    this.checkpoint = new CheckpointFile(this.dir);
    this.deadLetters = new TaskDeadLetters({ ...opts, emit: (r) => this.emit(r) });
    this.punctuation = new PunctuationSchedule((node, err) => this.deadLetters.punctuationFailed(node, err));
    this.maxBuffered = opts.maxBufferedRecords ?? 20_000;
  }

  get applicationId(): string {
    return this.opts.applicationId;
  }

  get taskCount(): number {
    return this.opts.taskCount;
  }

  /** Opens every store and says where each changelog restore must start. */
  async open(): Promise<RestorePlan[]> {
    mkdirSync(this.dir, { recursive: true });
    const rebuilt = this.opts.topology.tracksSourcePositions();
    const fromStart = new Set<string>();
    for (const spec of this.opts.topology.stores()) {
      // An unlogged store of such a topology is rebuilt by replaying the sources: what the
      // local copy holds may be from before or after the last commit, so it starts empty.
      // So does a logged one held in memory: its whole changelog is read back.
      const inMemory = spec.residentBytes !== undefined && spec.changelog !== false && this.opts.changelogs !== false;
      if (inMemory) fromStart.add(spec.name);
      const startsEmpty = (rebuilt && spec.changelog === false) || inMemory;
      if (startsEmpty) rmSync(join(this.dir, spec.name), { recursive: true, force: true });
      const inner = await RocksBytesStore.open(join(this.dir, spec.name));
      const resident = startsEmpty && spec.residentBytes !== undefined ? new ResidentEntries(spec.residentBytes) : undefined;
      const store = new TaskStore(spec, inner, {
        onCacheFull: () => (this.commitRequested = true),
        onCompactionFailed: (name, err) => this.opts.logger.warn('RocksDB compaction failed; deleted entries keep their disk space until the next one', { app: this.opts.applicationId, task: this.id, store: name }, err),
      }, resident);
      this.stores.set(spec.name, store);
    }
    this.checkpointOffsets = this.checkpoint.read();
    if (this.opts.changelogs === false) return [];
    return [...this.stores.values()]
      .filter((s) => s.changelogged)
      .map((s) => ({
        store: s.name,
        topic: changelogTopic(this.opts.applicationId, s.name),
        partition: this.id,
        fromOffset: fromStart.has(s.name) ? 0n : (this.checkpointOffsets.get(s.name) ?? -1n) + 1n,
      }));
  }

  /** Applies restored changelog records (committed state) straight to the store. */
  async restore(store: string, entries: readonly ChangelogEntry[], lastOffset: bigint): Promise<void> {
    const s = this.stores.get(store);
    if (!s) throw new TaskError(`task ${this.id}: restore for unknown store ${store}`);
    await s.restoreBatch(entries);
    this.checkpointOffsets.set(store, lastOffset);
    this.opts.metrics.restoredRecords.inc({ store }, entries.length);
  }

  /** After restore: records the restored position and starts the processors. */
  async init(): Promise<void> {
    this.writeCheckpoint();
    if (this.opts.topology.tracksSourcePositions()) {
      this.sources = new SourcePositions(this.store(SOURCE_POSITIONS.name) as unknown as KeyValueStore<string, string>);
      await this.sources.load();
    }
    for (const node of this.opts.topology.processors()) {
      const ctx = new NodeContext(node.name, this);
      const p = node.supplier.get();
      this.processors.set(node.name, p);
      this.contexts.set(node.name, ctx);
      await p.init?.(ctx);
    }
  }

  /**
   * Runs one input record through the topology. A record that fails to deserialize, or that
   * a processor throws on, goes to the dead-letter topic with the reason and the task goes
   * on; only fatal errors (see `isFatal`) fail it. Then the punctuators that became due
   * fire, wall-clock ones included, as Kafka Streams' thread punctuates between process
   * iterations: however long a runtime's batch or pass, a backlog holds no decision back.
   */
  async process(topic: string, partition: number, offset: string, raw: RawRecord): Promise<void> {
    await this.runRecord(topic, partition, offset, raw);
    await this.punctuateWallClock(this.opts.clock.now());
  }

  private async runRecord(topic: string, partition: number, offset: string, raw: RawRecord): Promise<void> {
    const source = this.opts.topology.sourceFor(topic);
    const at = BigInt(offset);
    this.current = { topic, partition, offset, replay: this.sources?.isReplay(topic, at) ?? false };
    this.commitNeeded = true;
    this.opts.metrics.recordsIn.inc({ topic });
    let record: StreamRecord<unknown, unknown>;
    try {
      const key = raw.key === null ? null : source.keySerde.deserialize(raw.key);
      const value = raw.value === null ? null : source.valueSerde.deserialize(raw.value);
      record = new StreamRecord(key, value, raw.timestamp, raw.headers);
    } catch (err) {
      this.deadLetters.undeserializable(source, raw, `${topic}/${partition}@${offset}`, err);
      this.current = undefined;
      this.sources?.seen(topic, at);
      return;
    }
    if (raw.timestamp > this.streamTime) this.streamTime = raw.timestamp;
    try {
      for (const child of this.opts.topology.childrenOf(source.name)) await this.deliver(child, record);
    } catch (err) {
      this.deadLetters.processingFailed(source, raw, `${topic}/${partition}@${offset}`, err);
    } finally {
      this.current = undefined;
      this.sources?.seen(topic, at);
    }
    await this.punctuation.fireStreamTime(this.streamTime);
  }

  /** The runtime reads source `topic` from `offset` (its committed offset; undefined: the log start). */
  resumeFrom(topic: string, offset: bigint | undefined): void {
    this.sources?.resumeFrom(topic, offset);
  }

  /**
   * True when the record at `offset` of `topic` must wait: it is past the replay while
   * another source still replays, and state that is not yet rebuilt must not meet new
   * input (a size limit would decide a trace half rebuilt). The runtime reads it again.
   */
  holdsBack(topic: string, offset: string): boolean {
    const s = this.sources;
    if (!s) return false;
    const at = BigInt(offset);
    if (s.isReplay(topic, at)) return false;
    s.seen(topic, at);
    return s.pending();
  }

  /** True while some source still has records to replay. */
  replaying(): boolean {
    return this.sources?.pending() ?? false;
  }

  /**
   * The input offsets to commit, given how far each source was processed (next offsets):
   * without source positions those; with them, the processed positions are recorded (in
   * this commit's changelog: call before prepareCommit) and each offset is held back to
   * what the processors still need to read again.
   */
  async committableOffsets(reached: ReadonlyMap<string, bigint>): Promise<Map<string, bigint>> {
    if (!this.sources) return new Map(reached);
    const out = await this.sources.advance(reached);
    for (const [topic, processed] of out) {
      let c = processed;
      for (const p of this.processors.values()) {
        const need = p.committableOffset?.(topic);
        if (need !== undefined && need < c) c = need;
      }
      out.set(topic, c);
    }
    return out;
  }

  /** Fires wall-clock punctuators that are due at `nowMs`. */
  async punctuateWallClock(nowMs: number): Promise<void> {
    if (await this.punctuation.fireWallClock(nowMs)) this.commitNeeded = true;
  }

  /** What a processor hands to `ProcessorContext.deadLetter` (e.g. one entry a punctuator cannot handle). */
  deadLetterFrom(node: string, raw: RawRecord, reason: string): void {
    this.deadLetters.fromProcessor(node, raw, reason);
  }

  /** True once the task has uncommitted work or asked for a commit (cache or buffer full). */
  needsCommit(): boolean {
    return this.commitNeeded || this.commitRequested || this.outputs.length > 0;
  }

  /** True when a bound was hit and the runtime should commit before processing more. */
  commitUrgent(): boolean {
    return this.commitRequested || this.outputs.length >= this.maxBuffered;
  }

  /** True while a processor asks for more input before the next commit (see Processor.readyToCommit). */
  commitDeferred(): boolean {
    for (const p of this.processors.values()) if (p.readyToCommit?.() === false) return true;
    return false;
  }

  /** Commit phase 1: processors' commit hooks, then everything to produce (outputs, then changelog changes). */
  async prepareCommit(): Promise<OutgoingRecord[]> {
    // Reset here, not on completion: the runtime may process on while this commit is sent.
    this.commitNeeded = false;
    this.commitRequested = false;
    for (const p of this.processors.values()) await p.commit?.();
    this.gauges.cache(this.stores);
    const out = this.outputs;
    this.outputs = [];
    for (const s of this.stores.values()) {
      // Unlogged stores are staged too, so RocksDB, not this process's heap, holds them.
      if (this.opts.changelogs === false || !s.changelogged) {
        s.stageChanges();
        continue;
      }
      const topic = changelogTopic(this.opts.applicationId, s.name);
      for (const c of s.takeChanges()) {
        out.push({ topic, partition: this.id, key: c.key, value: c.value, timestamp: this.opts.clock.now(), headers: {}, store: s.name });
      }
    }
    return out;
  }

  /**
   * Commit phase 2, after the produce (and transaction) succeeded: RocksDB catches up and
   * the checkpoint records the last changelog offset per store.
   */
  async completeCommit(changelogOffsets: ReadonlyMap<string, bigint>): Promise<void> {
    for (const s of this.stores.values()) {
      await s.applyChanges();
    }
    for (const [store, off] of changelogOffsets) {
      this.uncheckpointed += off - (this.checkpointOffsets.get(store) ?? -1n);
      this.checkpointOffsets.set(store, off);
    }
    // A stale checkpoint is safe on Kafka (restore replays committed changes from further
    // back); rewriting it after every commit cost a rename per task every 100 ms.
    if (this.uncheckpointed > BigInt(this.opts.checkpointDelta ?? 0)) this.writeCheckpoint();
    await this.gauges.entries(this.stores);
  }

  /** Drops everything since the last commit (a failed commit or a rebalance). */
  rollback(): void {
    this.outputs = [];
    for (const s of this.stores.values()) s.rollback();
    this.commitNeeded = false;
    this.commitRequested = false;
  }

  private writeCheckpoint(): void {
    this.checkpoint.write(this.checkpointOffsets);
    this.uncheckpointed = 0n;
  }

  async close(): Promise<void> {
    if (this.uncheckpointed > 0n) this.writeCheckpoint();
    for (const p of this.processors.values()) await p.close?.();
    this.gauges.remove(this.stores.keys());
    for (const s of this.stores.values()) await s.close();
    this.processors.clear();
    this.stores.clear();
  }

  // ---- used by NodeContext ----

  store(name: string): TaskStore<unknown, unknown> {
    const s = this.stores.get(name);
    if (!s) throw new TaskError(`task ${this.id}: no store named ${name}; declare it on the processor supplier`);
    return s;
  }

  schedule(node: string, intervalMs: number, type: 'stream-time' | 'wall-clock', fn: (ts: number) => void | Promise<void>) {
    const start = type === 'wall-clock' ? this.opts.clock.now() : this.streamTime;
    return this.punctuation.add(node, type, intervalMs, start, fn);
  }

  streamTimeMs(): number {
    return this.streamTime;
  }

  systemTimeMs(): number {
    return this.opts.clock.now();
  }

  requestCommit(): void {
    this.commitRequested = true;
  }

  recordMetadata(): RecordMetadata | undefined {
    return this.current;
  }

  async forwardFrom(from: string, record: StreamRecord<unknown, unknown>, childName?: string): Promise<void> {
    const children = this.opts.topology.childrenOf(from);
    if (childName !== undefined) {
      if (!children.includes(childName)) throw new TaskError(`${from} has no child named ${childName}`);
      await this.deliver(childName, record);
      return;
    }
    for (const child of children) await this.deliver(child, record);
  }

  private async deliver(nodeName: string, record: StreamRecord<unknown, unknown>): Promise<void> {
    const node = this.opts.topology.node(nodeName);
    if (node.kind === 'sink') {
      this.toSink(node, record);
      return;
    }
    const p = this.processors.get(nodeName);
    if (!p) throw new TaskError(`task ${this.id}: processor ${nodeName} is not initialised`);
    try {
      await p.process(record);
    } catch (err) {
      // Names the innermost node that threw; outer nodes pass it on unchanged.
      throw err instanceof ProcessingError ? err : new ProcessingError(nodeName, err);
    }
  }

  private toSink(node: SinkNode, record: StreamRecord<unknown, unknown>): void {
    try {
      this.emitToSink(node, record);
    } catch (err) {
      throw new ProcessingError(node.name, err);
    }
  }

  private emitToSink(node: SinkNode, record: StreamRecord<unknown, unknown>): void {
    this.deadLetters.countIfDeadLetter(node.topic);
    this.emit({
      topic: node.topic,
      key: record.key === null || record.key === undefined ? null : node.keySerde.serialize(record.key),
      value: record.value === null || record.value === undefined ? null : node.valueSerde.serialize(record.value),
      timestamp: record.timestamp,
      headers: record.headers,
    });
  }

  private emit(r: OutgoingRecord): void {
    // A replayed record's outputs were committed when it was first processed.
    if (this.current?.replay) return;
    this.outputs.push(r);
    this.opts.metrics.recordsOut.inc({ topic: r.topic });
  }
}
