import { describe, expect, it } from 'vitest';
import type { SampledTrace } from '../../../src/model/sampled-trace.ts';
import { mergeRecords } from '../../../src/query/blob-reads.ts';
import { makeSpan } from '../../fixtures/clickhouse.ts';

const T = 1_800_000_000_000_000_000n;
const span = (id: string, start: bigint) => makeSpan({ traceId: 'a'.repeat(32), spanId: id, startTimeUnixNano: start, endTimeUnixNano: start + 10n });
const record = (late: boolean, ...spans: ReturnType<typeof span>[]): SampledTrace => ({ traceId: 'a'.repeat(32), spans, decision: { policy: 'p', sampleRate: 2, reason: '', late, decidedAtMs: 0 } });

describe('mergeRecords: one trace out of its stored records', () => {
  it('orders spans by start then span id, keeps each record\'s decision, and shows a re-sent span once', () => {
    const merged = mergeRecords([record(false, span('02', T + 5n), span('01', T + 5n)), record(true, span('03', T), span('02', T + 5n))]);
    expect(merged.map((s) => [s.span.spanId, s.late])).toEqual([['03', true], ['01', false], ['02', false]]);
    expect(merged[0]).toMatchObject({ policy: 'p', sampleRate: 2 });
  });

  it('keeps two spans that share an id but differ (a client reusing an id)', () => {
    expect(mergeRecords([record(false, span('01', T)), record(true, span('01', T + 1n))])).toHaveLength(2);
  });
});
