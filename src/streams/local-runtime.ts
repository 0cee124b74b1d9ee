import { MetricsRegistry } from '../metrics/registry.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { changelogTopic } from '../state/store.ts';
import type { ChangelogEntry } from '../state/task-store.ts';
import { systemClock, type Clock } from './clock.ts';
import { InMemoryBroker } from './in-memory-broker.ts';
import type { LocalBroker } from './local-broker.ts';
import { streamsMetrics, type StreamsMetrics } from './metrics.ts';
import { StreamTask } from './task.ts';
import { copartitionedCount, type Topology } from './topology.ts';
import { LocalRunLoop, type RunLoopHooks } from './local-run-loop.ts';
import { Serial } from './serial.ts';

export interface LocalRuntimeOptions {
  /** Default: a fresh InMemoryBroker. Embedded mode passes a FileBroker (durable topics and offsets). */
  readonly broker?: LocalBroker;
  readonly stateDir: string;
  readonly clock?: Clock;
  readonly registry?: MetricsRegistry;
  readonly logger?: Logger;
  /** Commit after every input record, as Kafka Streams' TopologyTestDriver does (tests). */
  readonly commitEveryRecord?: boolean;
  /** Change-log stores into the in-memory broker (tests of restore); embedded mode turns it off. */
  readonly changelogs?: boolean;
  /** Records a task takes per pass before others get a turn. */
  readonly maxPollRecords?: number;
  /**
   * Least time between two commits of a task unless a bound forces one (Kafka Streams'
   * commit.interval.ms); default 0: commit after every pass. Embedded mode sets it, since
   * each of its commits syncs files.
   */
  readonly commitIntervalMs?: number;
}

interface App {
  readonly id: string;
  readonly topology: Topology;
  readonly tasks: StreamTask[];
  /** Next offset to read per `topic/partition`. */
  readonly positions: Map<string, number>;
  /** Next offset after the last commit per `topic/partition`: where a rollback resumes. */
  readonly committed: Map<string, number>;
}

/**
 * Runs topologies in-process on an InMemoryBroker: the embedded mode's engine and the test
 * driver's. Tasks, stores, processors and the commit cycle are the very ones KafkaRuntime
 * uses; only the transport differs. Outputs land in in-memory topics, from which any
 * topology that reads them continues, so a whole pipeline runs in one process.
 */
export class LocalRuntime {
  readonly broker: LocalBroker;
  readonly clock: Clock;
  readonly registry: MetricsRegistry;
  readonly metrics: StreamsMetrics;
  private readonly logger: Logger;
  private readonly apps: App[] = [];
  private readonly serial = new Serial();
  private lastCommit: number;
  private readonly taskCommits = new WeakMap<StreamTask, number>();

  constructor(private readonly opts: LocalRuntimeOptions) {
    this.broker = opts.broker ?? new InMemoryBroker();
    this.clock = opts.clock ?? systemClock;
    this.registry = opts.registry ?? new MetricsRegistry();
    this.metrics = streamsMetrics(this.registry);
    this.logger = opts.logger ?? createLogger('streams.local');
    this.lastCommit = this.clock.now();
  }

  /** Clock time of the last successful commit (or of the start). */
  lastCommitMs(): number {
    return this.lastCommit;
  }

  /**
   * Records in source topics not yet processed by the apps that read them (a committed
   * offset may stay behind on purpose: see Topology.withSourcePositions).
   */
  lag(): number {
    let n = 0;
    for (const app of this.apps) for (const [k, off] of app.positions) n += Math.max(0, this.broker.endOffset(...splitKey(k)) - off);
    return n;
  }

  /** Starts a topology under an application id: one task per partition of its sources. */
  async add(applicationId: string, topology: Topology): Promise<void> {
    const topics = topology.sourceTopics();
    const partitions = copartitionedCount(applicationId, new Map(topics.map((t) => [t, this.broker.partitions(t)])));
    const app: App = { id: applicationId, topology, tasks: [], positions: new Map(), committed: new Map() };
    for (let p = 0; p < partitions; p++) {
      for (const t of topics) {
        const start = this.broker.committedOffset(applicationId, `${t}/${p}`) ?? this.broker.startOffset(t, p);
        app.positions.set(`${t}/${p}`, start);
        app.committed.set(`${t}/${p}`, start);
      }
      app.tasks.push(await this.openTask(app, p, partitions));
    }
    this.metrics.tasks.add(partitions, { app: applicationId });
    this.apps.push(app);
  }

