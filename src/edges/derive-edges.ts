/**
 * Service-to-service calls of one whole trace, after Zipkin's DependencyLinker and Grafana
 * Tempo's service-graph processor: the callee side (SERVER / CONSUMER) finds its caller by
 * walking up the tree, the caller side (CLIENT / PRODUCER) speaks for peers that sent no
 * spans. Pure: the same spans in any order give the same calls (in another order).
 */
import { SpanKind, StatusCode } from '../model/span.ts';
import type { Span } from '../model/span.ts';
import { clientPeerName, connectionTypeOf, producerDestinationName } from './peer.ts';
import { safeDuration, startMs } from './timing.ts';
import { TraceIndex } from './trace-index.ts';
import type { EdgeObservation } from './types.ts';

const isCaller = (s: Span): boolean => s.kind === SpanKind.CLIENT || s.kind === SpanKind.PRODUCER;
const isCallee = (s: Span): boolean => s.kind === SpanKind.SERVER || s.kind === SpanKind.CONSUMER;
const failed = (s: Span): boolean => s.status.code === StatusCode.ERROR;

/**
 * The nearest ancestor of `callee` that belongs to another service, or undefined. The walk
 * goes up through the callee's own INTERNAL / CLIENT / PRODUCER spans; it stops at a SERVER
 * or CONSUMER span of the callee's own service (the call came from inside that service, so
 * it is not a dependency) and at a missing parent: guessing a caller — Zipkin attaches
 * orphans to the root — would invent edges, so an orphaned callee yields none.
 */
function callerOf(index: TraceIndex, callee: Span): Span | undefined {
  const service = index.service(callee);
  const visited = new Set<Span>([callee]);
  let current = index.parentOf(callee);
  while (current && !visited.has(current)) {
    if (index.service(current) !== service) return current;
    if (isCallee(current)) return undefined;
    visited.add(current);
    current = index.parentOf(current);
  }
  return undefined;
}

/**
 * A call seen from both ends counts once. When the caller is a CLIENT or PRODUCER span its
 * view of the call is the one reported (start and duration as the caller measured them,
 * network and queueing included); the call failed if either side says so.
 */
function observe(index: TraceIndex, caller: Span, callee: Span): EdgeObservation {
  const paired = isCaller(caller);
  const timing = paired ? caller : callee;
  return {
    parent: index.service(caller),
    child: index.service(callee),
    connectionType: connectionTypeOf(paired ? [caller, callee] : [callee]),
    virtualChild: false,
    timestampMs: startMs(timing),
    durationNanos: safeDuration(timing),
    error: failed(callee) || (paired && failed(caller)),
  };
}

/** The call of a CLIENT / PRODUCER span whose peer sent no spans, to a virtual node. */
function observeVirtual(index: TraceIndex, caller: Span): EdgeObservation | undefined {
  const child = caller.kind === SpanKind.PRODUCER ? producerDestinationName(caller) : clientPeerName(caller);
  const parent = index.service(caller);
  if (child === undefined || child === parent) return undefined;
  return {
    parent,
    child,
    connectionType: connectionTypeOf([caller]),
    // `peer.service` may name a service that did send spans, just not under this call.
    virtualChild: !index.services.has(child),
    timestampMs: startMs(caller),
    durationNanos: safeDuration(caller),
    error: failed(caller),
  };
}

/**
 * One observation per call between services in one trace (all its spans, any order,
 * parents possibly missing). Rules:
 * - a SERVER / CONSUMER span yields caller-service → its service when a caller is found:
 *   for a CONSUMER first through its span links to PRODUCER spans of this trace (one call
 *   per linked producer), else by walking up parents ({@link callerOf});
 * - a CLIENT / PRODUCER span no callee answered yields a call to a virtual node named by
 *   `peer.service` / the database / the host (CLIENT) or the destination (PRODUCER);
 * - calls within one service yield nothing;
 * - a root SERVER span yields nothing: the trace does not say who called it (Zipkin draws
 *   no "user" node either), so traces holding only server spans produce no edges.
 */
export function deriveEdges(spans: readonly Span[]): EdgeObservation[] {
  const index = new TraceIndex(spans);
  const answered = new Set<Span>();
  const out: EdgeObservation[] = [];
  for (const callee of index.spans) {
    if (!isCallee(callee)) continue;
    const producers = callee.kind === SpanKind.CONSUMER ? index.linkedProducers(callee) : [];
    for (const producer of producers) {
      answered.add(producer);
      if (index.service(producer) !== index.service(callee)) out.push(observe(index, producer, callee));
    }
    if (producers.length > 0) continue;
    const caller = callerOf(index, callee);
    if (!caller) continue;
    answered.add(caller);
    out.push(observe(index, caller, callee));
  }
  for (const caller of index.spans) {
    if (!isCaller(caller) || answered.has(caller) || index.hasRemoteChild(caller)) continue;
    const virtual = observeVirtual(index, caller);
    if (virtual) out.push(virtual);
  }
  return out;
}
