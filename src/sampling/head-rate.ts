/**
 * The head-sampling rate a trace arrived with, so a tail decision's rate can be multiplied
 * by it: a trace kept 1 in 10 at the tail out of traces an SDK sampled 1 in 4 stands for 40.
 * Spans tell it in two ways: Jaeger clients tag the root span `sampler.type=probabilistic`
 * with `sampler.param=<p>`; OpenTelemetry's consistent probability samplers put the
 * rejection threshold in the W3C tracestate, `ot=th:<hex>` (p = 1 - th / 2^56), or, in the
 * earlier draft, `ot=p:<n>` (p = 2^-n). Other samplers (const, rate limiting, lower bound)
 * report no probability: such traces count once.
 */
import { findAttribute, type Span } from '../model/span.ts';

export interface HeadRate {
  /** 1/p, ≥ 1. */
  readonly rate: number;
  readonly source: string;
}

const THRESHOLD_SPACE = 2 ** 56;

function fromProbability(p: number, source: string): HeadRate | undefined {
  return Number.isFinite(p) && p > 0 && p <= 1 ? { rate: 1 / p, source } : undefined;
}

const SAMPLER_TYPE = 'sampler.type';
const SAMPLER_PARAM = 'sampler.param';

/** The span attributes this module reads (serde/span-skeleton.ts keeps them). */
export const HEAD_RATE_KEYS: readonly string[] = [SAMPLER_TYPE, SAMPLER_PARAM];

function jaegerTags(span: Span): HeadRate | undefined {
  const type = findAttribute(span.attributes, SAMPLER_TYPE);
  if (type?.type !== 'string' || type.value !== 'probabilistic') return undefined;
  const param = findAttribute(span.attributes, SAMPLER_PARAM);
  const p = param?.type === 'double' ? param.value : param?.type === 'int' ? Number(param.value) : param?.type === 'string' ? Number(param.value) : Number.NaN;
  return fromProbability(p, `sampler.param=${p}`);
}

/** `ot=th:…` or `ot=p:…` from a W3C tracestate. */
export function otelTraceState(traceState: string): HeadRate | undefined {
  for (const member of traceState.split(',')) {
    const eq = member.indexOf('=');
    if (member.slice(0, eq).trim() !== 'ot') continue;
    for (const field of member.slice(eq + 1).trim().split(';')) {
      const [k, v = ''] = field.split(':');
      if (k === 'th' && /^[0-9a-f]{1,14}$/.test(v)) return fromProbability(1 - parseInt(v.padEnd(14, '0'), 16) / THRESHOLD_SPACE, `tracestate ot=th:${v}`);
      if (k === 'p' && /^\d{1,2}$/.test(v) && Number(v) <= 62) return fromProbability(2 ** -Number(v), `tracestate ot=p:${v}`);
    }
  }
  return undefined;
}

const headRateOf = (s: Span): HeadRate | undefined => jaegerTags(s) ?? (s.traceState === '' ? undefined : otelTraceState(s.traceState));

/** The rate the root span reports, else the first span that reports one; undefined when none does. */
export function headSampleRate(spans: readonly Span[]): HeadRate | undefined {
  for (const s of spans) if (s.parentSpanId === '') {
    const r = headRateOf(s);
    if (r) return r;
  }
  for (const s of spans) {
    const r = headRateOf(s);
    if (r) return r;
  }
  return undefined;
}
