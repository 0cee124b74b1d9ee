import { deriveEdges, deriveSpanMetrics } from '../../edges/index.ts';
import type { SampledTrace } from '../../model/sampled-trace.ts';
import type { Span } from '../../model/span.ts';
import { bufferSerde, plainJsonSerde, stringSerde } from '../../serde/serde.ts';
import { storeSpec, type KeyValueStore } from '../../state/store.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../streams/processor.ts';
import { StreamRecord } from '../../streams/record.ts';
import { createSampler, type Sampler } from '../decision.ts';
import type { SamplingConfig } from '../config.ts';
import { taskShareOf } from '../cluster-share.ts';
import { deadlineKey, dueBefore, IndexScanMark, spanKey, spanPrefix, traceIdOfIndexKey } from './keys.ts';
import { SpanFilter } from './span-filter.ts';
import { addSpan, completionReason, deadlineOf, newMeta, type CompletionReason, type TraceMeta } from './meta.ts';
import type { SamplingMetrics } from './metrics.ts';
import type { SpanCodec } from './span-codec.ts';
import { DecisionCache, type CachedDecision } from './decision-cache.ts';
import { WindowStore, windowRowSerde } from './window-store.ts';
import { deadLetterRow, deadLetterTrace } from './dead-letter-trace.ts';
import { isFatal } from '../../streams/processing-errors.ts';
import { decisionStat } from '../stats/decision-stat.ts';

export type { CachedDecision } from './decision-cache.ts';

/** Traces decided and decisions expired per punctuation at most. */
const MAX_PER_TICK = 5_000;
/** Due traces whose reads are issued together. */
const READ_AHEAD = 64;

export const STORES = {
  spans: 'trace-spans',
  meta: 'trace-meta',
  deadlines: 'trace-deadlines',
  decisions: 'trace-decisions',
  expiry: 'decision-expiry',
  windows: 'edge-metric-windows',
} as const;

export interface AssemblyOptions {
  readonly sampling: SamplingConfig;
  /** How often due traces, expired decisions and closed windows are looked at. */
  readonly tickMs: number;
  readonly windowMs: number;
  /** A window is emitted this long after it ends (most of its traces are decided by then). */
  readonly windowFlushDelayMs: number;
  /** In-flight bytes before the oldest traces are decided early. */
  readonly maxBytesInFlight: number;
  /** Spans per SampledTrace record, so a huge trace never makes one huge Kafka record. */
  readonly outputChunkSpans: number;
  /** Child node names to forward to. */
  readonly children: { readonly sampled: string; readonly edges: string; readonly metrics: string; readonly stats: string };
}

/**
 * Buffers the spans of each trace in RocksDB until the trace is complete, then asks the
 * sampling policies, derives dependency edges from the whole trace, and emits kept traces.
 * Span metrics are folded per span on arrival. Everything it remembers is in stores, so a
 * task moving to another instance takes its in-flight traces and decisions along.
 */
export function traceAssembler(opts: AssemblyOptions, codec: SpanCodec, metrics: SamplingMetrics): ProcessorSupplier<string, Span[], string, unknown> {
  return {
    stores: [
      storeSpec(STORES.spans, stringSerde, bufferSerde),
      storeSpec(STORES.meta, stringSerde, plainJsonSerde<TraceMeta>()),
      storeSpec(STORES.deadlines, stringSerde, stringSerde),
      storeSpec(STORES.decisions, stringSerde, plainJsonSerde<CachedDecision>()),
      storeSpec(STORES.expiry, stringSerde, stringSerde),
      storeSpec(STORES.windows, stringSerde, windowRowSerde),
    ],
    get: () => new TraceAssembler(opts, codec, metrics, (tasks) => createSampler({ policies: taskShareOf(opts.sampling.policies, tasks) })),
  };
}

export class TraceAssembler implements Processor<string, Span[], string, unknown> {
  private ctx!: ProcessorContext<string, unknown>;
  private spans!: KeyValueStore<string, Buffer>;
  private metas!: KeyValueStore<string, TraceMeta>;
  private deadlines!: KeyValueStore<string, string>;
  private decisions!: DecisionCache;
  private sampler!: Sampler;
  private windows!: WindowStore;
  /**
   * Ids of in-flight traces, held in memory so a new trace costs no RocksDB read; bounded
   * by num_traces and rebuilt from the store on start.
   */
  private readonly inFlight = new Set<string>();
  /** Where the deadline index is live (see IndexScanMark). */
  private readonly deadlineMark = new IndexScanMark();
  private bytesInFlight = 0;
  /** When this task (re)started: restored traces get one decision wait to catch up. */
  private initAt = 0;
  private readonly times: { decisionWaitMs: number; rootGraceMs: number; maxTraceAgeMs: number };

