import { describe, expect, it } from 'vitest';
import { BUCKET_COUNT, emptyBuckets } from '../../../src/edges/histogram.ts';
import type { DependencyEdge, SpanMetrics } from '../../../src/edges/types.ts';
import { StatusCode } from '../../../src/model/span.ts';
import { edgeToRow, metricsToRow, rowToSpan, spanToRow, traceRows } from '../../../src/clickhouse/rows.ts';
import { dateTime64ToNs, nsToDateTime64, secondsToDateTime } from '../../../src/clickhouse/time.ts';
import { makeSpan, normalizeSpan, richSpan } from '../../fixtures/clickhouse.ts';

const decision = { policy: 'latency', sampleRate: 1, late: false };

describe('DateTime64(9) text', () => {
  it.each([
    [0n, '1970-01-01 00:00:00.000000000'],
    [1n, '1970-01-01 00:00:00.000000001'],
    [1_704_067_200_123_456_789n, '2024-01-01 00:00:00.123456789'],
    [1_709_164_799_999_999_999n, '2024-02-28 23:59:59.999999999'],
    [9_223_372_036_854_775_807n, '2262-04-11 23:47:16.854775807'],
  ])('%s ns <-> %s keeps all nine digits', (ns, text) => {
    expect(nsToDateTime64(ns)).toBe(text);
    expect(dateTime64ToNs(text)).toBe(ns);
  });

  it('reads shorter fractions as ClickHouse prints them', () => {
    expect(dateTime64ToNs('2024-01-01 00:00:00.5')).toBe(1_704_067_200_500_000_000n);
    expect(dateTime64ToNs('2024-01-01 00:00:00')).toBe(1_704_067_200_000_000_000n);
  });

  it('formats seconds as Date does, over leap days, centuries and the years 1970-9999', () => {
    const days = [0, 59, 60, 365, 789, 10_956, 11_016, 11_017, 47_541, 47_542, 2_932_896];
    let x = 12_345;
    const random = Array.from({ length: 2_000 }, () => (x = (x * 1_103_515_245 + 12_345) % 2_147_483_648) % 253_402_300_800);
    for (const s of [...days.flatMap((d) => [d * 86_400, d * 86_400 + 86_399, d * 86_400 - 1]).filter((v) => v >= 0), ...random]) {
      expect(secondsToDateTime(s)).toBe(new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' '));
    }
  });

  it('rejects times before 1970 and garbage', () => {
    expect(() => nsToDateTime64(-1n)).toThrow(RangeError);
    expect(() => dateTime64ToNs('2024-01-01T00:00:00Z')).toThrow(RangeError);
  });
});

describe('spanToRow', () => {
  it('splits attributes by type, int64 as exact decimal strings, the rest as OTLP JSON', () => {
    const row = spanToRow(richSpan(1_700_000_000_000_000_000n), decision);
    expect(row.attributes_int).toEqual({ 'int.max': '9223372036854775807', 'int.min': '-9223372036854775808' });
    expect(row.attributes_bool).toEqual({ 'bool.t': true, 'bool.f': false });
    expect(row.attributes_double).toEqual({ double: 0.1 + 0.2, 'double.tiny': 5e-324 });
    expect(Object.keys(row.attributes_json).sort()).toEqual(['array', 'bytes', 'double.inf', 'double.nan', 'double.negzero', 'empty', 'kvlist']);
    expect(JSON.parse(row.attributes_json['bytes'] as string)).toEqual({ bytesValue: 'AP8KDSI=' });
    expect(row.service_name).toBe('orders');
    expect(row.kind).toBe('CLIENT');
    expect(row.status_code).toBe('ERROR');
    expect(row.duration_ns).toBe('4876543212');
    expect(row['events.name']).toEqual(['exception', 'retry']);
    expect(row.has_error).toBe(true);
    expect(row.trace_error).toBe(true);
  });

  it('round-trips through rowToSpan (attributes compared as sets) even via JSON text', () => {
    const span = richSpan(1_700_000_000_000_000_000n);
    const viaJson = JSON.parse(JSON.stringify(spanToRow(span, decision))) as ReturnType<typeof spanToRow>;
    expect(normalizeSpan(rowToSpan(viaJson))).toEqual(normalizeSpan(span));
  });

  it('clamps a negative duration to 0 but keeps both times', () => {
    const span = makeSpan({ startTimeUnixNano: 10n, endTimeUnixNano: 5n });
    const row = spanToRow(span, decision);
    expect(row.duration_ns).toBe('0');
    expect(rowToSpan(row).endTimeUnixNano).toBe(5n);
  });
});

describe('traceRows', () => {
  it('marks every span of a trace with an error span as trace_error (longer retention)', () => {
    const spans = [makeSpan(), makeSpan({ spanId: 'aa'.repeat(8), status: { code: StatusCode.ERROR, message: 'x' } })];
    expect(traceRows(spans, decision).map((r) => [r.has_error, r.trace_error])).toEqual([[false, true], [true, true]]);
    expect(traceRows([makeSpan()], { ...decision, late: true, traceError: true }).map((r) => [r.late, r.trace_error])).toEqual([[true, true]]);
    expect(traceRows([makeSpan()], decision)[0]?.trace_error).toBe(false);
  });
});

describe('edge and metrics rows', () => {
  const buckets = emptyBuckets();
  buckets[0] = 2;
  buckets[BUCKET_COUNT - 1] = 1;
  const edge: DependencyEdge = { windowStartMs: Date.UTC(2024, 0, 1, 10, 7), parent: 'a', child: 'b', connectionType: 'rpc', virtualChild: false, calls: 3, errors: 1, durationSumNanos: 90_000_000_000_000_000n, durationBuckets: buckets };

  it('edgeToRow: minute window as DateTime text, sparse buckets, exact duration sum', () => {
    expect(edgeToRow(edge)).toEqual({
      window_start: '2024-01-01 10:07:00', parent: 'a', child: 'b', connection_type: 'rpc', virtual_child: false,
      calls: 3, errors: 1, duration_sum_ns: '90000000000000000', duration_buckets: { '0': 2, [String(BUCKET_COUNT - 1)]: 1 },
    });
  });

  it('metricsToRow: enum names, and rejects kinds OTLP does not define', () => {
    const m: SpanMetrics = { windowStartMs: edge.windowStartMs, service: 's', operation: 'op', kind: 2, statusCode: 2, calls: 3, errors: 1, durationSumNanos: 5n, durationBuckets: buckets };
    expect(metricsToRow(m)).toMatchObject({ kind: 'SERVER', status_code: 'ERROR', duration_sum_ns: '5', window_start: '2024-01-01 10:07:00' });
    expect(() => metricsToRow({ ...m, kind: 9 })).toThrow(RangeError);
  });
});
