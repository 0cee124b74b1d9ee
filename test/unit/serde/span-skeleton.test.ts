import avro, { type Schema } from 'avsc';
import { describe, expect, it } from 'vitest';
import { deriveEdges, deriveSpanMetrics } from '../../../src/edges/index.ts';
import { EDGE_PRESENCE_PREFIXES, EDGE_VALUE_KEYS, edgesReadAttributes } from '../../../src/edges/peer.ts';
import { FieldError } from '../../../src/model/field-error.ts';
import { serviceName, type AnyValue, type Span } from '../../../src/model/span.ts';
import { spanFromAvro, spanToAvro } from '../../../src/serde/avro-span.ts';
import { avroType } from '../../../src/serde/avro-types.ts';
import { InProcessRegistry } from '../../../src/serde/registry.ts';
import { spanCodec } from '../../../src/serde/span-codec.ts';
import { readSpanSkeleton as readWith, skeletonKeys } from '../../../src/serde/span-skeleton.ts';
import { rootSpan } from '../../../src/sampling/adaptive.ts';
import { createSampler } from '../../../src/sampling/decision.ts';
import { parseSamplingConfigText } from '../../../src/sampling/config.ts';
import { HEAD_RATE_KEYS, headSampleRate } from '../../../src/sampling/head-rate.ts';
import { generateWorkload } from '../../../src/workload/generator.ts';
import { span } from '../edges/span-factory.ts';

const registry = InProcessRegistry.fromDir();
const type = registry.readerType('Span');
const long = avro.Type.forSchema('long');
const full = (b: Buffer): Span => spanFromAvro(type.fromBuffer(b));
/** As the decision reads spans: the head rate's keys besides the edges'. */
const DECISION_KEYS = skeletonKeys(HEAD_RATE_KEYS);
const readSpanSkeleton = (b: Buffer): Span => readWith(b, DECISION_KEYS);

/** The span attributes the skeleton keeps: the head rate's, and what the edges read of a span of that kind. */
function decisionAttributes(s: Span): Span['attributes'] {
  const call = edgesReadAttributes(s.kind);
  const valued = (key: string) => HEAD_RATE_KEYS.includes(key) || (call && EDGE_VALUE_KEYS.includes(key));
  const presence = (key: string) => call && EDGE_PRESENCE_PREFIXES.some((p) => key.startsWith(p));
  const firstPresent = s.attributes.find((kv) => !valued(kv.key) && presence(kv.key));
  return s.attributes.filter((kv) => valued(kv.key) || kv === firstPresent);
}

/** What the skeleton keeps: everything but events, link attributes, scope, resource attributes past service.name and span attributes the edges do not read. */
function skeletonOf(s: Span): Span {
  const svc = s.resource.attributes.find((kv) => kv.key === 'service.name');
  return {
    ...s,
    attributes: decisionAttributes(s),
    events: [],
    links: s.links.map((l) => ({ ...l, attributes: [] })),
    resource: { ...s.resource, attributes: svc ? [svc] : [] },
    scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
  };
}

function tracesOf(seed: string, traces: number): Map<string, Buffer[]> {
  const byTrace = new Map<string, Buffer[]>();
  for (const d of generateWorkload({ seed, traces, keepTraceTruth: false }).deliveries) {
    const list = byTrace.get(d.span.traceId) ?? [];
    list.push(type.toBuffer(spanToAvro(d.span)));
    byTrace.set(d.span.traceId, list);
  }
  return byTrace;
}