  constructor(
    private readonly opts: AssemblyOptions,
    private readonly codec: SpanCodec,
    private readonly metrics: SamplingMetrics,
    /** Builds the policies with this task's share of the cluster-wide rate budgets. */
    private readonly makeSampler: (tasks: number) => Sampler,
  ) {
    this.times = opts.sampling;
  }

  async init(ctx: ProcessorContext<string, unknown>): Promise<void> {
    this.ctx = ctx;
    this.sampler = this.makeSampler(ctx.taskCount);
    this.initAt = ctx.currentSystemTimeMs();
    this.spans = ctx.getStateStore(STORES.spans);
    this.metas = ctx.getStateStore(STORES.meta);
    this.deadlines = ctx.getStateStore(STORES.deadlines);
    this.decisions = new DecisionCache(ctx.getStateStore(STORES.decisions), ctx.getStateStore(STORES.expiry), this.opts.sampling.decisionCache.maxEntries);
    this.windows = new WindowStore(ctx.getStateStore(STORES.windows), this.opts.windowMs);
    // Counters are derived from the stores, so they are right after a restore or restart.
    for await (const { key, value } of this.metas.all()) {
      this.inFlight.add(key);
      this.bytesInFlight += value.bytes;
    }
    await this.decisions.load();
    this.publishGauges();
    ctx.schedule(this.opts.tickMs, 'wall-clock', (now) => this.tick(now));
  }

  rolledBack(): void {
    this.windows.rescanAll();
    this.decisions.rescanAll();
    this.deadlineMark.reset();
  }

  private async indexDeadline(ms: number, traceId: string): Promise<void> {
    const key = deadlineKey(ms, traceId);
    await this.deadlines.put(key, '');
    this.deadlineMark.put(key);
  }

  async process(record: StreamRecord<string, Span[]>): Promise<void> {
    const traceId = record.key;
    const now = this.ctx.currentSystemTimeMs();
    const cached = await this.decisions.get(traceId);
    if (cached) return this.followDecision(traceId, record.value, cached, now);

    let meta = this.inFlight.has(traceId) ? await this.metas.get(traceId) : undefined;
    const isNew = !meta;
    if (!meta) {
      await this.relieveMemoryPressure(now);
      meta = newMeta(now);
      this.inFlight.add(traceId);
    }
    const fresh: Span[] = [];
    const keys = record.value.map((span) => spanKey(traceId, span.spanId, span.kind));
    // Only keys the trace's filter may hold are read back (a retried span is stored once).
    const filter = new SpanFilter(meta.spanFilter);
    const seen: Array<unknown> = [];
    if (!isNew) {
      const maybe = keys.flatMap((k, i) => (filter.mayContain(k) ? [i] : []));
      if (maybe.length > 0) {
        const got = await this.spans.getMany(maybe.map((i) => keys[i] as string));
        maybe.forEach((i, j) => (seen[i] = got[j]));
      }
    }
    const inRecord = new Set<string>();
    const s = this.opts.sampling;
    let rest = 0; // where the spans past a size limit start; they follow the decision
    for (const [i, span] of record.value.entries()) {
      if (meta.spans >= s.maxSpansPerTrace || meta.bytes >= s.maxTraceBytes) {
        rest = i;
        break;
      }
      const key = keys[i] as string;
      if (seen[i] !== undefined || inRecord.has(key)) {
        this.metrics.duplicateSpans.inc();
        continue;
      }
      inRecord.add(key);
      filter.add(key);
      const bytes = this.codec.encode(span);
      await this.spans.put(key, bytes);
      addSpan(meta, span, bytes.length, now);
      this.bytesInFlight += bytes.length;
      fresh.push(span);
    }
    meta.spanFilter = filter.encode();
    this.metrics.spansBuffered.add(fresh.length);
    await this.windows.addSpanMetrics(deriveSpanMetrics(fresh));
    meta.deadline = deadlineOf(meta, this.times);
    if (isNew || meta.deadline < meta.indexedAt) {
      if (!isNew) await this.deadlines.delete(deadlineKey(meta.indexedAt, traceId));
      meta.indexedAt = meta.deadline;
      await this.indexDeadline(meta.deadline, traceId);
    }
    await this.metas.put(traceId, meta);
    const limit = meta.spans >= s.maxSpansPerTrace ? 'span_limit' : meta.bytes >= s.maxTraceBytes ? 'byte_limit' : undefined;
    if (limit) {
      // Decided at the limit exactly, mid-record if need be; the rest follows the decision.
      const d = await this.decide(traceId, meta, limit, now);
      if (rest > 0) await this.followDecision(traceId, record.value.slice(rest), d, now);
    }
    this.publishGauges();
  }

