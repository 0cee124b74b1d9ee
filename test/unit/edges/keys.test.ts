import { describe, expect, it } from 'vitest';
import {
  edgeKey,
  edgeKeysBefore,
  edgeWindowPrefix,
  metricKey,
  metricKeysBefore,
  metricWindowPrefix,
  parseEdgeKey,
  parseMetricKey,
} from '../../../src/edges/keys.ts';
import type { EdgeIdentity, KeyRange, MetricIdentity } from '../../../src/edges/keys.ts';
import { T0_MS } from './span-factory.ts';

/** RocksDB's default comparator: bytewise over the UTF-8 key (what stringSerde writes). */
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
const inRange = (k: string, r: KeyRange): boolean => byteOrder(k, r.from) >= 0 && byteOrder(k, r.to) < 0;

// Names chosen to sort both below the digits ('!', ' ') and far above them ('~', 'é', emoji).
const NAMES = ['A', '!first', ' space', '~last', 'é', '🚀', 'a|b', '100%', ''];
const WINDOWS = [0, 60_000, T0_MS - 60_000, T0_MS, T0_MS + 60_000, 9_999_999_940_000];

const edges: EdgeIdentity[] = WINDOWS.flatMap((windowStartMs, i) =>
  NAMES.map((parent, j) => ({ windowStartMs, parent, child: NAMES[(i + j) % NAMES.length] ?? '', connectionType: 'http' as const })),
);
const metrics: MetricIdentity[] = WINDOWS.flatMap((windowStartMs) =>
  NAMES.map((service, j) => ({ windowStartMs, service, operation: `op|${j}`, kind: j % 6, statusCode: j % 3 })),
);

describe('edge and metric keys', () => {
  it('have the documented layout', () => {
    expect(edgeKey({ windowStartMs: 60_000, parent: 'A', child: 'B', connectionType: 'http' })).toBe('edge|0000000060000|A|B|http');
    expect(metricKey({ windowStartMs: 60_000, service: 'A', operation: 'GET /', kind: 2, statusCode: 0 })).toBe('metric|0000000060000|A|GET /|2|0');
  });

  it('round-trip through parse, escaped separators included', () => {
    for (const e of edges) expect(parseEdgeKey(edgeKey(e))).toEqual(e);
    for (const m of metrics) expect(parseMetricKey(metricKey(m))).toEqual(m);
  });

  it('cannot be forged by a separator in a name', () => {
    const w = T0_MS;
    expect(edgeKey({ windowStartMs: w, parent: 'a|b', child: 'c', connectionType: 'rpc' })).not.toBe(
      edgeKey({ windowStartMs: w, parent: 'a', child: 'b|c', connectionType: 'rpc' }),
    );
    expect(edgeKey({ windowStartMs: w, parent: '%7C', child: 'c', connectionType: 'rpc' })).not.toBe(
      edgeKey({ windowStartMs: w, parent: '|', child: 'c', connectionType: 'rpc' }),
    );
  });

  it('sort by window first in store byte order', () => {
    const scanned = edges.map(edgeKey).sort(byteOrder).map((k) => parseEdgeKey(k)?.windowStartMs);
    expect(scanned).toEqual([...scanned].sort((a, b) => (a ?? 0) - (b ?? 0)));
    const scannedMetrics = metrics.map(metricKey).sort(byteOrder).map((k) => parseMetricKey(k)?.windowStartMs);
    expect(scannedMetrics).toEqual([...scannedMetrics].sort((a, b) => (a ?? 0) - (b ?? 0)));
  });

  it.each(WINDOWS)('range before window %i holds exactly the earlier windows, and no other kind', (w) => {
    const all = [...edges.map(edgeKey), ...metrics.map(metricKey)];
    const closedEdges = all.filter((k) => inRange(k, edgeKeysBefore(w)));
    expect(closedEdges.sort()).toEqual(edges.filter((e) => e.windowStartMs < w).map(edgeKey).sort());
    const closedMetrics = all.filter((k) => inRange(k, metricKeysBefore(w)));
    expect(closedMetrics.sort()).toEqual(metrics.filter((m) => m.windowStartMs < w).map(metricKey).sort());
  });

  it.each(WINDOWS)('window prefix %i selects exactly that window', (w) => {
    const all = [...edges.map(edgeKey), ...metrics.map(metricKey)];
    expect(all.filter((k) => k.startsWith(edgeWindowPrefix(w))).sort()).toEqual(
      edges.filter((e) => e.windowStartMs === w).map(edgeKey).sort(),
    );
    expect(all.filter((k) => k.startsWith(metricWindowPrefix(w))).sort()).toEqual(
      metrics.filter((m) => m.windowStartMs === w).map(metricKey).sort(),
    );
  });

  it.each([-60_000, 1.5, 10 ** 13, Number.NaN])('reject window start %d', (w) => {
    expect(() => edgeWindowPrefix(w)).toThrow(RangeError);
    expect(() => metricKeysBefore(w)).toThrow(RangeError);
  });

  it.each([
    'edge|0000000060000|A|B',
    'edge|0000000060000|A|B|carrier-pigeon',
    'edge|60000|A|B|http',
    'metric|0000000060000|A|B|http',
    'edges|0000000060000|A|B|http',
  ])('parseEdgeKey rejects %s', (k) => {
    expect(parseEdgeKey(k)).toBeUndefined();
  });

  it.each(['metric|0000000060000|A|op|2', 'metric|0000000060000|A|op|x|0', 'edge|0000000060000|A|op|2|0'])(
    'parseMetricKey rejects %s',
    (k) => {
      expect(parseMetricKey(k)).toBeUndefined();
    },
  );
});
