import { describe, expect, it } from 'vitest';
import { emptyBuckets } from '../../../src/edges/histogram.ts';
import { QueryError } from '../../../src/query/errors.ts';
import { metricFamily, protoTimestamp } from '../../../src/query/metrics-json.ts';
import { parseMetricsQuery, parseQuantile, type MetricsQuery } from '../../../src/query/metrics-params.ts';
import { bucketQuantile, evaluationTimes, seriesValues, slotMs, type MetricSlot } from '../../../src/query/metrics-series.ts';

const MIN = 60_000;
const query = (o: Partial<MetricsQuery> = {}): MetricsQuery => ({
  services: ['a'], spanKinds: ['server'], groupByOperation: false, endMs: 10 * MIN + 17_000, lookbackMs: 5 * MIN, stepMs: MIN, ratePerMs: 2 * MIN, ...o,
});
/** `n` calls of which `e` errors, every call in bucket `b`. */
const slot = (minute: number, n: number, e = 0, b = 4): MetricSlot => {
  const buckets = emptyBuckets();
  buckets[b] = n;
  return { slotMs: minute * MIN, calls: n, errors: e, buckets };
};

function thrown(f: () => unknown): QueryError {
  try {
    f();
  } catch (e) {
    if (e instanceof QueryError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('metrics evaluation', () => {
  it('evaluates at every multiple of step within [endTs - lookback, endTs]', () => {
    expect(evaluationTimes(query())).toEqual([6, 7, 8, 9, 10].map((m) => m * MIN));
    expect(slotMs(query({ stepMs: 6 * MIN, ratePerMs: 4 * MIN }))).toBe(2 * MIN);
  });

  it('rates are calls per second over the whole minutes [t - ratePer, t); empty windows have no error rate', () => {
    const slots = [slot(4, 60, 6), slot(5, 120, 0), slot(8, 30, 30)];
    const times = evaluationTimes(query());
    expect(seriesValues(slots, times, 2 * MIN, { metric: 'calls' })).toEqual([180 / 120, 120 / 120, 0, 30 / 120, 30 / 120]);
    expect(seriesValues(slots, times, 2 * MIN, { metric: 'errors' })).toEqual([6 / 180, 0, Number.NaN, 1, 1]);
  });

  it('quantiles interpolate inside the bucket holding the rank, as histogram_quantile does', () => {
    const b = emptyBuckets();
    b[4] = 90; // (1, 2] ms
    b[15] = 10; // (100, 150] ms
    expect(bucketQuantile(b, 0.5)).toBeCloseTo(1 + 50 / 90, 12);
    expect(bucketQuantile(b, 0.95)).toBe(125);
    expect(bucketQuantile(b, 1)).toBe(150);
    expect(bucketQuantile(b, 0)).toBe(1);
    const overflow = emptyBuckets();
    overflow[30] = 3;
    expect(bucketQuantile(overflow, 0.5)).toBe(60_000);
    expect(bucketQuantile(emptyBuckets(), 0.5)).toBeNaN();
  });

  it('writes a MetricFamily as Jaeger does: names, help, labels, RFC 3339 times, "NaN"', () => {
    const q = query({ groupByOperation: true });
    const fam = metricFamily(q, { metric: 'latencies', quantile: 0.95 }, [{ service: 'a', operation: 'GET /', slots: [slot(8, 4, 0, 0)] }]);
    expect(fam).toMatchObject({ name: 'service_operation_latencies', type: 'GAUGE', help: '0.95th quantile latency, grouped by service & operation' });
    expect(fam.metrics[0]?.labels).toEqual([{ name: 'service_name', value: 'a' }, { name: 'operation', value: 'GET /' }]);
    expect(fam.metrics[0]?.metricPoints.map((p) => p.gaugeValue.doubleValue)).toEqual(['NaN', 'NaN', 'NaN', 0.095, 0.095]);
    expect(fam.metrics[0]?.metricPoints[0]?.timestamp).toBe('1970-01-01T00:06:00Z');
    expect(protoTimestamp(1_500)).toBe('1970-01-01T00:00:01.500Z');
  });
});

describe('metrics parameters', () => {
  const p = (s: string) => new URLSearchParams(s);

  it('parses Jaeger UI\'s request, repeated services and span kinds, and Jaeger\'s defaults', () => {
    expect(parseMetricsQuery(p('service=a&endTs=1700000000000&lookback=3600000&quantile=0.95&ratePer=600000&spanKind=server&step=60000&groupByOperation=true'), 0))
      .toEqual({ services: ['a'], spanKinds: ['server'], groupByOperation: true, endMs: 1_700_000_000_000, lookbackMs: 3_600_000, stepMs: MIN, ratePerMs: 600_000 });
    expect(parseMetricsQuery(p('service=a&service=b&spanKind=CLIENT&spanKind=consumer'), 5)).toEqual({
      services: ['a', 'b'], spanKinds: ['client', 'consumer'], groupByOperation: false, endMs: 5, lookbackMs: 3_600_000, stepMs: MIN, ratePerMs: 600_000,
    });
    expect(parseQuantile(p('quantile=0.75'))).toBe(0.75);
  });

  it.each([
    ['service', '', 'please provide at least one service name'],
    ['spanKind', 'service=a&spanKind=sideways', "unsupported span kind: 'sideways'"],
    ['groupByOperation', 'service=a&groupByOperation=yes', 'strconv.ParseBool'],
    ['endTs', 'service=a&endTs=now', 'strconv.ParseInt'],
    ['lookback', 'service=a&lookback=0', 'out of range'],
    ['step', 'service=a&step=5000', 'not a whole number of minutes'],
    ['ratePer', 'service=a&ratePer=90000', 'not a whole number of minutes'],
    ['step', 'service=a&lookback=86400000000&step=60000', 'more than 11000'],
  ])('a bad %s is a 400 naming it the way Jaeger does', (param, qs, detail) => {
    const e = thrown(() => parseMetricsQuery(p(qs), 0));
    expect(e.status).toBe(400);
    expect(e.message).toContain(`unable to parse param '${param}': `);
    expect(e.message).toContain(detail);
  });

  it.each(['', 'x', '1.5', '-0.1'])('quantile %j is a 400', (q) => {
    expect(thrown(() => parseQuantile(p(`quantile=${q}`))).message).toContain("unable to parse param 'quantile'");
  });
});