  /** Decides due traces, expires old decisions, emits closed windows. */
  private async tick(now: number): Promise<void> {
    const due: string[] = [];
    // Bounded per tick: a backlog is worked off over the next ticks, not in one long pause.
    for await (const { key } of this.deadlines.range(this.deadlineMark.from, dueBefore(now), { limit: MAX_PER_TICK })) due.push(key);
    if (due.length < MAX_PER_TICK) this.deadlineMark.advance(dueBefore(now));
    for (let i = 0; i < due.length; i += READ_AHEAD) {
      // Reads for a slice of due traces go to RocksDB together; decisions then run in order
      // (they share the window store, so they must not interleave).
      const slice = due.slice(i, i + READ_AHEAD).map((key) => ({ key, traceId: traceIdOfIndexKey(key) }));
      const metas = await this.metas.getMany(slice.map((e) => e.traceId));
      const ready: { traceId: string; meta: TraceMeta }[] = [];
      for (const [j, { key, traceId }] of slice.entries()) {
        const meta = metas[j];
        await this.deadlines.delete(key);
        if (!meta) continue;
        // A trace restored after a failover may have spans waiting in the input topic past the
        // committed offset: give the task one decision wait to read them before deciding.
        const at = meta.last < this.initAt ? Math.max(meta.deadline, this.initAt + this.times.decisionWaitMs) : meta.deadline;
        if (at > now) {
          // Spans arrived since it was indexed (or the task just took it over): move the entry.
          meta.indexedAt = at;
          await this.indexDeadline(at, traceId);
          await this.metas.put(traceId, meta);
          continue;
        }
        ready.push({ traceId, meta });
      }
      const loaded = await Promise.all(ready.map((r) => this.loadSpans(r.traceId).catch(() => undefined)));
      for (const [j, { traceId, meta }] of ready.entries()) {
        await this.decideOrDeadLetter(traceId, meta, completionReason(meta, now, this.times), now, loaded[j]);
      }
    }
    await this.decisions.expire(now, MAX_PER_TICK);
    await this.flushWindows(now);
    this.publishGauges();
  }

  /**
   * `decide`, but a trace it throws on (a bug, or a span no decoder should have let in) goes
   * to the dead-letter topic with the reason and leaves the buffer: one trace cannot fail
   * every tick after it. Fatal errors (store I/O) still fail the task.
   */
  private async decideOrDeadLetter(traceId: string, meta: TraceMeta, reason: CompletionReason, now: number, preloaded?: { keys: string[]; spans: Span[] }): Promise<void> {
    try {
      await this.decide(traceId, meta, reason, now, false, preloaded);
    } catch (err) {
      if (isFatal(err)) throw err;
      const { keys, spans } = await this.loadSpansLenient(traceId);
      deadLetterTrace(this.ctx, traceId, spans, 'could not be decided', err, now);
      for (const k of keys) await this.spans.delete(k);
      await this.metas.delete(traceId);
      await this.deadlines.delete(deadlineKey(meta.indexedAt, traceId));
      this.inFlight.delete(traceId);
      this.bytesInFlight -= meta.bytes;
      this.metrics.spansBuffered.add(-meta.spans);
    }
  }

  /** Like loadSpans, skipping values that do not decode (for dead-lettering what is left). */
  private async loadSpansLenient(traceId: string): Promise<{ keys: string[]; spans: Span[] }> {
    const spans: Span[] = [];
    const keys: string[] = [];
    for await (const { key, value } of this.spans.prefixScan(spanPrefix(traceId))) {
      keys.push(key);
      try {
        spans.push(this.codec.decode(value));
      } catch {
        // counted in the dead letter's span list by its absence
      }
    }
    return { keys, spans };
  }

  /** A trace's buffered spans and their keys. */
  private async loadSpans(traceId: string): Promise<{ keys: string[]; spans: Span[] }> {
    const spans: Span[] = [];
    const keys: string[] = [];
    for await (const { key, value } of this.spans.prefixScan(spanPrefix(traceId))) {
      keys.push(key);
      spans.push(this.codec.decode(value));
    }
    return { keys, spans };
  }

