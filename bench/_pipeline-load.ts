/**
 * The pipeline benchmark's input: the seeded workload cut into OTLP/HTTP protobuf bodies as
 * SDK exporters send them (one pod's spans per export tick, at most 512), the set of rows
 * the default policies must keep, and the bodies' decode-only rate on one core.
 */
import { RawSpansDecoder } from '../src/ingest/decode.ts';
import { encodeOtlpProto } from '../src/ingest/otlp-proto.ts';
import type { InstrumentationScope, Resource, Span } from '../src/model/span.ts';
import { parseSamplingConfigText } from '../src/sampling/config.ts';
import { createSampler } from '../src/sampling/decision.ts';
import { generateWorkload, type SpanDelivery } from '../src/workload/generator.ts';
import { groupDeliveries } from '../test/fixtures/workload-replay.ts';

export interface PipelineLoad {
  /** Request bodies in arrival order. */
  readonly bodies: readonly Buffer[];
  readonly spans: number;
  /** What ClickHouse must hold when the run is over: distinct spans and traces of kept traces. */
  readonly expected: { readonly rows: number; readonly traces: number; readonly tracesTotal: number };
}

function* take(deliveries: Iterable<SpanDelivery>, n: number): Generator<SpanDelivery> {
  let i = 0;
  for (const d of deliveries) {
    if (i++ >= n) return;
    yield d;
  }
}

/** A pod's spans with each scope's spans together, as an SDK's exporter groups them. */
function byScope(spans: readonly Span[]): Span[] {
  const groups = new Map<InstrumentationScope, Span[]>();
  for (const s of spans) {
    const g = groups.get(s.scope);
    if (g) g.push(s);
    else groups.set(s.scope, [s]);
  }
  return [...groups.values()].flat();
}

/**
 * The first `spans` deliveries of workload `seed`, its first trace starting at `startMs`
 * (keep it within the spans TTL: older spans are refused at the door). The kept set is what
 * the default policies decide on each whole trace (retried spans counted once).
 */
export function pipelineLoad(seed: string, spans: number, startMs: number): PipelineLoad {
  const w = generateWorkload({ seed, traces: Math.ceil(spans / 4), startMs, keepTraceTruth: false });
  const traces = new Map<string, Map<string, Span>>();
  const bodies: Buffer[] = [];
  let sent = 0;
  for (const request of groupDeliveries<Resource>(take(w.deliveries, spans), (d) => d.span.resource)) {
    const batch = request.deliveries.map((d) => d.span);
    bodies.push(Buffer.from(encodeOtlpProto(byScope(batch))));
    sent += batch.length;
    for (const s of batch) {
      const trace = traces.get(s.traceId) ?? new Map<string, Span>();
      trace.set(s.spanId, s);
      traces.set(s.traceId, trace);
    }
  }
  const sampler = createSampler(parseSamplingConfigText(''));
  let rows = 0;
  let kept = 0;
  for (const [traceId, trace] of traces) {
    const view = { traceId, spans: [...trace.values()], spanCount: trace.size, byteSize: 0, firstArrivalMs: 0, lastArrivalMs: 0 };
    if (!sampler.evaluate(view, 0).sampled) continue;
    kept++;
    rows += trace.size;
  }
  return { bodies, spans: sent, expected: { rows, traces: kept, tracesTotal: traces.size } };
}

/**
 * Spans/s of decoding `bodies` as the OTLP/HTTP receiver does (protobuf → validated model
 * spans), on this one thread: one warm-up pass, then whole passes for at least `seconds`.
 */
export function decodeOnlyRate(bodies: readonly Buffer[], seconds: number): number {
  const decoder = new RawSpansDecoder();
  const pass = (): number => {
    let n = 0;
    for (const b of bodies) {
      const r = decoder.decodeBytes(b, undefined, 'otlp_proto');
      if (!r.ok || r.rejected.length > 0) throw new Error(`pipeline bench: a request body does not decode cleanly: ${r.ok ? r.rejected[0]?.reason : r.error}`);
      n += r.spans.length;
    }
    return n;
  };
  pass();
  let spans = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    spans += pass();
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return spans / elapsed;
}
