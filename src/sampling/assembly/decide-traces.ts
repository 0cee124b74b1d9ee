import { deriveEdges } from '../../edges/index.ts';
import type { Span } from '../../model/span.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../streams/processor.ts';
import { isFatal } from '../../streams/processing-errors.ts';
import { StreamRecord } from '../../streams/record.ts';
import { createSampler, type Sampler } from '../decision.ts';
import { taskShareOf } from '../cluster-share.ts';
import { decisionStat } from '../stats/decision-stat.ts';
import { readsAttributes } from '../policies/reads-attributes.ts';
import type { DecideNow, Observations } from './commands.ts';
import { deadLetterTrace } from './dead-letter-trace.ts';
import type { CachedDecision } from './decision-cache.ts';
import { completionReason, type CompletionReason, type TraceMeta } from './meta.ts';
import { publishBufferGauges, type SamplingMetrics } from './metrics.ts';
import type { AssemblyOptions } from './options.ts';
import type { SampledTraceWriter } from '../../serde/sampled-trace-writer.ts';
import { forwardKept } from './sampled-output.ts';
import type { SpanCodec } from './span-codec.ts';
import { skeletonKeys } from '../../serde/span-skeleton.ts';
import { HEAD_RATE_KEYS } from '../head-rate.ts';
import { bufferStores } from './stores.ts';
import { bufferChangelogOf } from './options.ts';
import { TraceBuffer, type BufferedSpans } from './trace-buffer.ts';

/** Traces decided and decisions expired per punctuation at most. */
const MAX_PER_TICK = 5_000;
/** Due traces whose reads are issued together. */
const READ_AHEAD = 64;

/**
 * Decides complete traces: due ones on its tick (inactivity, root seen, max age), and the
 * ones the buffer hands over (size limits, memory pressure). It asks the policies, derives
 * the trace's dependency edges, forwards a kept trace's span bytes as they were buffered,
 * caches the decision for late spans and clears the trace from the buffer.
 */
export function decideTraces(opts: AssemblyOptions, codec: SpanCodec, writer: SampledTraceWriter, metrics: SamplingMetrics): ProcessorSupplier<string, DecideNow, string, unknown> {
  return {
    stores: bufferStores(bufferChangelogOf(opts)),
    get: () => new DecideTraces(opts, codec, writer, metrics, (tasks) => createSampler({ policies: taskShareOf(opts.sampling.policies, tasks) })),
  };
}

class DecideTraces implements Processor<string, DecideNow, string, unknown> {
  private ctx: ProcessorContext<string, unknown> | undefined;
  private buffer: TraceBuffer | undefined;
  private sampler: Sampler | undefined;
  /** When this task (re)started: restored traces get one decision wait to catch up. */
  private initAt = 0;
  /** Reads a buffered span for the policies and edges: the skeleton unless a policy reads attributes. */
  private readonly readSpan: (bytes: Buffer) => Span;
  /** Whether the traces a replay could not rebuild were looked for (once, after it). */
  private replayChecked = false;

  constructor(
    private readonly opts: AssemblyOptions,
    private readonly codec: SpanCodec,
    private readonly writer: SampledTraceWriter,
    private readonly metrics: SamplingMetrics,
    /** Builds the policies with this task's share of the cluster-wide rate budgets. */
    private readonly makeSampler: (tasks: number) => Sampler,
  ) {
    const full = opts.sampling.policies.some(readsAttributes);
    const skeleton = codec.decodeSkeleton;
    // The head rate reads attributes of any span: the skeleton builds those beside the edges'.
    const wanted = skeletonKeys(HEAD_RATE_KEYS);
    this.readSpan = !full && skeleton ? (b) => skeleton(b, wanted) : (b) => codec.decode(b);
  }

  async init(ctx: ProcessorContext<string, unknown>): Promise<void> {
    this.ctx = ctx;
    this.sampler = this.makeSampler(ctx.taskCount);
    this.initAt = ctx.currentSystemTimeMs();
    this.buffer = await TraceBuffer.of(ctx, this.opts);
    ctx.schedule(this.opts.tickMs, 'wall-clock', (now) => this.tick(now));
  }


  async process(record: StreamRecord<string, DecideNow>): Promise<void> {
    const { ctx, buffer } = this.ready();
    const meta = await buffer.meta(record.key);
    if (meta) await this.decideOrDeadLetter(record.key, meta, record.value.reason, ctx.currentSystemTimeMs(), record.value.indexed);
  }

