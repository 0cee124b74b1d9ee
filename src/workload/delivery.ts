/**
 * When each span of a trace reaches the pipeline. Spans are exported as they end, by each
 * pod's batch exporter on its own tick (OTel's BatchSpanProcessor), so children usually
 * arrive before their parents and one trace's spans arrive spread over its lifetime. On
 * top of that: an occasional late span (after the trace would be decided) and retried
 * exports that deliver a span twice.
 */
import type { Span } from '../model/span.ts';
import type { Rng } from './random.ts';

/** One span as it reaches the pipeline. */
export interface SpanDelivery {
  readonly span: Span;
  /** Arrival, ms since the epoch (integer). */
  readonly arrivalMs: number;
  /** Delivered after the trace's last on-time span + the decision wait. */
  readonly late?: boolean;
  /** A second delivery of an already delivered span, identical content. */
  readonly duplicate?: boolean;
}

export interface DeliveryOptions {
  /** Spans arrive as they end, per exporter tick (children before parents); else each trace arrives at once, parents first. */
  readonly outOfOrder: boolean;
  readonly exportIntervalMs: number;
  /** Probability that a trace (of more than one span) has one span delivered late. */
  readonly lateRate: number;
  readonly decisionWaitMs: number;
  /** Probability that a span is exported twice (a retried export). */
  readonly duplicateRate: number;
}

/** A span to schedule: its end (ms since the epoch) and the export phase of its pod. */
export interface Exported {
  readonly span: Span;
  readonly endMs: number;
  readonly phaseMs: number;
}

/** Tick of a periodic exporter (period, phase) at or after `ms`, plus network delay. */
export function exportTick(ms: number, intervalMs: number, phaseMs: number, rng: Rng): number {
  return phaseMs + Math.ceil((ms - phaseMs) / intervalMs) * intervalMs + rng.int(1, 25);
}

/**
 * Deliveries of one trace, sorted by arrival. `exported` is in pre-order (root first).
 * Ties within one export batch keep end order when out of order, else pre-order.
 */
export function scheduleTrace(exported: readonly Exported[], opts: DeliveryOptions, rng: Rng): SpanDelivery[] {
  const n = exported.length;
  const arrivals = new Array<number>(n);
  if (opts.outOfOrder) {
    for (let i = 0; i < n; i++) {
      const e = exported[i] as Exported;
      arrivals[i] = exportTick(e.endMs, opts.exportIntervalMs, e.phaseMs, rng);
    }
  } else {
    let lastEnd = 0;
    for (const e of exported) if (e.endMs > lastEnd) lastEnd = e.endMs;
    const root = exported[0];
    const at = exportTick(lastEnd, opts.exportIntervalMs, root ? root.phaseMs : 0, rng);
    arrivals.fill(at);
  }

  let lateIndex = -1;
  if (n > 1 && rng.chance(opts.lateRate)) lateIndex = rng.int(1, n - 1);
  let lastOnTime = 0;
  for (let i = 0; i < n; i++) if (i !== lateIndex && (arrivals[i] as number) > lastOnTime) lastOnTime = arrivals[i] as number;

  const out: { d: SpanDelivery; tie: number }[] = [];
  for (let i = 0; i < n; i++) {
    const e = exported[i] as Exported;
    const tie = opts.outOfOrder ? e.endMs : i;
    if (i === lateIndex) {
      out.push({ d: { span: e.span, arrivalMs: lastOnTime + opts.decisionWaitMs + rng.int(1000, 5000), late: true }, tie });
      continue;
    }
    const arrivalMs = arrivals[i] as number;
    out.push({ d: { span: e.span, arrivalMs }, tie });
    if (rng.chance(opts.duplicateRate)) {
      out.push({ d: { span: structuredClone(e.span), arrivalMs: arrivalMs + rng.int(50, 2000), duplicate: true }, tie });
    }
  }
  out.sort((a, b) => a.d.arrivalMs - b.d.arrivalMs || a.tie - b.tie);
  return out.map((x) => x.d);
}
