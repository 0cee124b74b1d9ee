/**
 * Side-effect-free helpers for the workload tests: run a workload to completion, group
 * spans by trace, and recount dependency edges from spans alone (independently of the
 * generator's own ground-truth bookkeeping).
 */
import { findAttribute, serviceName, SpanKind, type Span } from '../../../src/model/span.ts';
import { generateWorkload, type SpanDelivery, type WorkloadOptions } from '../../../src/workload/generator.ts';
import type { GroundTruth } from '../../../src/workload/ground-truth.ts';

export interface Run {
  readonly deliveries: SpanDelivery[];
  readonly groundTruth: GroundTruth;
}

export function run(opts: WorkloadOptions): Run {
  const w = generateWorkload(opts);
  return { deliveries: [...w], groundTruth: w.groundTruth };
}

/** Distinct spans per trace id (duplicate deliveries dropped). */
export function tracesOf(deliveries: readonly SpanDelivery[]): Map<string, Span[]> {
  const out = new Map<string, Span[]>();
  for (const d of deliveries) {
    if (d.duplicate) continue;
    let spans = out.get(d.span.traceId);
    if (!spans) out.set(d.span.traceId, (spans = []));
    spans.push(d.span);
  }
  return out;
}

export function str(span: Span, key: string): string | undefined {
  const v = findAttribute(span.attributes, key);
  return v?.type === 'string' ? v.value : undefined;
}

/** The straightforward recount: client/server pairs, producer/consumer pairs, db and peer CLIENT leaves. */
export function recountEdges(traces: ReadonlyMap<string, readonly Span[]>): Map<string, number> {
  const edges = new Map<string, number>();
  const add = (k: string): void => {
    edges.set(k, (edges.get(k) ?? 0) + 1);
  };
  for (const spans of traces.values()) {
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const hasChild = new Set(spans.map((s) => s.parentSpanId));
    for (const s of spans) {
      const parent = byId.get(s.parentSpanId);
      const svc = serviceName(s);
      if (s.kind === SpanKind.SERVER && parent?.kind === SpanKind.CLIENT) {
        add(`${serviceName(parent)}|${svc}|${str(s, 'rpc.system') ? 'rpc' : 'http'}`);
      } else if (s.kind === SpanKind.CONSUMER && parent?.kind === SpanKind.PRODUCER) {
        add(`${serviceName(parent)}|${svc}|messaging`);
      } else if (s.kind === SpanKind.CLIENT && str(s, 'db.system')) {
        add(`${svc}|${str(s, 'db.system')}:${str(s, 'db.name')}|database`);
      } else if (s.kind === SpanKind.CLIENT && str(s, 'peer.service') && !hasChild.has(s.spanId)) {
        add(`${svc}|${str(s, 'peer.service')}|http`);
      }
    }
  }
  return edges;
}
