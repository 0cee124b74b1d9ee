import { describe, expect, it } from 'vitest';
import type { SampledTrace } from '../../../src/model/sampled-trace.ts';
import type { Span } from '../../../src/model/span.ts';
import { sampledTraceSerde } from '../../../src/serde/avro-serde.ts';
import { SerdeError } from '../../../src/serde/errors.ts';
import { InProcessRegistry } from '../../../src/serde/registry.ts';
import { decodeTraceRecord, encodeTraceRecord, isTraceRecord } from '../../../src/serde/trace-record.ts';
import { generateWorkload } from '../../../src/workload/generator.ts';
import { hexId, makeSpan, richSpan } from '../../fixtures/clickhouse.ts';

const decision = { policy: 'errors', sampleRate: 0.25, reason: 'policy', late: false, decidedAtMs: 1_764_000_000_123 };
const trace = (spans: readonly Span[], traceId = spans[0]?.traceId ?? hexId(1, 32)): SampledTrace => ({ traceId, spans, decision });

/** Kept-trace records of the seeded workload: each trace's spans as one record, as the sink receives them. */
function workloadTraces(count: number): SampledTrace[] {
  const wl = generateWorkload({ seed: 16, traces: count, startMs: 1_764_000_000_000 });
  const byTrace = new Map<string, Span[]>();
  for (const d of wl.deliveries) if (!d.duplicate) byTrace.set(d.span.traceId, [...(byTrace.get(d.span.traceId) ?? []), d.span]);
  return [...byTrace].map(([id, spans]) => trace(spans, id));
}

describe('trace_blobs record format', () => {
  it('round-trips every trace of the seeded workload, as the sampled-spans value decodes', async () => {
    const serde = await sampledTraceSerde(InProcessRegistry.fromDir());
    const traces = workloadTraces(300);
    let avroBytes = 0;
    let recordBytes = 0;
    for (const t of traces) {
      const record = encodeTraceRecord(t);
      expect(isTraceRecord(record)).toBe(true);
      expect(decodeTraceRecord(record)).toEqual(t);
      const value = serde.serialize(t);
      expect(isTraceRecord(value)).toBe(false);
      expect(decodeTraceRecord(record)).toEqual(serde.deserialize(value));
      avroBytes += value.length;
      recordBytes += record.length;
    }
    // What the spans share is written once: well under the value's size before compression.
    expect(recordBytes).toBeLessThan(avroBytes * 0.6);
  });

  it('round-trips awkward spans: every AnyValue, odd ids, parents in and out of the record, another trace id, edge times', () => {
    const rich = richSpan(1_700_000_000_000_000_000n);
    const child = { ...makeSpan({ spanId: hexId(2, 16), parentSpanId: rich.spanId, traceId: rich.traceId, service: 'db' }), name: 'é'.repeat(50) };
    const before = { ...makeSpan({ spanId: hexId(3, 16), parentSpanId: hexId(2, 16), traceId: rich.traceId }), startTimeUnixNano: 0n, endTimeUnixNano: 2n ** 63n - 1n };
    const odd = { ...makeSpan({ spanId: 'NOT-HEX', parentSpanId: 'ABCDEF0123456789', traceId: rich.traceId }), flags: 0xffffffff, droppedAttributesCount: 0xffffffff };
    const orphan = makeSpan({ spanId: hexId(4, 16), parentSpanId: hexId(99, 16), traceId: rich.traceId, service: 'late' });
    const foreign = makeSpan({ spanId: hexId(5, 16), traceId: hexId(7, 32) });
    const backwards = { ...makeSpan({ spanId: hexId(6, 16), traceId: rich.traceId }), endTimeUnixNano: 1_699_000_000_000_000_000n };
    const spans = [before, rich, child, odd, orphan, foreign, backwards];
    const t = trace(spans, rich.traceId);
    const back = decodeTraceRecord(encodeTraceRecord(t));
    expect(back).toEqual(t);
    expect(back.spans.map((s) => s.parentSpanId)).toEqual(spans.map((s) => s.parentSpanId));
    expect(Object.is((back.spans[1]?.attributes.find((a) => a.key === 'double.negzero')?.value as { value: number }).value, -0)).toBe(true);
  });

  it('keeps a trace without spans and a late record, whatever number its decision time is', () => {
    const late = { ...trace([]), decision: { ...decision, late: true, decidedAtMs: 1.5 } };
    expect(decodeTraceRecord(encodeTraceRecord(late))).toEqual(late);
  });

  it('writes each distinct resource once', () => {
    const spans = Array.from({ length: 20 }, (_, i) => makeSpan({ spanId: hexId(i + 1, 16), service: i % 2 === 0 ? 'a' : 'b' }));
    const one = encodeTraceRecord(trace(spans.slice(0, 1)));
    const twenty = encodeTraceRecord(trace(spans));
    expect(twenty.toString('latin1').split('service.name').length - 1).toBe(2);
    expect(twenty.length).toBeLessThan(one.length * 20);
  });

  it('tells resources apart by every value as written (-0 from 0, bytes by content) and keeps each span its own', () => {
    const res = (x: number, bytes: number[]) => ({ attributes: [{ key: 'x', value: { type: 'double' as const, value: x } }, { key: 'b', value: { type: 'bytes' as const, value: new Uint8Array(bytes) } }], droppedAttributesCount: 0, schemaUrl: '' });
    const spans = [res(0, [1]), res(-0, [1]), res(0, [1]), res(0, [2]), res(Number.NaN, [1]), res(Number.NaN, [1])].map((resource, i) => ({ ...makeSpan({ spanId: hexId(i + 1, 16) }), resource }));
    const record = encodeTraceRecord(trace(spans));
    const back = decodeTraceRecord(record);
    expect(back).toEqual(trace(spans));
    expect(back.spans.map((s) => Object.is((s.resource.attributes[0]?.value as { value: number }).value, -0))).toEqual([false, true, false, false, false, false]);
    expect(new Set(back.spans.map((s) => s.resource)).size).toBe(4);
  });

  it('refuses bytes it cannot read with a RECORD_FORMAT error', () => {
    const record = encodeTraceRecord(trace([richSpan(1_700_000_000_000_000_000n)]));
    const bad = (b: Buffer) => {
      try {
        decodeTraceRecord(b);
      } catch (err) {
        return err instanceof SerdeError ? err.code : String(err);
      }
      return 'decoded';
    };
    expect(bad(record.subarray(0, record.length - 3))).toBe('RECORD_FORMAT');
    expect(bad(Buffer.concat([record, Buffer.from([0])]))).toBe('RECORD_FORMAT');
    expect(bad(Buffer.from([0x54, 2, 0]))).toBe('RECORD_FORMAT');
    expect(bad(Buffer.from([0, 0, 0, 0, 1]))).toBe('RECORD_FORMAT');
  });
});
