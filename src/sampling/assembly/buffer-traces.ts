import { deriveSpanMetrics } from '../../edges/index.ts';
import type { Span } from '../../model/span.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../streams/processor.ts';
import { StreamRecord } from '../../streams/record.ts';
import type { DecideNow, Observations } from './commands.ts';
import { deadLetterTrace } from './dead-letter-trace.ts';
import type { CachedDecision } from './decision-cache.ts';
import { addSpan, deadlineOf, newMeta, type CompletionReason, type TraceMeta } from './meta.ts';
import { publishBufferGauges, type SamplingMetrics } from './metrics.ts';
import type { AssemblyOptions } from './options.ts';
import type { SampledTraceWriter } from '../../serde/sampled-trace-writer.ts';
import { forwardKept } from './sampled-output.ts';
import type { SpanCodec } from './span-codec.ts';
import { fullSpan } from '../../serde/span-encodings.ts';
import { spanFingerprint } from './span-entries.ts';
import { SpanFilter } from './span-filter.ts';
import type { RecordMetadata } from '../../streams/record.ts';
import { bufferChangelogOf } from './options.ts';
import { TaskStateBudget } from './state-budget.ts';
import { bufferStores } from './stores.ts';
import { TraceBuffer } from './trace-buffer.ts';

/**
 * Buffers each record's spans under its trace (one store entry per record) and keeps the
 * trace's summary current; a retried span (byte for byte) is stored once. A trace that hits
 * a size limit, or is the oldest when the buffer is full, goes to the decide node; spans of
 * a decided trace follow its cached decision. Span metrics are folded on arrival.
 */
export function bufferTraces(opts: AssemblyOptions, codec: SpanCodec, writer: SampledTraceWriter, metrics: SamplingMetrics): ProcessorSupplier<string, Span[], string, unknown> {
  return {
    stores: bufferStores(bufferChangelogOf(opts)),
    get: () => new BufferTraces(opts, codec, writer, metrics),
  };
}

/**
 * For decode-raw-spans: true when a replayed raw-spans record cannot add to the rebuilt
 * buffer, so it is not decoded — its key names no trace in flight from that topic at or
 * before it (a record keyed otherwise was repartitioned, and is never needed on replay).
 */
export function replayUnneeded(opts: AssemblyOptions): (ctx: ProcessorContext<unknown, unknown>, key: string | null, source: RecordMetadata) => Promise<boolean> {
  return async (ctx, key, source) => {
    if (key === null) return true;
    const buffer = await TraceBuffer.of(ctx, opts);
    const first = buffer.sources?.get(key)?.from[source.topic];
    return first === undefined || Number(source.offset) < first;
  };
}

class BufferTraces implements Processor<string, Span[], string, unknown> {
  private ctx: ProcessorContext<string, unknown> | undefined;
  private buffer: TraceBuffer | undefined;
  private budget: TaskStateBudget | undefined;

  constructor(
    private readonly opts: AssemblyOptions,
    private readonly codec: SpanCodec,
    private readonly writer: SampledTraceWriter,
    private readonly metrics: SamplingMetrics,
  ) {}

  async init(ctx: ProcessorContext<string, unknown>): Promise<void> {
    this.ctx = ctx;
    this.buffer = await TraceBuffer.of(ctx, this.opts);
    const source = this.opts.stateBudget;
    if (source) {
      this.budget = TaskStateBudget.of(ctx, source);
      ctx.schedule(source.checkMs, 'wall-clock', (now) => this.checkDiskBudget(now));
    }
    this.publishGauges();
  }


