/**
 * Workload options, their defaults and validation. Defaults give demo-like traffic
 * (a few percent errors, occasional slow, late and retried spans); tests set what they
 * check explicitly.
 */
import type { AppModel } from './app-model.ts';
import type { Seed } from './random.ts';
import { SHOP } from './shop.ts';

export interface HugeTraceOptions {
  /** Exact number of spans of the huge trace (root included). */
  readonly spans: number;
  /** Start it together with the normal trace of this index (default: the middle one, or 0). */
  readonly afterTraces?: number;
}

export interface WorkloadOptions {
  readonly seed: Seed;
  /** Exact number of (normal) traces. Either this or `durationSec`. */
  readonly traces?: number;
  /** Mean trace start rate (Poisson arrivals); default 100. */
  readonly tracesPerSecond?: number;
  /** Generate traces starting within this many seconds (with `tracesPerSecond`). */
  readonly durationSec?: number;
  /** First trace start, ms since the epoch; default 1 700 000 000 000 (never the clock). */
  readonly startMs?: number;
  /** Probability that a trace contains a failure (which then propagates up); default 0.03. */
  readonly errorRate?: number;
  /** Probability that a trace takes a 1–5 s slow path on its critical path; default 0.01. */
  readonly slowRate?: number;
  /** Probability that a trace has one span delivered late; default 0.005. */
  readonly lateRate?: number;
  /** Probability that a span is delivered twice; default 0.001. */
  readonly duplicateRate?: number;
  /** Spans arrive as they end per exporter tick (default true); false: each trace at once, parents first. */
  readonly outOfOrder?: boolean;
  /** Batch exporter period; default 1000 ms. */
  readonly exportIntervalMs?: number;
  /** The pipeline's decision wait; late spans arrive after last on-time + this + 1–5 s. Default 10 000. */
  readonly decisionWaitMs?: number;
  /** One additional fan-out trace with exactly `spans` spans. */
  readonly hugeTrace?: HugeTraceOptions;
  /** Keep per-trace ground truth (default true); turn off for multi-million-trace runs. */
  readonly keepTraceTruth?: boolean;
  readonly model?: AppModel;
}

export type ResolvedOptions = Required<Omit<WorkloadOptions, 'traces' | 'durationSec' | 'hugeTrace'>> &
  Pick<WorkloadOptions, 'traces' | 'durationSec' | 'hugeTrace'>;

function rate(name: string, v: number | undefined, dflt: number): number {
  const r = v ?? dflt;
  if (!(r >= 0 && r <= 1)) throw new RangeError(`${name} must be within [0, 1], got ${r}`);
  return r;
}

function positive(name: string, v: number | undefined, dflt: number): number {
  const r = v ?? dflt;
  if (!(r > 0) || !Number.isFinite(r)) throw new RangeError(`${name} must be a positive number, got ${r}`);
  return r;
}

/** Fills in defaults and rejects nonsense with a message naming the option. */
export function resolveOptions(o: WorkloadOptions): ResolvedOptions {
  if (o.traces === undefined && o.durationSec === undefined) throw new RangeError('give either traces or durationSec');
  if (o.traces !== undefined && (!Number.isInteger(o.traces) || o.traces < 0)) throw new RangeError(`traces must be a non-negative integer, got ${o.traces}`);
  if (o.durationSec !== undefined) positive('durationSec', o.durationSec, 1);
  if (o.hugeTrace && (!Number.isInteger(o.hugeTrace.spans) || o.hugeTrace.spans < 1)) {
    throw new RangeError(`hugeTrace.spans must be a positive integer, got ${o.hugeTrace.spans}`);
  }
  const exportIntervalMs = positive('exportIntervalMs', o.exportIntervalMs, 1000);
  if (!Number.isInteger(exportIntervalMs)) throw new RangeError(`exportIntervalMs must be an integer, got ${exportIntervalMs}`);
  return {
    seed: o.seed,
    traces: o.traces,
    durationSec: o.durationSec,
    hugeTrace: o.hugeTrace,
    tracesPerSecond: positive('tracesPerSecond', o.tracesPerSecond, 100),
    startMs: o.startMs ?? 1_700_000_000_000,
    errorRate: rate('errorRate', o.errorRate, 0.03),
    slowRate: rate('slowRate', o.slowRate, 0.01),
    lateRate: rate('lateRate', o.lateRate, 0.005),
    duplicateRate: rate('duplicateRate', o.duplicateRate, 0.001),
    outOfOrder: o.outOfOrder ?? true,
    exportIntervalMs,
    decisionWaitMs: o.decisionWaitMs ?? 10_000,
    keepTraceTruth: o.keepTraceTruth ?? true,
    model: o.model ?? SHOP,
  };
}