  /** Opens a task, restores its stores from the in-memory changelogs and starts its processors. */
  private async openTask(app: Pick<App, 'id' | 'topology' | 'positions'>, partition: number, taskCount: number): Promise<StreamTask> {
    const task = new StreamTask({
      applicationId: app.id,
      topology: app.topology,
      taskId: partition,
      taskCount,
      stateDir: this.opts.stateDir,
      clock: this.clock,
      metrics: this.metrics,
      logger: this.logger,
      changelogs: this.opts.changelogs ?? true,
    });
    for (const plan of await task.open()) {
      const entries: ChangelogEntry[] = [];
      let last = plan.fromOffset - 1n;
      for (const { offset, record } of this.broker.read(plan.topic, plan.partition, Number(plan.fromOffset))) {
        if (record.key) entries.push({ key: record.key, value: record.value });
        last = BigInt(offset);
      }
      await task.restore(plan.store, entries, last);
    }
    await task.init();
    for (const t of app.topology.sourceTopics()) task.resumeFrom(t, BigInt(app.positions.get(`${t}/${partition}`) ?? 0));
    return task;
  }

  /**
   * Processes everything pending in every topology, committing as configured. Between
   * passes (at most `maxPollRecords` per task and topic) every task's due wall-clock
   * punctuators fire, the idle ones' too: a backlog elsewhere holds no decision back.
   */
  drain(): Promise<void> {
    return this.exclusive(async () => {
      for (let progressed = true; progressed; ) {
        progressed = false;
        for (const app of this.apps) if (await this.pollApp(app)) progressed = true;
        if (progressed) await this.punctuateAll();
      }
    });
  }

  /** Fires due wall-clock punctuators everywhere, commits, and drains what they produced. */
  async punctuate(): Promise<void> {
    await this.exclusive(() => this.punctuateAll());
    await this.drain();
  }

  private async punctuateAll(): Promise<void> {
    const now = this.clock.now();
    for (const app of this.apps) {
      for (const task of [...app.tasks]) {
        await task.punctuateWallClock(now);
        await this.commit(app, task);
      }
    }
  }

  /** Runs this runtime: a step on every `wake()` of the loop and every `intervalMs` (embedded mode). */
  startLoop(intervalMs: number, hooks: RunLoopHooks = {}): LocalRunLoop {
    return new LocalRunLoop(this, intervalMs, hooks);
  }

  /** Commits every task with pending work. */
  commitAll(): Promise<void> {
    return this.exclusive(async () => {
      for (const app of this.apps) for (const task of app.tasks) await this.commit(app, task, true);
    });
  }

  task(applicationId: string, partition: number): StreamTask {
    const t = this.apps.find((a) => a.id === applicationId)?.tasks[partition];
    if (!t) throw new Error(`no task ${applicationId}/${partition}`);
    return t;
  }

  async close(): Promise<void> {
    await this.commitAll();
    await this.exclusive(async () => {
      for (const app of this.apps) for (const task of app.tasks) await task.close();
      this.apps.length = 0;
    });
  }

  private async pollApp(app: App): Promise<boolean> {
    let progressed = false;
    const max = this.opts.maxPollRecords ?? 1000;
    for (const topic of app.topology.sourceTopics()) {
      for (const task of [...app.tasks]) {
        const posKey = `${topic}/${task.id}`;
        const from = app.positions.get(posKey) ?? 0;
        const current = app.tasks[task.id] as StreamTask;
        for (const { offset, record } of this.broker.read(topic, task.id, from, max)) {
          if (current.holdsBack(topic, String(offset))) break;
          await current.process(topic, task.id, String(offset), record);
          app.positions.set(posKey, offset + 1);
          progressed = true;
          if ((this.opts.commitEveryRecord || current.commitUrgent()) && !(await this.commit(app, current))) return progressed;
        }
        if (current.needsCommit() && !current.commitDeferred() && !(await this.commit(app, current))) return progressed;
      }
    }
    return progressed;
  }

