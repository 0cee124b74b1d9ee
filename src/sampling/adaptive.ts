import { findAttribute, isRoot, serviceName } from '../model/span.ts';
import type { AnyValue, Span } from '../model/span.ts';
import { hashTraceId, keepThreshold } from './policies/trace-id-hash.ts';
import type { PolicyEvaluator, TraceView, Verdict } from './policies/types.ts';

/**
 * `adaptive` policy settings (snake_case like every policy body in the config file).
 * Keys whose smoothed throughput is at or under target keep everything; busier keys are
 * sampled down to about `target_traces_per_second` each, so a noisy endpoint cannot
 * crowd out a quiet one.
 */
export interface AdaptiveConfig {
  readonly target_traces_per_second: number;
  /** `service.name` (root's service), `span.name` (root's name), or a root attribute key. */
  readonly key_fields: readonly string[];
  /** Milliseconds between EMA updates. */
  readonly adjustment_interval: number;
  /** Weight of the newest interval in the EMA, in (0, 1]. */
  readonly ema_weight: number;
  /** Bound on tracked keys; the least recently seen key is evicted beyond it. */
  readonly max_keys: number;
  readonly hash_salt: string;
}

export const ADAPTIVE_DEFAULTS = {
  key_fields: ['service.name', 'span.name'],
  adjustment_interval: 15_000,
  ema_weight: 0.5,
  max_keys: 10_000,
  hash_salt: 'tailstream-adaptive',
} as const;

interface KeyState {
  /** Smoothed traces/s; undefined until the key's first adjustment. */
  ema: number | undefined;
  /** Traces seen in the current interval. */
  count: number;
}

/** Keys this far under target are forgotten: they would keep everything anyway. */
const AGE_OUT_FRACTION = 0.01;

/**
 * Per-key EMA throughput sampler, after Refinery's: each interval the observed traces/s of
 * every key is folded into its EMA; the key's sample rate is `max(1, ema / target)`, and a
 * trace is kept when its trace-id hash falls in the `1 / rate` fraction — deterministic, so
 * a replay decides the same way. A key is sampled at rate 1 until its first adjustment.
 */
export class AdaptiveSampler implements PolicyEvaluator {
  private readonly keys = new Map<string, KeyState>();
  private intervalStartMs: number | undefined;

  constructor(
    readonly name: string,
    private readonly config: AdaptiveConfig,
  ) {}

  evaluate(trace: TraceView, nowMs: number): Verdict {
    this.advance(nowMs);
    const key = traceKey(trace, this.config.key_fields);
    const state = this.touch(key);
    state.count++;
    const rate = state.ema === undefined ? 1 : Math.max(1, state.ema / this.config.target_traces_per_second);
    const kept = hashTraceId(this.config.hash_salt, trace.traceId) <= keepThreshold(1 / rate);
    const detail = `key ${JSON.stringify(key.split(KEY_SEPARATOR))} at rate ${rate.toFixed(2)}`;
    return { outcome: kept ? 'sampled' : 'not_sampled', sampleRate: rate, detail };
  }

  /** Number of tracked keys, for a gauge. */
  get size(): number {
    return this.keys.size;
  }

  stateSize(): number {
    return this.keys.size;
  }

  /** The rate a trace of `keyValues` would get now (1 for unknown keys). */
  rateFor(keyValues: readonly string[]): number {
    const ema = this.keys.get(keyValues.join(KEY_SEPARATOR))?.ema;
    return ema === undefined ? 1 : Math.max(1, ema / this.config.target_traces_per_second);
  }

  /** Folds every interval that ended by `nowMs` into the EMAs; idle intervals count as 0. */
  private advance(nowMs: number): void {
    const interval = this.config.adjustment_interval;
    this.intervalStartMs ??= nowMs;
    const elapsed = Math.floor((nowMs - this.intervalStartMs) / interval);
    if (elapsed < 1) return;
    const w = this.config.ema_weight;
    const idleDecay = (1 - w) ** (elapsed - 1);
    const ageOut = this.config.target_traces_per_second * AGE_OUT_FRACTION;
    for (const [key, s] of this.keys) {
      const observed = s.count / (interval / 1000);
      const ema = s.ema === undefined ? observed : w * observed + (1 - w) * s.ema;
      s.ema = ema * idleDecay;
      s.count = 0;
      if (s.ema < ageOut) this.keys.delete(key);
    }
    this.intervalStartMs += elapsed * interval;
  }

  /** Marks `key` most recently used, creating it (and evicting the eldest) as needed. */
  private touch(key: string): KeyState {
    const existing = this.keys.get(key);
    if (existing !== undefined) {
      this.keys.delete(key);
      this.keys.set(key, existing);
      return existing;
    }
    const created: KeyState = { ema: undefined, count: 0 };
    this.keys.set(key, created);
    if (this.keys.size > this.config.max_keys) {
      const eldest = this.keys.keys().next();
      if (eldest.done !== true) this.keys.delete(eldest.value);
    }
    return created;
  }
}

const KEY_SEPARATOR = '\u001f';

/** The trace's key: the configured fields read off its root span. */
export function traceKey(trace: TraceView, fields: readonly string[]): string {
  const root = rootSpan(trace.spans);
  return fields.map((f) => (root === undefined ? '' : fieldValue(root, f))).join(KEY_SEPARATOR);
}

/** The span without a parent; failing that (root lost or late), the earliest one. */
export function rootSpan(spans: readonly Span[]): Span | undefined {
  let earliest: Span | undefined;
  for (const s of spans) {
    if (isRoot(s)) return s;
    if (earliest === undefined || s.startTimeUnixNano < earliest.startTimeUnixNano) earliest = s;
  }
  return earliest;
}

function fieldValue(span: Span, field: string): string {
  if (field === 'service.name') return serviceName(span);
  if (field === 'span.name') return span.name;
  const v = findAttribute(span.attributes, field) ?? findAttribute(span.resource.attributes, field);
  return v === undefined ? '' : scalarText(v);
}

function scalarText(v: AnyValue): string {
  switch (v.type) {
    case 'string':
    case 'bool':
    case 'int':
    case 'double':
      return String(v.value);
    default:
      return '';
  }
}
