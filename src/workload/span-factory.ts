/**
 * Turns a planned, laid-out trace into OTLP-shaped spans. Spans emitted inside one process
 * (a server span and the client, database and producer spans it starts) share that pod's
 * resource, as they would coming out of one SDK.
 */
import { SpanKind, StatusCode, type KeyValue, type Resource, type Span, type SpanEvent, type SpanLink } from '../model/span.ts';
import type { ModelIndex } from './app-model.ts';
import type { Rng } from './random.ts';
import type { TelemetrySources, ScopeArea } from './resources.ts';
import type { PlanNode, TracePlan } from './trace-plan.ts';
import { factAttributes } from './trace-facts.ts';
import { clientAttributes, exceptionEvent, exceptionFor, leafAttributes, serverAttributes, spanName } from './span-attributes.ts';

/** Spans of one trace in pre-order (every parent before its children), with their plan nodes. */
export interface MaterialisedTrace {
  readonly spans: Span[];
  readonly nodes: PlanNode[];
}

const KIND: Record<PlanNode['type'], SpanKind> = {
  server: SpanKind.SERVER,
  consumer: SpanKind.CONSUMER,
  client: SpanKind.CLIENT,
  db: SpanKind.CLIENT,
  peer: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
};

function scopeArea(n: PlanNode): ScopeArea {
  const call = n.call;
  if (call?.kind === 'db') return call.system;
  if (call?.kind === 'peer') return 'http';
  if (call?.kind === 'produce') return 'kafka';
  const ep = n.op?.endpoint;
  if (ep?.protocol === 'grpc') return 'grpc';
  if (ep?.protocol === 'http') return 'http';
  if (ep?.protocol === 'messaging') return 'kafka';
  return 'app';
}

/** Builds the spans of `plan`, whose trace started at `baseNs` (Unix ns). */
export function materialise(plan: TracePlan, baseNs: bigint, index: ModelIndex, sources: TelemetrySources, rng: Rng): MaterialisedTrace {
  const spans: Span[] = [];
  const nodes: PlanNode[] = [];
  const abs = (ns: number): bigint => baseNs + BigInt(Math.round(ns));

  const visit = (n: PlanNode, parentSpanId: string, hostResource: Resource | undefined): void => {
    const inProcess = n.type === 'server' || n.type === 'consumer';
    const resource = inProcess || !hostResource ? rng.pick(sources.pods(n.service)) : hostResource;
    const attributes: KeyValue[] = [];
    if (n.type === 'client') clientAttributes(n, plan.facts, attributes);
    else if (inProcess) serverAttributes(n, plan.facts, attributes);
    else leafAttributes(n, plan.facts, attributes);
    if (inProcess) factAttributes(plan.facts, n.op?.tags, attributes);

    const end = abs(n.endNs);
    const events: SpanEvent[] = [];
    let message = '';
    if (n.error) {
      const language = index.service(n.service).language;
      if (n.type !== 'client') events.push(exceptionEvent(n, language, end - 1000n));
      message = n.type === 'client' && n.children[0] ? exceptionFor(n.children[0], index.service(n.children[0].service).language).message : exceptionFor(n, language).message;
    }
    const links: SpanLink[] =
      n.type === 'consumer'
        ? [{ traceId: plan.traceId, spanId: parentSpanId, traceState: '', flags: 1, attributes: [], droppedAttributesCount: 0 }]
        : [];
    spans.push({
      traceId: plan.traceId,
      spanId: n.spanId,
      parentSpanId,
      traceState: '',
      flags: 1,
      name: spanName(n),
      kind: KIND[n.type],
      startTimeUnixNano: abs(n.startNs),
      endTimeUnixNano: end,
      status: n.error ? { code: StatusCode.ERROR, message } : { code: StatusCode.UNSET, message: '' },
      attributes,
      droppedAttributesCount: 0,
      events,
      droppedEventsCount: 0,
      links,
      droppedLinksCount: 0,
      resource,
      scope: sources.scope(n.service, scopeArea(n)),
    });
    nodes.push(n);
    for (const c of n.children) visit(c, n.spanId, resource);
  };

  visit(plan.root, '', undefined);
  return { spans, nodes };
}