  /**
   * Produces the task's outputs and changelog, then lets its stores catch up. On failure
   * (e.g. an external sink refused the batch) the task is reopened at its last commit and
   * its input rewound, so the work is done again later: nothing lost.
   */
  private async commit(app: App, task: StreamTask, force = false): Promise<boolean> {
    if (!task.needsCommit()) return true;
    const interval = this.opts.commitIntervalMs ?? 0;
    if (!force && interval > 0 && !task.commitUrgent() && this.clock.now() - (this.taskCommits.get(task) ?? 0) < interval) return true;
    // A processor midway through something a commit would cut (a sink replaying a batch)
    // gets more input first; committing now would fail and rewind it, again and again.
    if (task.commitDeferred() && !task.commitUrgent()) return true;
    const started = this.clock.now();
    let records;
    const changelogOffsets = new Map<string, bigint>();
    let offsets: Map<string, number>;
    try {
      offsets = await this.committableOffsets(app, task);
      records = await task.prepareCommit();
    } catch (err) {
      this.metrics.commitFailures.inc({ app: app.id });
      this.logger.warn('commit failed: rolling the task back to its last commit; its input will be processed again', { app: app.id, task: task.id }, err);
      await this.reopen(app, task);
      return false;
    }
    try {
      for (const r of records) {
        const [, offset] = this.broker.append(r.topic, { key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers }, r.partition);
        if (r.store) changelogOffsets.set(r.store, BigInt(offset));
      }
      await this.broker.commitOffsets(app.id, offsets);
    } catch (err) {
      if (!this.broker.rollbackUncommitted) throw err;
      // A full disk (ENOSPC) or another write error of the logs: undo the partial commit and
      // redo the work later, as after a restart; the pipeline resumes once space returns.
      this.broker.rollbackUncommitted();
      this.metrics.commitFailures.inc({ app: app.id });
      this.logger.warn('commit could not be written to the embedded logs: rolling the task back to its last commit', { app: app.id, task: task.id }, err);
      await this.reopen(app, task);
      return false;
    }
    await task.completeCommit(changelogOffsets);
    for (const [k, off] of offsets) app.committed.set(k, off);
    for (const [store, off] of changelogOffsets) this.broker.releaseChangelog(changelogTopic(app.id, store), task.id, Number(off));
    this.lastCommit = this.clock.now();
    this.taskCommits.set(task, this.lastCommit);
    this.metrics.commits.inc({ app: app.id });
    this.metrics.commitLatencyMs.observe(this.clock.now() - started);
    for (const topic of app.topology.sourceTopics()) this.release(topic, task.id);
    return true;
  }

  /** The task's input offsets to commit (`topic/partition` → next offset): its processed positions, or less. */
  private async committableOffsets(app: App, task: StreamTask): Promise<Map<string, number>> {
    const reached = new Map(app.topology.sourceTopics().map((t) => [t, BigInt(app.positions.get(`${t}/${task.id}`) ?? 0)] as const));
    const out = new Map<string, number>();
    for (const [t, off] of await task.committableOffsets(reached)) if (reached.has(t)) out.set(`${t}/${task.id}`, Number(off));
    return out;
  }

  private async reopen(app: App, task: StreamTask): Promise<void> {
    task.rollback();
    await task.close();
    for (const topic of app.topology.sourceTopics()) {
      const k = `${topic}/${task.id}`;
      app.positions.set(k, app.committed.get(k) ?? 0);
    }
    app.tasks[task.id] = await this.openTask(app, task.id, task.taskCount);
  }

  /** Drops records every app that reads the topic has committed past: bounded memory. */
  private release(topic: string, partition: number): void {
    const readers = this.apps.filter((a) => a.committed.has(`${topic}/${partition}`));
    const min = Math.min(...readers.map((a) => a.committed.get(`${topic}/${partition}`) ?? 0));
    if (Number.isFinite(min)) this.broker.truncate(topic, partition, min);
  }

  private exclusive(fn: () => Promise<void>): Promise<void> {
    return this.serial.run(fn);
  }
}

function splitKey(k: string): [string, number] {
  const cut = k.lastIndexOf('/');
  return [k.slice(0, cut), Number(k.slice(cut + 1))];
}