  async process(record: StreamRecord<string, Span[]>): Promise<void> {
    const { ctx, buffer } = this.ready();
    const traceId = record.key;
    const now = ctx.currentSystemTimeMs();
    const source = ctx.recordMetadata();
    if (source?.replay) return this.rebuild(traceId, record.value, source, now);
    const cached = await buffer.decisions.get(traceId);
    if (cached) return this.follow(traceId, record.value, cached, now);

    let meta = await buffer.meta(traceId);
    const isNew = !meta;
    if (!meta) {
      await this.relieveMemoryPressure(now);
      meta = newMeta(now);
    }
    const rest = await this.store(traceId, meta, record.value, isNew, now, true);
    await this.index(traceId, meta, isNew);
    if (source) await buffer.sources?.note(traceId, source.topic, Number(source.offset), meta.first);
    const s = this.opts.sampling;
    const limit = meta.spans >= s.maxSpansPerTrace ? 'span_limit' : meta.bytes >= s.maxTraceBytes ? 'byte_limit' : undefined;
    if (limit) {
      // Decided at the limit exactly, mid-record if need be; the rest follows the decision.
      await ctx.forward(new StreamRecord<string, DecideNow>(traceId, { reason: limit, indexed: true }, now), this.opts.children.decide);
      if (rest < record.value.length) {
        const d = await buffer.decisions.get(traceId);
        const left = record.value.slice(rest);
        if (d) await this.follow(traceId, left, d, now);
        else deadLetterTrace(ctx, traceId, left.map((x) => fullSpan(x, this.codec.decode)), 'spans past the size limit of a trace that could not be decided', new Error('no decision'), now);
      }
    }
    this.publishGauges();
  }

  /**
   * A replayed record (the input topics are the buffer's changelog): its spans go back into
   * the buffer if their trace was in flight at the last commit and the record is not older
   * than the trace's first record (an earlier trace of the same id was decided). Nothing is
   * observed or forwarded: that happened when the record was first processed.
   */
  private async rebuild(traceId: string, spans: readonly Span[], source: RecordMetadata, now: number): Promise<void> {
    const { buffer } = this.ready();
    const from = buffer.sources?.get(traceId);
    const first = from?.from[source.topic];
    if (!from || first === undefined || Number(source.offset) < first) return;
    let meta = await buffer.meta(traceId);
    const isNew = !meta;
    if (!meta) {
      meta = newMeta(now);
      meta.first = from.at;
    }
    await this.store(traceId, meta, spans, isNew, now, false);
    await this.index(traceId, meta, isNew);
    this.publishGauges();
  }

  /** Files the trace under its (new) deadline and saves its summary. */
  private async index(traceId: string, meta: TraceMeta, isNew: boolean): Promise<void> {
    const { buffer } = this.ready();
    meta.deadline = deadlineOf(meta, this.opts.sampling);
    if (isNew || meta.deadline < meta.indexedAt) {
      if (!isNew) await buffer.deadlines.remove(meta.indexedAt, traceId);
      meta.indexedAt = meta.deadline;
      await buffer.deadlines.add(meta.deadline, traceId);
    }
    await buffer.saveMeta(traceId, meta);
  }

  /** The committed offset of `topic` stays at the first record of its oldest trace in flight. */
  committableOffset(topic: string): bigint | undefined {
    const oldest = this.buffer?.sources?.oldest(topic);
    return oldest === undefined ? undefined : BigInt(oldest);
  }