  private async decide(
    traceId: string,
    meta: TraceMeta,
    reason: CompletionReason,
    now: number,
    indexed = true,
    preloaded?: { keys: string[]; spans: Span[] },
  ): Promise<CachedDecision> {
    const { keys, spans } = preloaded ?? (await this.loadSpans(traceId));
    const d = this.sampler.evaluate(
      { traceId, spans, spanCount: meta.spans, byteSize: meta.bytes, firstArrivalMs: meta.first, lastArrivalMs: meta.last },
      now,
    );
    await this.windows.addEdges(deriveEdges(spans));
    const cached: CachedDecision = {
      sampled: d.sampled,
      policy: d.policy,
      sampleRate: d.sampleRate,
      reason: `${reason}: ${d.reason}`,
      decidedAtMs: now,
      expiresAtMs: now + this.opts.sampling.decisionCache.ttlMs,
    };
    if (d.sampled) await this.emit(traceId, spans, cached, false, now);
    await this.ctx.forward(new StreamRecord(traceId, decisionStat(d, reason, spans, meta.spans, now), now), this.opts.children.stats);
    await this.decisions.put(traceId, cached);
    for (const k of keys) await this.spans.delete(k);
    await this.metas.delete(traceId);
    if (indexed) await this.deadlines.delete(deadlineKey(meta.indexedAt, traceId));
    this.inFlight.delete(traceId);
    this.bytesInFlight -= meta.bytes;
    this.metrics.spansBuffered.add(-meta.spans);
    this.metrics.decisions.inc({ policy: d.policy, reason, sampled: String(d.sampled) });
    this.metrics.decisionLatencyMs.observe(now - meta.first);
    return cached;
  }

  private async followDecision(traceId: string, spans: Span[], d: CachedDecision, now: number): Promise<void> {
    await this.windows.addSpanMetrics(deriveSpanMetrics(spans));
    this.metrics.lateSpans.inc({ outcome: d.sampled ? 'kept' : 'dropped' }, spans.length);
    if (d.sampled) await this.emit(traceId, spans, d, true, now);
  }

  private async emit(traceId: string, spans: readonly Span[], d: CachedDecision, late: boolean, now: number): Promise<void> {
    const decision = { policy: d.policy, sampleRate: d.sampleRate, reason: d.reason, late, decidedAtMs: d.decidedAtMs };
    const n = this.opts.outputChunkSpans;
    for (let i = 0; i < spans.length; i += n) {
      const value: SampledTrace = { traceId, spans: spans.slice(i, i + n), decision };
      await this.ctx.forward(new StreamRecord(traceId, value, now), this.opts.children.sampled);
    }
  }

  /**
   * Over the in-flight limits, the traces due soonest are decided now: a full buffer never
   * drops a trace undecided.
   */
  private async relieveMemoryPressure(now: number): Promise<void> {
    const over = () => this.inFlight.size >= this.opts.sampling.numTraces || this.bytesInFlight >= this.opts.maxBytesInFlight;
    while (over()) {
      let victim: string | undefined;
      for await (const { key } of this.deadlines.range(this.deadlineMark.from, undefined, { limit: 1 })) victim = key;
      if (victim === undefined) return;
      // Every entry below the victim is gone: the next search starts here, not at the
      // front of the victims' tombstones (that made each eviction cost all earlier ones).
      this.deadlineMark.advance(victim);
      const traceId = traceIdOfIndexKey(victim);
      const meta = await this.metas.get(traceId);
      await this.deadlines.delete(victim);
      if (!meta) continue;
      this.metrics.earlyDecisions.inc();
      await this.decideOrDeadLetter(traceId, meta, 'memory_pressure', now);
    }
  }

  private async flushWindows(now: number): Promise<void> {
    const { edges, metrics } = await this.windows.takeClosed(now, this.opts.windowFlushDelayMs);
    const rows = [
      ...edges.map((e) => ({ key: `${e.parent}|${e.child}`, row: e, child: this.opts.children.edges })),
      ...metrics.map((m) => ({ key: `${m.service}|${m.operation}`, row: m, child: this.opts.children.metrics })),
    ];
    for (const { key, row, child } of rows) {
      try {
        await this.ctx.forward(new StreamRecord(key, row, row.windowStartMs), child);
      } catch (err) {
        // One row that cannot be emitted leaves as a dead letter; the window's other rows go on.
        if (isFatal(err)) throw err;
        deadLetterRow(this.ctx, key, row, `window row for ${child} could not be emitted`, err, now);
      }
    }
  }

  private publishGauges(): void {
    const task = { task: this.ctx.taskId };
    this.metrics.tracesInFlight.set(this.inFlight.size, task);
    this.metrics.bytesInFlight.set(this.bytesInFlight, task);
    this.metrics.decisionsCached.set(this.decisions.size, task);
  }
}
