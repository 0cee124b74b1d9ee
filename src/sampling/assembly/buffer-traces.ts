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
import { spanFingerprint } from './span-entries.ts';
import { SpanFilter } from './span-filter.ts';
import { TaskStateBudget } from './state-budget.ts';
import { STORE_SPECS } from './stores.ts';
import { TraceBuffer } from './trace-buffer.ts';

/**
 * Buffers each record's spans under its trace (one store entry per record) and keeps the
 * trace's summary current; a retried span (byte for byte) is stored once. A trace that hits
 * a size limit, or is the oldest when the buffer is full, goes to the decide node; spans of
 * a decided trace follow its cached decision. Span metrics are folded on arrival.
 */
export function bufferTraces(opts: AssemblyOptions, codec: SpanCodec, writer: SampledTraceWriter, metrics: SamplingMetrics): ProcessorSupplier<string, Span[], string, unknown> {
  return {
    stores: [STORE_SPECS.entries, STORE_SPECS.meta, STORE_SPECS.deadlines, STORE_SPECS.decisions, STORE_SPECS.expiry],
    get: () => new BufferTraces(opts, codec, writer, metrics),
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
    this.buffer = await TraceBuffer.of(ctx, this.opts.sampling.decisionCache.maxEntries);
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
    const cached = await buffer.decisions.get(traceId);
    if (cached) return this.follow(traceId, record.value, cached, now);

    let meta = await buffer.meta(traceId);
    const isNew = !meta;
    if (!meta) {
      await this.relieveMemoryPressure(now);
      meta = newMeta(now);
    }
    const rest = await this.store(traceId, meta, record.value, isNew, now);
    meta.deadline = deadlineOf(meta, this.opts.sampling);
    if (isNew || meta.deadline < meta.indexedAt) {
      if (!isNew) await buffer.deadlines.remove(meta.indexedAt, traceId);
      meta.indexedAt = meta.deadline;
      await buffer.deadlines.add(meta.deadline, traceId);
    }
    await buffer.saveMeta(traceId, meta);
    const s = this.opts.sampling;
    const limit = meta.spans >= s.maxSpansPerTrace ? 'span_limit' : meta.bytes >= s.maxTraceBytes ? 'byte_limit' : undefined;
    if (limit) {
      // Decided at the limit exactly, mid-record if need be; the rest follows the decision.
      await ctx.forward(new StreamRecord<string, DecideNow>(traceId, { reason: limit, indexed: true }, now), this.opts.children.decide);
      if (rest < record.value.length) {
        const d = await buffer.decisions.get(traceId);
        const left = record.value.slice(rest);
        if (d) await this.follow(traceId, left, d, now);
        else deadLetterTrace(ctx, traceId, left, 'spans past the size limit of a trace that could not be decided', new Error('no decision'), now);
      }
    }
    this.publishGauges();
  }

  /**
   * Adds the record's new spans to the trace as one entry; returns where the spans past a
   * size limit start (the record's length when none is).
   */
  private async store(traceId: string, meta: TraceMeta, spans: readonly Span[], isNew: boolean, now: number): Promise<number> {
    const { buffer } = this.ready();
    const s = this.opts.sampling;
    const filter = new SpanFilter(meta.spanFilter);
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
        this.metrics.duplicateSpans.inc();
        continue;
      }
      if (!isNew && filter.mayContain(print)) {
        stored ??= (await buffer.spansOf(traceId, meta)).spans;
        if (stored.some((b) => b.equals(encoded))) {
          this.metrics.duplicateSpans.inc();
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
    meta.spanFilter = filter.encode();
    if (fresh.length > 0) {
      await buffer.append(traceId, meta, freshBytes, bytes);
      this.metrics.spansBuffered.add(fresh.length);
      await this.aggregate(traceId, fresh, now);
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
