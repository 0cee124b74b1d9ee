import { describe, expect, it } from 'vitest';
import { deriveSpanMetrics } from '../../../src/edges/derive-span-metrics.ts';
import { SpanKind, StatusCode } from '../../../src/model/span.ts';
import { span, spans, T0_MS } from './span-factory.ts';

describe('deriveSpanMetrics', () => {
  it('yields one observation per span of every kind, with its RED inputs', () => {
    const out = deriveSpanMetrics(
      spans(
        { id: 1, service: 'A', kind: 'server', name: 'GET /orders', at: 0, durationMs: 42 },
        { id: 2, parent: 1, service: 'A', kind: 'internal', name: 'validate', at: 1, durationMs: 0.5 },
        { id: 3, parent: 1, service: 'A', kind: 'client', name: 'SELECT', at: 60_001, durationMs: 3, error: true },
      ),
    );
    expect(out).toEqual([
      { service: 'A', operation: 'GET /orders', kind: SpanKind.SERVER, statusCode: StatusCode.UNSET, timestampMs: T0_MS, durationNanos: 42_000_000n, error: false },
      { service: 'A', operation: 'validate', kind: SpanKind.INTERNAL, statusCode: StatusCode.UNSET, timestampMs: T0_MS + 1, durationNanos: 500_000n, error: false },
      { service: 'A', operation: 'SELECT', kind: SpanKind.CLIENT, statusCode: StatusCode.ERROR, timestampMs: T0_MS + 60_001, durationNanos: 3_000_000n, error: true },
    ]);
  });

  it('keeps OK distinct from UNSET, counts neither as an error', () => {
    const ok = { ...span({ id: 1, service: 'A', kind: 'server' }), status: { code: StatusCode.OK, message: '' } };
    expect(deriveSpanMetrics([ok]).map((o) => [o.statusCode, o.error])).toEqual([[StatusCode.OK, false]]);
  });

  it('falls back to unknown_service and floors sub-ms start times', () => {
    const base = span({ id: 1, service: 'A', kind: 'internal' });
    const anonymous = { ...base, resource: { ...base.resource, attributes: [] }, startTimeUnixNano: base.startTimeUnixNano + 999_999n };
    const [o] = deriveSpanMetrics([anonymous]);
    expect(o?.service).toBe('unknown_service');
    expect(o?.timestampMs).toBe(T0_MS);
  });

  it('is empty for an empty trace', () => {
    expect(deriveSpanMetrics([])).toEqual([]);
  });
});
