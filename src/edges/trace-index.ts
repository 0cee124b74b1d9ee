/**
 * The parent/child and link structure of one trace, built once so edge derivation asks
 * "who is my parent" in O(1) whatever order the spans arrived in.
 */
import { serviceName, SpanKind } from '../model/span.ts';
import type { Span } from '../model/span.ts';

const isRemoteEntry = (s: Span): boolean => s.kind === SpanKind.SERVER || s.kind === SpanKind.CONSUMER;

/**
 * Lookup over the spans of one trace. Retried duplicates (same span id and kind) are kept
 * once. Zipkin's B3 "shared" spans — a SERVER span reusing its caller's CLIENT span id —
 * are resolved as Zipkin does: the SERVER side's parent is the CLIENT with the same id, and
 * children naming that id hang under the SERVER side, the one that ran their code.
 */
export class TraceIndex {
  /** Distinct spans, in input order. */
  readonly spans: readonly Span[];
  /** Every service that sent at least one span of this trace. */
  readonly services: ReadonlySet<string>;
  private readonly byId = new Map<string, Span[]>();
  private readonly withRemoteChild = new Set<Span>();
  private readonly serviceOf = new Map<Span, string>();

  constructor(spans: readonly Span[]) {
    const distinct: Span[] = [];
    for (const span of spans) {
      const sameId = this.byId.get(span.spanId);
      if (sameId?.some((s) => s.kind === span.kind)) continue;
      distinct.push(span);
      this.serviceOf.set(span, serviceName(span));
      if (sameId) sameId.push(span);
      else this.byId.set(span.spanId, [span]);
    }
    this.spans = distinct;
    this.services = new Set(this.serviceOf.values());
    for (const span of distinct) {
      const parent = this.parentOf(span);
      if (parent && isRemoteEntry(span)) this.withRemoteChild.add(parent);
    }
  }

  /** `service.name` of a span of this trace (computed once). */
  service(span: Span): string {
    return this.serviceOf.get(span) ?? serviceName(span);
  }

  /** The span's parent, or undefined for a root or when the parent never arrived. */
  parentOf(span: Span): Span | undefined {
    if (span.kind === SpanKind.SERVER) {
      const sharedClient = this.byId.get(span.spanId)?.find((s) => s.kind === SpanKind.CLIENT);
      if (sharedClient) return sharedClient;
    }
    if (span.parentSpanId === '') return undefined;
    const candidates = this.byId.get(span.parentSpanId);
    if (!candidates) return undefined;
    return candidates.find((s) => s.kind === SpanKind.SERVER) ?? candidates[0];
  }

  /** True when a SERVER or CONSUMER span is a direct child: the peer sent its own spans. */
  hasRemoteChild(span: Span): boolean {
    return this.withRemoteChild.has(span);
  }

  /**
   * PRODUCER spans of this trace a CONSUMER span links to (the OTel messaging convention
   * for batch receives). Links into other traces resolve to nothing: those edges can only
   * be seen by whichever task holds the producer's trace.
   */
  linkedProducers(span: Span): Span[] {
    const out: Span[] = [];
    for (const link of span.links) {
      if (link.traceId !== '' && link.traceId !== span.traceId) continue;
      const producer = this.byId.get(link.spanId)?.find((s) => s.kind === SpanKind.PRODUCER);
      if (producer && !out.includes(producer)) out.push(producer);
    }
    return out;
  }
}
