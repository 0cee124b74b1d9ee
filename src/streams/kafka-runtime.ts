import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { MetricsRegistry } from '../metrics/registry.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { restoreChangelogs } from './changelog-restorer.ts';
import { assertKafkajsFixed } from './kafkajs-fixes.ts';
import { systemClock, type Clock } from './clock.ts';
import { compressionType, registerCompressionCodecs } from './compression.ts';
import type { KafkaCompression } from './compression-names.ts';
import { commitAtLeastOnce, fencePreviousOwner, type OffsetsToCommit } from './kafka-commit.ts';
import { TransactionsInFlight, type TakenCommit } from './transactions-in-flight.ts';
import { streamsMetrics, type StreamsMetrics } from './metrics.ts';
import { StreamTask, type RestorePlan } from './task.ts';
import type { TopicAdmin } from './topic-admin.ts';
import type { Topology } from './topology.ts';
import { committedOffsets, logStartOffset, sourcePartitionCount } from './group-admin.ts';
import { ReadPositions, type FetchedBatch } from './read-positions.ts';
import { Serial } from './serial.ts';
import { changelogTopic } from '../state/store.ts';

/** Changelog records between checkpoint-file writes (Kafka Streams' OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT). */
const CHECKPOINT_DELTA = 10_000;

export type ProcessingGuarantee = 'at_least_once' | 'exactly_once';

export interface KafkaRuntimeOptions {
  readonly applicationId: string;
  readonly topology: Topology;
  readonly kafka: Kafka;
  readonly topicAdmin: TopicAdmin;
  readonly stateDir: string;
  readonly processingGuarantee?: ProcessingGuarantee;
  /** Default 1000 ms at-least-once, 100 ms exactly-once (as Kafka Streams). */
  readonly commitIntervalMs?: number;
  /** Codec of the batches a commit produces (outputs and changelogs); default none. */
  readonly compression?: KafkaCompression;
  /** How often wall-clock punctuators are checked. */
  readonly punctuationTickMs?: number;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly clock?: Clock;
  readonly registry?: MetricsRegistry;
  readonly logger?: Logger;
}

interface TaskSlot {
  readonly task: StreamTask;
  /** Exactly-once: this task's transactional producer (transactional.id = appId-partition). */
  producer?: Producer;
  /** Next offset to commit per source topic. */
  readonly positions: Map<string, string>;
  /**
   * Where the task reads each source next; from the committed offsets, read (exactly-once)
   * after its producer fenced the previous owner: records below them were committed by that
   * owner (its last transaction can land after our consumer fetched its start offset).
   */
  reads: ReadPositions;
}

/**
 * Runs a topology on a Kafka consumer group (group id = application id): one task per
 * input partition, each with its own RocksDB stores and changelog partition. Processing,
 * punctuation and taking a commit are serialised per instance; a commit produces outputs
 * and changelog, waits for acks, then commits offsets. Exactly-once, all three go in one
 * transaction per task, sent while processing goes on (TransactionsInFlight).
 */
export class KafkaRuntime {
  readonly registry: MetricsRegistry;
  readonly metrics: StreamsMetrics;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly guarantee: ProcessingGuarantee;
  private readonly commitIntervalMs: number;
  private readonly compression: number;
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private readonly slots = new Map<number, TaskSlot>();
  private assigned: Set<number> | undefined;
  private assignmentChanged = false;
  private lastCommit = 0;
  private ticker: NodeJS.Timeout | undefined;
  private readonly serial = new Serial();
  private stopped = false;
  private failure: Error | undefined;
  /** Partitions of the source topics, known once started: every task is told the count. */
  private taskCount = 0;
  /** Consecutive retriable failures to start the assigned tasks, and when to try again. */
  private taskStartFailures = 0;
  private retryTasksAt = 0;
  private readonly inFlight: TransactionsInFlight;

  constructor(private readonly opts: KafkaRuntimeOptions) {
    registerCompressionCodecs(); // input batches may be compressed with any codec Kafka has
    this.registry = opts.registry ?? new MetricsRegistry();
    this.metrics = streamsMetrics(this.registry);
    this.logger = opts.logger ?? createLogger(`streams.${opts.applicationId}`);
    this.clock = opts.clock ?? systemClock;
    this.guarantee = opts.processingGuarantee ?? 'at_least_once';
    this.commitIntervalMs = opts.commitIntervalMs ?? (this.guarantee === 'exactly_once' ? 100 : 1000);
    this.compression = compressionType(opts.compression ?? 'none');
    this.inFlight = new TransactionsInFlight(opts.applicationId, this.compression);
  }

