import { describe, expect, it } from 'vitest';
import { SpanKind, StatusCode, serviceName } from '../../../src/model/span.ts';
import { edgeKey, edgeList, nodesOf, parseEdgeKey, summarizeGroundTruth, tracesOverLatency, tracesWithErrors } from '../../../src/workload/ground-truth.ts';
import { recountEdges, run, str, tracesOf } from './helpers.ts';

const r = run({ seed: 'edges', traces: 800, errorRate: 0.05, slowRate: 0.05, lateRate: 0.05, duplicateRate: 0.02, hugeTrace: { spans: 501 } });
const traces = tracesOf(r.deliveries);
const gt = r.groundTruth;

describe('ground-truth edges', () => {
  it('equal a straightforward recount over the delivered spans', () => {
    expect(recountEdges(traces)).toEqual(gt.edges);
  });

  it('cover at least 20 services plus database, messaging and uninstrumented-peer nodes', () => {
    const services = new Set([...traces.values()].flat().map(serviceName));
    expect(services.size).toBeGreaterThanOrEqual(20);
    for (const s of services) expect(nodesOf(gt).has(s)).toBe(true);
    const types = new Set(edgeList(gt).map((e) => e.connectionType));
    expect(types).toEqual(new Set(['http', 'rpc', 'database', 'messaging']));
    for (const k of [
      'payment|stripe-api|http',
      'checkout|shipping|messaging',
      'checkout|email|messaging',
      'cart|redis:cart|database',
      'checkout|postgresql:orders|database',
      'review|mongodb:reviews|database',
      'batch-indexer|postgresql:catalog|database',
      'frontend|api-gateway|http',
      'api-gateway|auth|rpc',
    ]) {
      expect(gt.edges.get(k), k).toBeGreaterThan(0);
    }
  });

  it('count one messaging edge per consumer span, each a child of the producer and linked to it', () => {
    const consumers = [...traces.values()].flat().filter((s) => s.kind === SpanKind.CONSUMER);
    expect(consumers.length).toBe((gt.edges.get('checkout|shipping|messaging') ?? 0) + (gt.edges.get('checkout|email|messaging') ?? 0));
    for (const c of consumers) {
      const producer = traces.get(c.traceId)?.find((s) => s.spanId === c.parentSpanId);
      expect(producer?.kind).toBe(SpanKind.PRODUCER);
      expect(c.links).toEqual([expect.objectContaining({ traceId: c.traceId, spanId: c.parentSpanId })]);
      expect(str(c, 'messaging.destination.name')).toBe('orders');
    }
  });

  it('model the payment provider as a CLIENT-only peer with peer.service and server.address', () => {
    const stripe = [...traces.values()].flat().filter((s) => str(s, 'peer.service') === 'stripe-api');
    expect(stripe.length).toBe(gt.edges.get('payment|stripe-api|http'));
    for (const s of stripe) {
      expect(s.kind).toBe(SpanKind.CLIENT);
      expect(str(s, 'server.address')).toBe('api.stripe.com');
    }
  });
});

describe('ground-truth helpers', () => {
  it('tracesWithErrors and tracesOverLatency agree with the spans', () => {
    const withErrors = new Set([...traces].filter(([, s]) => s.some((x) => x.status.code === StatusCode.ERROR)).map(([id]) => id));
    expect(tracesWithErrors(gt)).toEqual(withErrors);
    const slow = new Set(
      [...traces].filter(([, s]) => s.some((x) => x.parentSpanId === '' && x.endTimeUnixNano - x.startTimeUnixNano > 1_000_000_000n)).map(([id]) => id),
    );
    expect(tracesOverLatency(gt, 1_000_000_000n)).toEqual(slow);
    expect(slow.size).toBeGreaterThan(0);
  });

  it('summarizeGroundTruth digests counts; edge keys round-trip', () => {
    const s = summarizeGroundTruth(gt);
    expect(s.traces).toBe(801);
    expect(s.spans).toBe([...traces.values()].reduce((a, t) => a + t.length, 0));
    expect(s.errorTraces).toBe(tracesWithErrors(gt).size);
    expect(s.edges.reduce((a, e) => a + e.calls, 0)).toBe([...gt.edges.values()].reduce((a, b) => a + b, 0));
    expect(s.lateDeliveries).toBe(r.deliveries.filter((d) => d.late).length);
    expect(s.duplicateDeliveries).toBe(r.deliveries.filter((d) => d.duplicate).length);
    expect(parseEdgeKey(edgeKey('a', 'postgresql:b', 'database'), 3)).toEqual({ parent: 'a', child: 'postgresql:b', connectionType: 'database', calls: 3 });
  });
});
