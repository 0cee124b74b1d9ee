import { describe, expect, it } from 'vitest';
import { deriveEdges } from '../../../src/edges/derive-edges.ts';
import type { EdgeObservation } from '../../../src/edges/types.ts';
import { span, spans, T0_MS } from './span-factory.ts';
import type { SpanSpec } from './span-factory.ts';

/** `parent>child type [virtual] [error]`, sorted: what a service map would draw. */
const summary = (edges: readonly EdgeObservation[]): string[] =>
  edges
    .map((e) => [`${e.parent}>${e.child}`, e.connectionType, e.virtualChild ? 'virtual' : '', e.error ? 'error' : ''])
    .map((parts) => parts.filter((p) => p !== '').join(' '))
    .sort();

const HTTP = { 'http.request.method': 'GET' };

interface Case {
  readonly name: string;
  readonly trace: readonly SpanSpec[];
  readonly edges: readonly string[];
}

const cases: readonly Case[] = [
  // Zipkin: no caller is known for a root server span.
  { name: 'a lone root server span yields nothing', trace: [{ id: 1, service: 'A', kind: 'server' }], edges: [] },
  {
    name: 'server-only trace: server under another service server links the two',
    trace: [
      { id: 1, service: 'A', kind: 'server' },
      { id: 2, parent: 1, service: 'B', kind: 'server', attrs: HTTP },
    ],
    edges: ['A>B http'],
  },
  {
    name: 'client+server pair counts once',
    trace: [
      { id: 1, service: 'A', kind: 'server' },
      { id: 2, parent: 1, service: 'A', kind: 'client', attrs: { ...HTTP, 'peer.service': 'B' } },
      { id: 3, parent: 2, service: 'B', kind: 'server', attrs: HTTP },
    ],
    edges: ['A>B http'],
  },
  {
    name: 'rpc.system on the client makes a gRPC-over-HTTP call rpc',
    trace: [
      { id: 2, service: 'A', kind: 'client', attrs: { 'rpc.system': 'grpc' } },
      { id: 3, parent: 2, service: 'B', kind: 'server', attrs: HTTP },
    ],
    edges: ['A>B rpc'],
  },
  {
    name: 'client-only leaf: virtual node from peer.service',
    trace: [
      { id: 1, service: 'A', kind: 'server' },
      { id: 2, parent: 1, service: 'A', kind: 'client', attrs: { ...HTTP, 'peer.service': 'billing', 'server.address': '10.0.0.7' } },
    ],
    edges: ['A>billing http virtual'],
  },
  {
    name: 'client-only leaf: db.system + db.name',
    trace: [{ id: 2, service: 'A', kind: 'client', attrs: { 'db.system': 'postgresql', 'db.name': 'orders', 'server.address': 'pg' } }],
    edges: ['A>postgresql:orders database virtual'],
  },
  {
    name: 'client-only leaf: db.system + db.namespace (new convention)',
    trace: [{ id: 2, service: 'A', kind: 'client', attrs: { 'db.system': 'mysql', 'db.namespace': 'users' } }],
    edges: ['A>mysql:users database virtual'],
  },
  {
    name: 'client-only leaf: db.system alone',
    trace: [{ id: 2, service: 'A', kind: 'client', attrs: { 'db.system': 'redis' } }],
    edges: ['A>redis database virtual'],
  },
  {
    name: 'client-only leaf: server.address',
    trace: [{ id: 2, service: 'A', kind: 'client', attrs: { 'url.full': 'https://api.stripe.com/v1', 'server.address': 'api.stripe.com' } }],
    edges: ['A>api.stripe.com http virtual'],
  },
  {
    name: 'client-only leaf: net.peer.name, then http.host',
    trace: [
      { id: 2, service: 'A', kind: 'client', attrs: { 'net.peer.name': 'legacy' } },
      { id: 3, service: 'A', kind: 'client', attrs: { 'http.host': 'old-host:8080' } },
    ],
    edges: ['A>legacy other virtual', 'A>old-host:8080 http virtual'],
  },
  {
    name: 'client-only leaf naming no peer is skipped',
    trace: [{ id: 2, service: 'A', kind: 'client', attrs: HTTP }],
    edges: [],
  },
  {
    name: 'messaging via span link: consumer links to the producer',
    trace: [
      { id: 1, service: 'A', kind: 'server' },
      { id: 2, parent: 1, service: 'A', kind: 'producer', attrs: { 'messaging.destination.name': 'orders' } },
      { id: 3, service: 'B', kind: 'consumer', links: [2] },
    ],
    edges: ['A>B messaging'],
  },
  {
    name: 'messaging via span links: a batch consumer links to two producers',
    trace: [
      { id: 2, service: 'A', kind: 'producer' },
      { id: 3, service: 'C', kind: 'producer' },
      { id: 4, service: 'B', kind: 'consumer', links: [2, 3, 99] },
    ],
    edges: ['A>B messaging', 'C>B messaging'],
  },
  {
    name: 'messaging via parent/child',
    trace: [
      { id: 2, service: 'A', kind: 'producer', attrs: { 'messaging.system': 'kafka' } },
      { id: 3, parent: 2, service: 'B', kind: 'consumer' },
    ],
    edges: ['A>B messaging'],
  },
  {
    name: 'producer without consumer: virtual destination (new and old attribute)',
    trace: [
      { id: 2, service: 'A', kind: 'producer', attrs: { 'messaging.destination.name': 'orders' } },
      { id: 3, service: 'A', kind: 'producer', attrs: { 'messaging.destination': 'legacy-queue' } },
      { id: 4, service: 'A', kind: 'producer' },
    ],
    edges: ['A>legacy-queue messaging virtual', 'A>orders messaging virtual'],
  },
  {
    name: 'producer consumed by its own service yields nothing, not even a destination',
    trace: [
      { id: 2, service: 'A', kind: 'producer', attrs: { 'messaging.destination.name': 'retry' } },
      { id: 3, service: 'A', kind: 'consumer', links: [2] },
    ],
    edges: [],
  },
  {
    name: 'missing intermediate span: edges on both sides of the hole survive',
    trace: [
      { id: 1, service: 'A', kind: 'server' },
      { id: 2, parent: 1, service: 'A', kind: 'client', attrs: { ...HTTP, 'peer.service': 'B' } },
      // B's server span (3) never arrived.
      { id: 4, parent: 3, service: 'B', kind: 'client', attrs: HTTP },
      { id: 5, parent: 4, service: 'C', kind: 'server' },
    ],
    edges: ['A>B http', 'B>C http'],
  },
  {
    name: 'orphan server span (parent never arrived) yields nothing',
    trace: [
      { id: 1, service: 'A', kind: 'server' },
      { id: 5, parent: 4, service: 'B', kind: 'server' },
    ],
    edges: [],
  },
  {
    name: 'nested internal spans between services are walked through',
    trace: [
      { id: 1, service: 'A', kind: 'server' },
      { id: 2, parent: 1, service: 'A', kind: 'internal' },
      { id: 3, parent: 2, service: 'A', kind: 'internal' },
      { id: 4, parent: 3, service: 'A', kind: 'client' },
      { id: 5, parent: 4, service: 'B', kind: 'server' },
      { id: 6, parent: 5, service: 'B', kind: 'internal' },
      { id: 7, parent: 6, service: 'B', kind: 'internal' },
      { id: 8, parent: 7, service: 'C', kind: 'server' },
    ],
    edges: ['A>B other', 'B>C other'],
  },
  {
    name: 'same-service calls (loopback client/server, internal) are ignored',
    trace: [
      { id: 1, service: 'A', kind: 'server' },
      { id: 2, parent: 1, service: 'A', kind: 'internal' },
      { id: 3, parent: 2, service: 'A', kind: 'client', attrs: { 'server.address': 'localhost' } },
      { id: 4, parent: 3, service: 'A', kind: 'server' },
      { id: 5, parent: 4, service: 'A', kind: 'client', attrs: { 'peer.service': 'A' } },
    ],
    edges: [],
  },
  {
    name: 'a loopback call inside a called service does not count its caller again',
    trace: [
      { id: 1, service: 'B', kind: 'client' },
      { id: 2, parent: 1, service: 'A', kind: 'server' },
      { id: 3, parent: 2, service: 'A', kind: 'client' },
      { id: 4, parent: 3, service: 'A', kind: 'server' },
    ],
    edges: ['B>A other'],
  },
  {
    name: 'a client whose server sits under the callee own internal span pairs once',
    trace: [
      { id: 2, service: 'A', kind: 'client', attrs: { 'peer.service': 'B' } },
      { id: 3, parent: 2, service: 'B', kind: 'internal', name: 'middleware' },
      { id: 4, parent: 3, service: 'B', kind: 'server' },
    ],
    edges: ['A>B other'],
  },
  {
    name: 'error on the client side marks the call',
    trace: [
      { id: 2, service: 'A', kind: 'client', error: true },
      { id: 3, parent: 2, service: 'B', kind: 'server' },
    ],
    edges: ['A>B other error'],
  },
  {
    name: 'error on the server side marks the call',
    trace: [
      { id: 2, service: 'A', kind: 'client' },
      { id: 3, parent: 2, service: 'B', kind: 'server', error: true },
    ],
    edges: ['A>B other error'],
  },
  {
    name: 'error on a client-only leaf marks the virtual call',
    trace: [{ id: 2, service: 'A', kind: 'client', error: true, attrs: { 'db.system': 'redis' } }],
    edges: ['A>redis database virtual error'],
  },
  {
    name: 'three-level chain A→B→C',
    trace: [
      { id: 1, service: 'A', kind: 'server' },
      { id: 2, parent: 1, service: 'A', kind: 'client' },
      { id: 3, parent: 2, service: 'B', kind: 'server' },
      { id: 4, parent: 3, service: 'B', kind: 'client' },
      { id: 5, parent: 4, service: 'C', kind: 'server' },
      { id: 6, parent: 5, service: 'C', kind: 'client', attrs: { 'db.system': 'postgresql', 'db.name': 'c' } },
    ],
    edges: ['A>B other', 'B>C other', 'C>postgresql:c database virtual'],
  },
  {
    name: 'Zipkin shared span: server reusing the client id pairs with it',
    trace: [
      { id: 2, service: 'A', kind: 'client' },
      { id: 2, service: 'B', kind: 'server' },
      { id: 3, parent: 2, service: 'B', kind: 'client' },
      { id: 4, parent: 3, service: 'C', kind: 'server' },
    ],
    edges: ['A>B other', 'B>C other'],
  },
  {
    name: 'a retried duplicate span counts once',
    trace: [
      { id: 2, service: 'A', kind: 'client' },
      { id: 3, parent: 2, service: 'B', kind: 'server' },
      { id: 3, parent: 2, service: 'B', kind: 'server' },
    ],
    edges: ['A>B other'],
  },
  {
    name: 'consumer linking only to another trace falls back to its parent',
    trace: [
      { id: 1, service: 'A', kind: 'server' },
      // Span 2 of *this* trace must not be mistaken for the linked span 2 of another trace.
      { id: 3, parent: 1, service: 'B', kind: 'consumer', links: [2], linkTraceId: 'ffffffffffffffffffffffffffffffff' },
      { id: 2, service: 'X', kind: 'producer' },
    ],
    edges: ['A>B messaging'],
  },
  {
    name: 'a parent cycle in malformed data terminates',
    trace: [
      { id: 1, parent: 2, service: 'A', kind: 'internal' },
      { id: 2, parent: 1, service: 'A', kind: 'internal' },
      { id: 3, parent: 1, service: 'B', kind: 'server' },
      { id: 4, parent: 5, service: 'C', kind: 'server' },
      { id: 5, parent: 4, service: 'C', kind: 'internal' },
    ],
    edges: ['A>B other'],
  },
];