  /** Creates changelog topics, joins the group and starts processing. */
  async start(): Promise<void> {
    // Exactly-once holds only if no consumer of ours reads an aborted record.
    assertKafkajsFixed();
    const { kafka, topology, applicationId } = this.opts;
    const internal = new Set(topology.internalTopics());
    const partitions = await sourcePartitionCount(kafka, applicationId, topology.sourceTopics().filter((t) => !internal.has(t)));
    this.taskCount = partitions;
    await this.opts.topicAdmin.ensureTopics([
      ...topology.stores().filter((s) => s.changelog !== false).map((s) => ({ topic: changelogTopic(applicationId, s.name), partitions, compacted: true })),
      ...[...internal].map((topic) => ({ topic, partitions })),
    ]);
    if (this.guarantee === 'at_least_once') {
      this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await this.producer.connect();
    }
    const consumer = kafka.consumer({
      groupId: applicationId,
      readUncommitted: false,
      sessionTimeout: this.opts.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: this.opts.heartbeatIntervalMs ?? 1_000,
      maxWaitTimeInMs: 100,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const mine = new Set<number>();
      for (const parts of Object.values(payload.memberAssignment)) for (const p of parts) mine.add(p);
      this.assigned = mine;
      this.assignmentChanged = true;
      this.metrics.rebalances.inc();
      this.logger.info('partitions assigned', { partitions: [...mine].sort((a, b) => a - b) });
    });
    // kafkajs resolves a batch of only control or aborted records itself, without eachBatch.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0) this.slots.get(payload.partition)?.reads.passedOver(payload.topic, payload.firstOffset as string | null, payload.lastOffset);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // A retriable error (a broker away, a coordinator moving): kafkajs rejoins by itself,
      // and the join reopens every task from its last commit.
      if (payload.restart) {
        this.assignmentChanged = true;
        this.logger.warn('consumer restarting after an error', {}, payload.error);
        return;
      }
      this.failure = payload.error;
      this.logger.error('consumer crashed', {}, payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: topology.sourceTopics(), fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.exclusive(() => this.onBatch(payload)),
    });
    this.ticker = setInterval(() => {
      void this.exclusive(() => this.onTick()).catch((err: unknown) => this.fail(err));
    }, this.opts.punctuationTickMs ?? 100);
  }

  /** Commits, leaves the group and closes every task (SIGTERM / SIGINT path). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    await this.exclusive(async () => {
      // After a failed commit the tasks hold positions past their committed work: no more commits.
      if (!(await this.settleCommit())) return;
      await this.commitAll().catch((err: unknown) => this.logger.warn('final commit failed', {}, err));
      await this.settleCommit();
    });
    await this.consumer?.disconnect();
    await this.exclusive(async () => {
      for (const n of [...this.slots.keys()]) await this.closeTask(n);
    });
    await this.producer?.disconnect();
    this.logger.info('stopped');
  }

  /** Partitions this instance owns now (for tests and metrics). */
  ownedPartitions(): number[] {
    return [...this.slots.keys()].sort((a, b) => a - b);
  }

  get applicationId(): string {
    return this.opts.applicationId;
  }

  /** The error that stopped processing, if any. */
  error(): Error | undefined {
    return this.failure;
  }

  task(partition: number): StreamTask | undefined {
    return this.slots.get(partition)?.task;
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    await this.reconcile(heartbeat);
    this.logger.debug('batch', { topic: batch.topic, partition: batch.partition, records: batch.messages.length });
    const slot = this.slots.get(batch.partition);
    if (!slot) return; // not ours (anymore): kafkajs re-fetches after the rebalance
    if (!(await this.continuesReading(slot, batch))) return;
    const last = batch.messages[batch.messages.length - 1];
    for (const m of batch.messages) {
      if (!isRunning() || isStale()) break;
      if (slot.reads.passed(batch.topic, m.offset)) {
        resolveOffset(m.offset);
        slot.reads.read(batch, m.offset, m === last);
        continue;
      }
      // Left unresolved: kafkajs fetches it again once the other sources' replay is over.
      if (slot.task.holdsBack(batch.topic, m.offset)) break;
      const headers: Record<string, Buffer> = {};
      for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) headers[k] = Buffer.isBuffer(v) ? v : Buffer.from(String(v));
      await slot.task.process(batch.topic, batch.partition, m.offset, { key: m.key, value: m.value, timestamp: Number(m.timestamp), headers });
      slot.positions.set(batch.topic, (BigInt(m.offset) + 1n).toString());
      resolveOffset(m.offset);
      slot.reads.read(batch, m.offset, m === last);
      if (slot.task.commitUrgent() && !(await this.commitOrRecover())) return;
    }
    if (this.clock.now() - this.lastCommit >= this.commitIntervalMs && !(await this.commitOrRecover())) return;
    try {
      await heartbeat();
    } catch (err) {
      // The group is rebalancing (or its coordinator is away): commit now, while this
      // generation may still commit; kafkajs may go on without a rejoin.
      await this.commitOrRecover(true);
      throw err;
    }
  }

  /**
   * Whether `batch` continues where the task reads its topic (ReadPositions). One fetched
   * from further on is read only if every record in between is gone from the log (retention:
   * kafkajs restarted at the log start); otherwise it was fetched before a seek and skipping
   * to it would lose records: it is dropped and the consumer sent back to where the task
   * reads (or to the log start, if that is past it, so the seek cannot go round forever).
   */
  private async continuesReading(slot: TaskSlot, batch: FetchedBatch): Promise<boolean> {
    const next = slot.reads.gapAt(batch);
    if (next === undefined) return true;
    const fetched = BigInt(batch.fetchedOffset as string);
    const logStart = await logStartOffset(this.opts.kafka, batch.topic, batch.partition);
    if (fetched <= logStart) {
      slot.reads.moveTo(batch.topic, fetched);
      return true;
    }
    const back = next > logStart ? next : logStart;
    slot.reads.moveTo(batch.topic, back);
    this.metrics.staleBatches.inc({ app: this.opts.applicationId });
    this.logger.warn('batch fetched past where the task reads dropped: reading again from there', { topic: batch.topic, partition: batch.partition, fetchedOffset: batch.fetchedOffset, from: back.toString() });
    this.rewind([{ topic: batch.topic, partition: batch.partition, offset: back.toString() }]);
    return false;
  }

  private async onTick(): Promise<void> {
    if (this.stopped || this.failure) return;
    await this.reconcile();
    const now = this.clock.now();
    for (const { task } of this.slots.values()) await task.punctuateWallClock(now);
    if (now - this.lastCommit >= this.commitIntervalMs) await this.commitOrRecover();
  }

  /**
   * Commits; on failure every task goes back to its last commit: the tasks are reopened
   * (reconcile), which also rewinds the consumer to the committed offsets, so the dropped
   * work is read again. Exactly-once, the commit is sent while processing goes on; `wait`
   * waits for it. False when this commit or the one sent before it failed.
   */
  private async commitOrRecover(wait = false): Promise<boolean> {
    if (!(await this.settleCommit())) return false;
    try {
      await this.commitAll();
    } catch (err) {
      this.commitFailed(err);
      return false;
    }
    return wait ? this.settleCommit() : true;
  }

  private commitFailed(err: unknown): void {
    this.metrics.commitFailures.inc({ app: this.opts.applicationId });
    this.logger.warn('commit failed: rolling back to the last commit and reprocessing', {}, err);
  }

  /**
   * Waits for the exactly-once commit being sent, if any. False when it failed: the tasks
   * whose transactions did not commit are rolled back, and every task is reopened from its
   * last commit (reconcile) before anything else is processed.
   */
  private async settleCommit(): Promise<boolean> {
    const sent = await this.inFlight.settle();
    if (!sent) return true;
    if (sent.error !== undefined) {
      for (const task of sent.tasks) if (!sent.committed.includes(task)) task.rollback();
      this.assignmentChanged = true;
      this.commitFailed(sent.error);
      return false;
    }
    this.logger.debug('committed', { tasks: sent.tasks.length, ms: this.clock.now() - sent.startedMs });
    this.metrics.commits.inc({ app: this.opts.applicationId }, sent.tasks.length);
    this.metrics.commitLatencyMs.observe(this.clock.now() - sent.startedMs, { app: this.opts.applicationId });
    return true;
  }

  /**
   * Moves the consumer to the committed offsets of the tasks just opened. Read after the
   * fence they are final; read right after a failed commit (as before) they could miss
   * the offset a transaction that had just committed was still writing.
   */
  private rewind(committed: OffsetsToCommit): void {
    const consumer = this.consumer as Consumer;
    try {
      for (const { topic, partition, offset } of committed) consumer.seek({ topic, partition, offset: offset === '-1' ? '-2' : offset });
    } catch (err) {
      // The consumer is rejoining (kafkajs restarts it): it starts from the committed offsets anyway.
      this.logger.warn('cannot seek while the consumer restarts', {}, err);
    }
  }

  /**
   * Applies a new assignment. kafkajs rewinds every partition to its committed offset after
   * a rebalance and has no revocation callback, so every task goes back to its last commit:
   * tasks are closed (uncommitted work dropped) and the new set opened and restored from
   * their checkpoints; only the changelog delta is read. A retriable failure to start them
   * (e.g. the ClickHouse sink cannot read its batch intents while ClickHouse is down) is
   * retried with backoff instead of stopping the runtime; the partitions wait meanwhile.
   */
  private async reconcile(heartbeat?: () => Promise<void>): Promise<void> {
    // A commit that failed meanwhile reopens the tasks here, before anything is processed.
    if (this.inFlight.hasEnded) await this.settleCommit();
    if (!this.assignmentChanged || !this.assigned || this.clock.now() < this.retryTasksAt) return;
    await this.settleCommit(); // the tasks are closed below: nothing of theirs may still be sent
    this.assignmentChanged = false;
    for (const n of [...this.slots.keys()]) await this.closeTask(n);
    const opened: TaskSlot[] = [];
    try {
      await this.openTasks(this.assigned, opened, heartbeat);
      this.taskStartFailures = 0;
    } catch (err) {
      // Nothing half-open stays behind (RocksDB locks, producers); the next call starts over.
      this.assignmentChanged = true;
      for (const slot of opened) {
        await slot.task.close().catch(() => undefined);
        await slot.producer?.disconnect().catch(() => undefined);
      }
      this.metrics.tasks.set(0, { app: this.opts.applicationId });
      if (!isTransient(err)) throw err;
      const delayMs = Math.min(5_000, 250 * 2 ** this.taskStartFailures++);
      this.retryTasksAt = this.clock.now() + delayMs;
      this.logger.warn('tasks could not start: retrying', { partitions: [...this.assigned].sort((a, b) => a - b), retryInMs: delayMs }, err);
      return;
    }
    for (const slot of opened) this.slots.set(slot.task.id, slot);
    this.metrics.tasks.set(this.slots.size, { app: this.opts.applicationId });
  }

  private async openTasks(want: ReadonlySet<number>, opened: TaskSlot[], heartbeat?: () => Promise<void>): Promise<void> {
    const plans: RestorePlan[] = [];
    for (const partition of [...want].sort((a, b) => a - b)) {
      const task = new StreamTask({
        applicationId: this.opts.applicationId,
        topology: this.opts.topology,
        taskId: partition,
        taskCount: this.taskCount,
        stateDir: this.opts.stateDir,
        clock: this.clock,
        metrics: this.metrics,
        logger: this.logger,
        checkpointDelta: CHECKPOINT_DELTA,
      });
      const slot: TaskSlot = { task, positions: new Map(), reads: new ReadPositions([]) };
      opened.push(slot);
      plans.push(...(await task.open()));
      if (this.guarantee === 'exactly_once') {
        slot.producer = this.opts.kafka.producer({
          transactionalId: `${this.opts.applicationId}-${partition}`,
          idempotent: true,
          maxInFlightRequests: 1,
        });
      }
    }
    // Each producer fences its own transactional.id, so the tasks fence side by side; all
    // have ended before a failure is thrown (and the caller disconnects them).
    const fenced = await Promise.allSettled(
      opened.map(async ({ producer }) => {
        if (!producer) return;
        await producer.connect();
        await fencePreviousOwner(producer);
      }),
    );
    const refused = fenced.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (refused) throw refused.reason;
    // After every new producer fenced its partition's previous owner: that owner's last
    // transaction has completed (markers written), so the committed offsets and the
    // changelogs' last stable offsets agree and nothing can commit past them.
    const committed = (await committedOffsets(this.opts.kafka, this.opts.applicationId, this.opts.topology.sourceTopics())).filter((o) => want.has(o.partition));
    this.rewind(committed);
    for (const slot of opened) {
      // No commit yet: from the log start (a batch from further on is checked against it).
      slot.reads = new ReadPositions(committed.filter((o) => o.partition === slot.task.id).map((o) => [o.topic, o.offset === '-1' ? 0n : BigInt(o.offset)] as const));
    }
    const started = this.clock.now();
    await restoreChangelogs(this.opts.kafka, plans, (plan, entries, last) => this.taskOf(opened, plan.partition).restore(plan.store, entries, last), {
      logger: this.logger,
      metrics: this.metrics,
      ...(heartbeat ? { heartbeat } : {}),
    });
    for (const slot of opened) await slot.task.init();
    tellResumeOffsets(opened.map((s) => s.task), committed);
    this.logger.info('tasks ready', { partitions: opened.map((s) => s.task.id), restoreMs: this.clock.now() - started });
  }

  private taskOf(slots: readonly TaskSlot[], partition: number): StreamTask {
    const s = slots.find((x) => x.task.id === partition);
    if (!s) throw new Error(`no task for partition ${partition}`);
    return s.task;
  }

  /** Takes a commit of every task with work to commit; exactly-once, starts sending it. */
  private async commitAll(): Promise<void> {
    this.lastCommit = this.clock.now();
    const due = [...this.slots.values()].filter((s) => s.task.needsCommit());
    if (due.length === 0) return;
    const started = this.clock.now();
    try {
      if (this.guarantee === 'exactly_once') {
        // Taken in one go, nothing processed in between: offsets and state agree.
        const taken: TakenCommit[] = [];
        for (const slot of due) taken.push({ task: slot.task, producer: slot.producer as Producer, offsets: await this.offsetsOf(slot), records: await slot.task.prepareCommit() });
        this.inFlight.start(taken, started);
        return;
      }
      const each = [];
      for (const s of due) each.push({ task: s.task, offsets: await this.offsetsOf(s) });
      await commitAtLeastOnce(this.producer as Producer, this.consumer as Consumer, each, this.compression);
    } catch (err) {
      // Rolled-back tasks still hold positions past their work: whoever called, they are
      // reopened from their last commit before anything else runs (reconcile).
      for (const s of due) s.task.rollback();
      this.assignmentChanged = true;
      throw err;
    }
    this.logger.debug('committed', { tasks: due.length, ms: this.clock.now() - started });
    this.metrics.commits.inc({ app: this.opts.applicationId }, due.length);
    this.metrics.commitLatencyMs.observe(this.clock.now() - started, { app: this.opts.applicationId });
  }

  /** What the task may commit: its processed positions, or less (Topology.withSourcePositions). */
  private async offsetsOf(slot: TaskSlot): Promise<OffsetsToCommit> {
    const reached = new Map([...slot.positions].map(([topic, offset]) => [topic, BigInt(offset)] as const));
    const offsets = await slot.task.committableOffsets(reached);
    return [...offsets].map(([topic, offset]) => ({ topic, partition: slot.task.id, offset: offset.toString() }));
  }

  private async closeTask(partition: number): Promise<void> {
    const slot = this.slots.get(partition);
    if (!slot) return;
    this.slots.delete(partition);
    slot.task.rollback();
    await slot.task.close();
    await slot.producer?.disconnect();
  }

  private fail(err: unknown): void {
    this.failure = err instanceof Error ? err : new Error(String(err));
    this.logger.error('processing failed', {}, err);
  }

  private exclusive(fn: () => Promise<void>): Promise<void> {
    return this.serial.run(fn);
  }
}

/** Tells each task where the consumer resumes its sources: records from there up to its processed position are replayed. */
function tellResumeOffsets(tasks: readonly StreamTask[], committed: OffsetsToCommit): void {
  for (const task of tasks) {
    for (const o of committed) if (o.partition === task.id) task.resumeFrom(o.topic, o.offset === '-1' ? undefined : BigInt(o.offset));
  }
}

/** Broker or coordinator trouble that passes (kafkajs marks it retriable, or gave up retrying it). */
function isTransient(err: unknown): boolean {
  for (let e = err as { name?: string; retriable?: boolean; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.retriable === true || e.name === 'KafkaJSNumberOfRetriesExceeded' || e.name === 'KafkaJSConnectionError') return true;
  }
  return false;
}
