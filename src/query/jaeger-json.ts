import type { AnyValue, Attributes, Span } from '../model/span.ts';
import { serviceName, StatusCode } from '../model/span.ts';
import { encodeAnyValue } from '../model/otlp-json.ts';
import type { JaegerKeyValue, JaegerProcess, JaegerReference, JaegerSpan, JaegerTrace } from './jaeger-model.ts';
import { stringify } from './json.ts';
import type { StoredSpan, StoredTrace } from './reader.ts';
import { SPAN_KINDS } from './trace-query.ts';

/** Tags naming the decision that kept a trace, on its root span(s). */
export const SAMPLING_POLICY_TAG = 'sampling.policy';
/** The trace stands for `rate` traces (1 in N kept), so counts can be re-weighted. */
export const SAMPLING_RATE_TAG = 'sampling.rate';
/** On spans that reached the sink after their trace was decided. */
export const SAMPLING_LATE_TAG = 'sampling.late';

const us = (ns: bigint): number => Number(ns / 1000n);

export function jaegerValue(key: string, v: AnyValue): JaegerKeyValue {
  switch (v.type) {
    case 'string': return { key, type: 'string', value: v.value };
    case 'bool': return { key, type: 'bool', value: v.value };
    case 'int': return { key, type: 'int64', value: v.value };
    case 'double': return Number.isFinite(v.value) ? { key, type: 'float64', value: v.value } : { key, type: 'string', value: String(v.value) };
    case 'bytes': return { key, type: 'binary', value: Buffer.from(v.value).toString('base64') };
    case 'empty': return { key, type: 'string', value: '' };
    // Jaeger's OTLP translator writes arrays and maps as their JSON text.
    case 'array': case 'kvlist': return { key, type: 'string', value: JSON.stringify(encodeAnyValue(v)) };
  }
}

const tags = (attrs: Attributes): JaegerKeyValue[] => attrs.map((kv) => jaegerValue(kv.key, kv.value));

/** The tags Jaeger derives from OTLP span fields, after the span's own attributes. */
function derivedTags(s: Span): JaegerKeyValue[] {
  const out: JaegerKeyValue[] = [];
  const kind = SPAN_KINDS[s.kind];
  if (kind !== undefined && kind !== 'unspecified') out.push({ key: 'span.kind', type: 'string', value: kind });
  if (s.status.code === StatusCode.ERROR) out.push({ key: 'error', type: 'bool', value: true });
  if (s.status.code !== StatusCode.UNSET) out.push({ key: 'otel.status_code', type: 'string', value: s.status.code === StatusCode.OK ? 'OK' : 'ERROR' });
  if (s.status.message !== '') out.push({ key: 'otel.status_description', type: 'string', value: s.status.message });
  if (s.scope.name !== '') out.push({ key: 'otel.scope.name', type: 'string', value: s.scope.name });
  if (s.scope.version !== '') out.push({ key: 'otel.scope.version', type: 'string', value: s.scope.version });
  for (const kv of s.scope.attributes) out.push(jaegerValue(`otel.scope.${kv.key}`, kv.value));
  if (s.traceState !== '') out.push({ key: 'w3c.tracestate', type: 'string', value: s.traceState });
  return out;
}

/** Root spans carry the decision; without a root, the earliest span does. */
function decisionHolders(spans: readonly StoredSpan[]): Set<string> {
  const roots = spans.filter((s) => s.span.parentSpanId === '').map((s) => s.span.spanId);
  if (roots.length > 0) return new Set(roots);
  const first = [...spans].sort((a, b) => (a.span.startTimeUnixNano < b.span.startTimeUnixNano ? -1 : 1))[0];
  return new Set(first === undefined ? [] : [first.span.spanId]);
}

/** A stored trace in Jaeger's JSON, processes deduplicated by service and resource. */
export function toJaegerTrace(trace: StoredTrace): JaegerTrace {
  const processes: Record<string, JaegerProcess> = {};
  const processIds = new Map<string, string>();
  const spanIds = new Set(trace.spans.map((s) => s.span.spanId));
  const holders = decisionHolders(trace.spans);
  const spans = trace.spans.map((st): JaegerSpan => {
    const s = st.span;
    const service = serviceName(s);
    const ptags = tags(s.resource.attributes.filter((kv) => kv.key !== 'service.name'));
    const pkey = stringify([service, ptags]);
    let pid = processIds.get(pkey);
    if (pid === undefined) {
      pid = `p${processIds.size + 1}`;
      processIds.set(pkey, pid);
      processes[pid] = { serviceName: service, tags: ptags };
    }
    const references: JaegerReference[] = [];
    if (s.parentSpanId !== '') references.push({ refType: 'CHILD_OF', traceID: s.traceId, spanID: s.parentSpanId });
    for (const l of s.links) references.push({ refType: 'FOLLOWS_FROM', traceID: l.traceId, spanID: l.spanId, tags: tags(l.attributes) });
    const decision: JaegerKeyValue[] = holders.has(s.spanId)
      ? [{ key: SAMPLING_POLICY_TAG, type: 'string', value: st.policy }, { key: SAMPLING_RATE_TAG, type: 'float64', value: st.sampleRate }]
      : [];
    if (st.late) decision.push({ key: SAMPLING_LATE_TAG, type: 'bool', value: true });
    const warnings = s.parentSpanId !== '' && !spanIds.has(s.parentSpanId) ? [`parent span ${s.parentSpanId} is not in the trace`] : null;
    return {
      traceID: s.traceId, spanID: s.spanId, flags: s.flags, operationName: s.name, references,
      startTime: us(s.startTimeUnixNano), duration: Math.max(0, us(s.endTimeUnixNano - s.startTimeUnixNano)),
      tags: [...tags(s.attributes), ...derivedTags(s), ...decision],
      logs: s.events.map((e) => ({ timestamp: us(e.timeUnixNano), fields: [{ key: 'event', type: 'string', value: e.name }, ...tags(e.attributes)] })),
      processID: pid, warnings,
    };
  });
  return { traceID: trace.traceId, spans, processes, warnings: null };
}