  /**
   * Adds the record's new spans to the trace as one entry; returns where the spans past a
   * size limit start (the record's length when none is). `observe`: count retries and
   * fold span metrics (not on a replay).
   */
  private async store(traceId: string, meta: TraceMeta, spans: readonly Span[], isNew: boolean, now: number, observe: boolean): Promise<number> {
    const { buffer } = this.ready();
    const s = this.opts.sampling;
    const filter = new SpanFilter(meta.spanFilter); // updates the summary's filter in place
    const fresh: Span[] = [];
    const freshBytes: Buffer[] = [];
    const freshPrints = new Set<string>();
    let stored: Buffer[] | undefined;
    let bytes = 0;
    let i = 0;
    for (; i < spans.length; i++) {
      if (meta.spans >= s.maxSpansPerTrace || meta.bytes >= s.maxTraceBytes) break;
      const span = spans[i] as Span;
      const encoded = this.codec.encode(span);
      const print = spanFingerprint(span.spanId, encoded);
      // Only a byte-identical repeat is a retry; a different span reusing an id is kept.
      if (freshPrints.has(print) && freshBytes.some((b) => b.equals(encoded))) {
        if (observe) this.metrics.duplicateSpans.inc();
        continue;
      }
      if (!isNew && filter.mayContain(print)) {
        stored ??= (await buffer.spansOf(traceId, meta)).spans;
        if (stored.some((b) => b.equals(encoded))) {
          if (observe) this.metrics.duplicateSpans.inc();
          continue;
        }
      }
      filter.add(print);
      freshPrints.add(print);
      fresh.push(span);
      freshBytes.push(encoded);
      addSpan(meta, span, encoded.length, now);
      bytes += encoded.length;
    }
    if (fresh.length > 0) {
      await buffer.append(traceId, meta, freshBytes, bytes);
      this.metrics.spansBuffered.add(fresh.length);
      if (observe) await this.aggregate(traceId, fresh, now);
    }
    return i;
  }

  private async aggregate(traceId: string, spans: readonly Span[], now: number): Promise<void> {
    const { ctx } = this.ready();
    await ctx.forward(new StreamRecord<string, Observations>(traceId, { spans: deriveSpanMetrics(spans) }, now), this.opts.children.aggregate);
  }

  private async follow(traceId: string, spans: readonly Span[], d: CachedDecision, now: number): Promise<void> {
    await this.aggregate(traceId, spans, now);
    this.metrics.lateSpans.inc({ outcome: d.sampled ? 'kept' : 'dropped' }, spans.length);
    if (!d.sampled) return;
    const decision = { policy: d.policy, sampleRate: d.sampleRate, reason: d.reason, late: true, decidedAtMs: d.decidedAtMs };
    const to = { child: this.opts.children.sampled, chunk: this.opts.outputChunkSpans };
    await forwardKept(this.ready().ctx, this.writer, to, traceId, spans.map((x) => this.codec.encode(x)), decision, now);
  }

  /**
   * Over the in-flight limits, or the cap the state's disk budget set, the traces due
   * soonest are decided now: a full buffer never drops a trace undecided.
   */
  private async relieveMemoryPressure(now: number): Promise<void> {
    const { ctx, buffer } = this.ready();
    const pressure = (): CompletionReason | undefined =>
      buffer.inFlight.size >= this.opts.sampling.numTraces || buffer.bytesInFlight >= this.opts.maxBytesInFlight
        ? 'memory_pressure'
        : buffer.bytesInFlight > (this.budget?.traceBytesCap ?? Infinity) ? 'disk_budget' : undefined;
    for (let reason = pressure(); reason !== undefined; reason = pressure()) {
      const victim = await buffer.deadlines.takeFirst();
      if (victim === undefined) return;
      if (!buffer.inFlight.has(victim)) continue;
      this.metrics.earlyDecisions.inc();
      if (reason === 'disk_budget') this.budget?.evicted('traces', 1);
      await ctx.forward(new StreamRecord<string, DecideNow>(victim, { reason, indexed: false }, now), this.opts.children.decide);
    }
  }

  /** The state's disk budget (state-budget.ts): what this task sheds goes through the hand-over above. */
  private async checkDiskBudget(now: number): Promise<void> {
    const { ctx, buffer } = this.ready();
    if (!this.budget) return;
    await this.budget.check(now, ctx, buffer);
    await this.relieveMemoryPressure(now);
    this.budget.report();
    this.publishGauges();
  }

  private publishGauges(): void {
    const { ctx, buffer } = this.ready();
    publishBufferGauges(this.metrics, ctx.taskId, buffer);
  }

  private ready(): { ctx: ProcessorContext<string, unknown>; buffer: TraceBuffer } {
    if (!this.ctx || !this.buffer) throw new Error('buffer-traces: process before init');
    return { ctx: this.ctx, buffer: this.buffer };
  }
}