describe('readSpanSkeleton', () => {
  it('the registry Span schema is the one it walks, so the codec offers it', () => {
    expect(spanCodec(registry).decodeSkeleton).toBe(readWith);
  });

  it('agrees with the full decode on the seeded workload: fields, edges, span metrics, policies', () => {
    const sampler = () => createSampler(parseSamplingConfigText('decision_wait: 1s\n'));
    const [a, b] = [sampler(), sampler()];
    let spans = 0;
    for (const [traceId, bytes] of tracesOf('bench-throughput', 400)) {
      const f = bytes.map(full);
      const k = bytes.map(readSpanSkeleton);
      spans += k.length;
      expect(k).toEqual(f.map(skeletonOf));
      expect(deriveEdges(k)).toEqual(deriveEdges(f));
      expect(deriveSpanMetrics(k)).toEqual(deriveSpanMetrics(f));
      expect(k.map(serviceName)).toEqual(f.map(serviceName));
      expect(headSampleRate(k)).toEqual(headSampleRate(f));
      expect(rootSpan(k)?.spanId).toBe(rootSpan(f)?.spanId);
      const view = (s: Span[]) => ({ traceId, spans: s, spanCount: s.length, byteSize: 1000, firstArrivalMs: 0, lastArrivalMs: 0 });
      expect(a.evaluate(view(k), 1_000)).toEqual(b.evaluate(view(f), 1_000));
    }
    expect(spans).toBeGreaterThan(5_000);
  });

  it('reads every value type, links and far-out longs as the full decode does, and skips events, scope, other resource attributes and span attributes the edges do not read', () => {
    const values: AnyValue[] = [
      { type: 'empty' },
      { type: 'string', value: 'ünï' },
      { type: 'bool', value: true },
      { type: 'int', value: -(2n ** 63n) },
      { type: 'int', value: 2n ** 63n - 1n },
      { type: 'int', value: -1n },
      { type: 'double', value: -1.5e300 },
      { type: 'bytes', value: new Uint8Array([0, 1, 255]) },
      { type: 'array', values: [{ type: 'int', value: 3n }, { type: 'array', values: [{ type: 'string', value: 'x' }] }] },
      { type: 'kvlist', values: [{ key: 'k', value: { type: 'kvlist', values: [{ key: 'j', value: { type: 'bool', value: false } }] } }] },
    ];
    const attrs = values.map((value, i) => ({ key: `a${i}`, value }));
    // Keys the edges read, so the skeleton builds their values too.
    const edgeAttrs = values.map((value, i) => ({ key: i === 0 ? 'http.route' : i === 1 ? 'peer.service' : 'db.system', value }));
    const base = span({ id: 7, parent: 3, service: 'svc', kind: 'consumer' });
    const s: Span = {
      ...base,
      flags: 2 ** 31 + 5,
      startTimeUnixNano: 2n ** 64n - 1n,
      endTimeUnixNano: 0n,
      attributes: [...attrs, ...edgeAttrs],
      droppedAttributesCount: 2 ** 40,
      events: [{ timeUnixNano: 5n, name: 'e', attributes: attrs, droppedAttributesCount: 1 }],
      droppedEventsCount: 2 ** 60,
      links: [{ traceId: base.traceId, spanId: 'aaaaaaaaaaaaaaaa', traceState: 'x=1', flags: 1, attributes: attrs, droppedAttributesCount: 4 }],
      droppedLinksCount: 9,
      resource: { attributes: [...attrs, { key: 'service.name', value: { type: 'string', value: 'svc' } }, { key: 'service.name', value: { type: 'string', value: 'second' } }], droppedAttributesCount: 1, schemaUrl: 'u' },
      scope: { name: 'lib', version: '1', attributes: attrs, droppedAttributesCount: 2, schemaUrl: 's' },
    };
    const bytes = type.toBuffer(spanToAvro(s));
    expect(readSpanSkeleton(bytes)).toEqual(skeletonOf(full(bytes)));
    expect(serviceName(readSpanSkeleton(bytes))).toBe('svc');
  });

  it('keeps the attributes the edges and the head rate read, so calls and rates come out as from the full decode', () => {
    const http = { 'http.request.method': 'GET', 'http.route': '/a', 'url.full': 'http://b/a', 'user_agent.original': 'x' };
    const spans = [
      span({ id: 1, service: 'a', kind: 'server', attrs: { 'app.tenant': 't', ...http } }),
      span({ id: 2, parent: 1, service: 'a', kind: 'internal', attrs: { 'db.system': 'postgresql', 'sampler.type': 'probabilistic', 'peer.service': 'nowhere', 'sampler.param': '0.25' } }),
      span({ id: 3, parent: 2, service: 'a', kind: 'client', attrs: { 'app.x': '1', 'db.system': 'postgresql', 'db.namespace': 'orders', 'server.address': 'pg' } }),
      span({ id: 4, parent: 2, service: 'a', kind: 'client', attrs: { 'app.y': '2', 'rpc.system': 'grpc', ...http } }),
      span({ id: 5, parent: 4, service: 'b', kind: 'server', attrs: { 'rpc.system': 'grpc', 'app.z': '3' } }),
      span({ id: 6, parent: 5, service: 'b', kind: 'producer', attrs: { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders', 'app.w': '4' } }),
      span({ id: 7, parent: 5, service: 'b', kind: 'client', attrs: { 'app.only': 'x', 'http.request.method': 'POST', 'server.address': 'api.example.com' } }),
    ];
    const bytes = spans.map((s) => type.toBuffer(spanToAvro(s)));
    const f = bytes.map(full);
    const k = bytes.map(readSpanSkeleton);
    expect(k).toEqual(f.map(skeletonOf));
    expect(k[1]?.attributes.map((kv) => kv.key)).toEqual(['sampler.type', 'sampler.param']);
    expect(readWith(bytes[1] as Buffer).attributes).toEqual([]); // without the decision's keys, only the edges'
    expect(headSampleRate(k)).toEqual(headSampleRate(f));
    expect(headSampleRate(k)?.rate).toBe(4);
    expect(k[0]?.attributes.map((kv) => kv.key)).toEqual(['http.request.method']);
    expect(k[2]?.attributes.map((kv) => kv.key)).toEqual(['db.system', 'db.namespace', 'server.address']);
    const edges = deriveEdges(f);
    expect(edges.map((e) => `${e.parent}>${e.child}:${e.connectionType}`).sort()).toEqual(['a>b:rpc', 'a>postgresql:orders:database', 'b>api.example.com:http', 'b>orders:messaging']);
    expect(deriveEdges(k)).toEqual(edges);
  });

  it('reads arrays written in blocks with a byte size, as other Avro writers do', () => {
    // The same span, its attribute array re-written as one block with a negative count and a byte size.
    const s = span({ id: 1, service: 'a', kind: 'client', attrs: { 'db.system': 'redis', 'peer.service': 'cache' } });
    const fields = (type.schema() as { fields: { name: string; type: unknown }[] }).fields;
    const prefix = avroType({ type: 'record', name: 'Prefix', fields: fields.slice(0, 10) } as Schema);
    const attrs = avroType(fields[10]?.type as Schema);
    const plain = type.toBuffer(spanToAvro({ ...s, attributes: [] }));
    const at = (prefix.decode(plain, 0) as { offset: number }).offset; // the empty array's one 0 byte
    const items = attrs.toBuffer(spanToAvro(s)['attributes']);
    const count = long.decode(items, 0) as { value: number; offset: number };
    const body = items.subarray(count.offset, items.length - 1);
    const blocked = Buffer.concat([long.toBuffer(-count.value), long.toBuffer(body.length), body, long.toBuffer(0)]);
    const bytes = Buffer.concat([plain.subarray(0, at), blocked, plain.subarray(at + 1)]);
    expect(full(bytes).attributes).toHaveLength(2);
    expect(readSpanSkeleton(bytes)).toEqual(skeletonOf(full(bytes)));
  });

  it('refuses what the full decode refuses: truncated bytes, trailing bytes, values nested too deep', () => {
    const bytes = type.toBuffer(spanToAvro(span({ id: 1, service: 'a', kind: 'server' })));
    for (const cut of [1, 10, bytes.length - 1]) {
      expect(() => full(bytes.subarray(0, cut))).toThrow();
      expect(() => readSpanSkeleton(bytes.subarray(0, cut))).toThrow();
    }
    const trailing = Buffer.concat([bytes, Buffer.from([0])]);
    expect(() => full(trailing)).toThrow();
    expect(() => readSpanSkeleton(trailing)).toThrow(/trailing/);
    let deep: AnyValue = { type: 'string', value: 'x' };
    for (let i = 0; i < 40; i++) deep = { type: 'array', values: [deep] };
    const base = span({ id: 1, service: 'a', kind: 'server' });
    for (const s of [
      { ...base, attributes: [{ key: 'deep', value: deep }] },
      { ...base, resource: { ...base.resource, attributes: [{ key: 'deep', value: deep }] } },
      { ...base, events: [{ timeUnixNano: 1n, name: 'e', attributes: [{ key: 'deep', value: deep }], droppedAttributesCount: 0 }] },
    ]) {
      const b = type.toBuffer(spanToAvro(s));
      const message = (f: () => unknown): string => {
        try {
          f();
        } catch (err) {
          expect(err).toBeInstanceOf(FieldError);
          return (err as Error).message;
        }
        return 'no error';
      };
      expect(message(() => readSpanSkeleton(b))).toBe(message(() => full(b)));
    }
  });
});