  /** Decides due traces and expires old decisions. */
  private async tick(now: number): Promise<void> {
    const { ctx, buffer } = this.ready();
    // Half-rebuilt traces are not decided: the replay of the input comes first.
    if (ctx.replaying()) return;
    if (!this.replayChecked) {
      this.replayChecked = true;
      await buffer.forgetUnrebuilt();
    }
    const t = this.opts.sampling;
    // Bounded per tick: a backlog is worked off over the next ticks, not in one long pause.
    const due = await buffer.deadlines.takeDue(now, MAX_PER_TICK);
    for (let i = 0; i < due.length; i += READ_AHEAD) {
      // Reads for a slice of due traces go to RocksDB together; decisions then run in order.
      const slice = due.slice(i, i + READ_AHEAD);
      const metas = await buffer.metasOf(slice);
      const ready: { traceId: string; meta: TraceMeta }[] = [];
      for (const [j, traceId] of slice.entries()) {
        const meta = metas[j];
        if (!meta) continue;
        // A trace restored after a failover may have spans waiting in the input topic past the
        // committed offset: give the task one decision wait to read them before deciding.
        const at = meta.last < this.initAt ? Math.max(meta.deadline, this.initAt + t.decisionWaitMs) : meta.deadline;
        if (at > now) {
          // Spans arrived since it was indexed (or the task just took it over): move the entry.
          meta.indexedAt = at;
          await buffer.deadlines.add(at, traceId);
          await buffer.saveMeta(traceId, meta);
          continue;
        }
        ready.push({ traceId, meta });
      }
      const loaded = await Promise.all(ready.map((r) => buffer.spansOf(r.traceId, r.meta).catch(() => undefined)));
      for (const [j, { traceId, meta }] of ready.entries()) {
        await this.decideOrDeadLetter(traceId, meta, completionReason(meta, now, t), now, false, loaded[j]);
      }
    }
    await buffer.decisions.expire(now, MAX_PER_TICK);
    this.publishGauges();
  }

  /**
   * `decide`, but a trace it throws on (a bug, or a span no decoder should have let in) goes
   * to the dead-letter topic with the reason and leaves the buffer: one trace cannot fail
   * every tick after it. Fatal errors (store I/O) still fail the task.
   */
  private async decideOrDeadLetter(traceId: string, meta: TraceMeta, reason: CompletionReason, now: number, indexed: boolean, loaded?: BufferedSpans): Promise<void> {
    const { ctx, buffer } = this.ready();
    try {
      await this.decide(traceId, meta, reason, now, indexed, loaded);
    } catch (err) {
      if (isFatal(err)) throw err;
      const { keys, spans } = await buffer.spansOfLenient(traceId);
      const readable: Span[] = [];
      for (const b of spans) {
        try {
          readable.push(this.codec.decode(b));
        } catch {
          // counted in the dead letter's span list by its absence
        }
      }
      deadLetterTrace(ctx, traceId, readable, 'could not be decided', err, now);
      await buffer.remove(traceId, meta, keys, indexed);
      this.metrics.spansBuffered.add(-meta.spans);
    }
  }

  private async decide(traceId: string, meta: TraceMeta, reason: CompletionReason, now: number, indexed: boolean, loaded?: BufferedSpans): Promise<void> {
    const { ctx, buffer } = this.ready();
    const { keys, spans: bytes } = loaded ?? (await buffer.spansOf(traceId, meta));
    // Every span is read once here (the edges need the whole trace); a kept one leaves as its bytes.
    const spans = bytes.map(this.readSpan);
    const d = this.ready().sampler.evaluate({ traceId, spans, spanCount: meta.spans, byteSize: meta.bytes, firstArrivalMs: meta.first, lastArrivalMs: meta.last }, now);
    await ctx.forward(new StreamRecord<string, Observations>(traceId, { edges: deriveEdges(spans) }, now), this.opts.children.aggregate);
    const cached: CachedDecision = {
      sampled: d.sampled,
      policy: d.policy,
      sampleRate: d.sampleRate,
      reason: `${reason}: ${d.reason}`,
      decidedAtMs: now,
      expiresAtMs: now + this.opts.sampling.decisionCache.ttlMs,
    };
    if (d.sampled) {
      const decision = { policy: d.policy, sampleRate: d.sampleRate, reason: cached.reason, late: false, decidedAtMs: now };
      await forwardKept(ctx, this.writer, { child: this.opts.children.sampled, chunk: this.opts.outputChunkSpans }, traceId, bytes, decision, now);
    }
    await ctx.forward(new StreamRecord(traceId, decisionStat(d, reason, spans, meta.spans, now), now), this.opts.children.stats);
    await buffer.decisions.put(traceId, cached);
    await buffer.remove(traceId, meta, keys, indexed);
    this.metrics.spansBuffered.add(-meta.spans);
    this.metrics.decisions.inc({ policy: d.policy, reason, sampled: String(d.sampled) });
    this.metrics.decisionLatencyMs.observe(now - meta.first);
  }

  private publishGauges(): void {
    const { ctx, buffer, sampler } = this.ready();
    publishBufferGauges(this.metrics, ctx.taskId, buffer);
    for (const [policy, entries] of Object.entries(sampler.stateSizes())) this.metrics.policyState.set(entries, { task: ctx.taskId, policy });
  }

  private ready(): { ctx: ProcessorContext<string, unknown>; buffer: TraceBuffer; sampler: Sampler } {
    if (!this.ctx || !this.buffer || !this.sampler) throw new Error('decide-traces: process before init');
    return { ctx: this.ctx, buffer: this.buffer, sampler: this.sampler };
  }
}