describe('deriveEdges', () => {
  it.each(cases)('$name', ({ trace, edges }) => {
    expect(summary(deriveEdges(spans(...trace)))).toEqual([...edges].sort());
  });

  it.each(cases)('gives the same calls whatever the span order: $name', ({ trace, edges }) => {
    expect(summary(deriveEdges(spans(...trace).reverse()))).toEqual([...edges].sort());
  });

  it('reports a client/server pair with the client timing', () => {
    const [edge, ...rest] = deriveEdges(
      spans(
        { id: 2, service: 'A', kind: 'client', at: 5, durationMs: 30 },
        { id: 3, parent: 2, service: 'B', kind: 'server', at: 7, durationMs: 20 },
      ),
    );
    expect(rest).toEqual([]);
    expect(edge).toEqual({
      parent: 'A',
      child: 'B',
      connectionType: 'other',
      virtualChild: false,
      timestampMs: T0_MS + 5,
      durationNanos: 30_000_000n,
      error: false,
    });
  });

  it('reports a call without a client span with the server timing', () => {
    const edges = deriveEdges(
      spans({ id: 1, service: 'A', kind: 'server', durationMs: 90 }, { id: 2, parent: 1, service: 'B', kind: 'server', at: 3, durationMs: 20 }),
    );
    expect(edges.map((e) => [e.timestampMs, e.durationNanos])).toEqual([[T0_MS + 3, 20_000_000n]]);
  });

  it('reports a virtual call with the caller timing and counts a negative duration as zero', () => {
    const skewed = { ...span({ id: 2, service: 'A', kind: 'client', at: 4, attrs: { 'peer.service': 'p' } }) };
    const backwards = { ...skewed, endTimeUnixNano: skewed.startTimeUnixNano - 1n };
    expect(deriveEdges([backwards]).map((e) => [e.timestampMs, e.durationNanos])).toEqual([[T0_MS + 4, 0n]]);
  });

  it('marks a peer.service child as real when that service sent spans to the trace', () => {
    const edges = deriveEdges(
      spans(
        { id: 2, service: 'A', kind: 'client', attrs: { 'peer.service': 'B' } },
        { id: 9, service: 'B', kind: 'server' },
      ),
    );
    expect(summary(edges)).toEqual(['A>B other']);
  });
});
