/**
 * Model spans as a binary-protocol jaeger.thrift Batch, written by thriftrw (the encoder
 * jaeger-client uses), for the decode bench. Attributes become typed tags, events logs.
 */
import { createRequire } from 'node:module';
import type { AnyValue, Span } from '../src/model/span.ts';

const require = createRequire(import.meta.url);

interface ThriftRw {
  Batch: { rw: { toBuffer(v: unknown): { err: unknown; value: Buffer } } };
}

const id64 = (hex: string): Buffer => Buffer.from(hex, 'hex');
const i64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt.asIntN(64, n));
  return b;
};

function tag(key: string, v: AnyValue): Record<string, unknown> {
  switch (v.type) {
    case 'bool': return { key, vType: 'BOOL', vBool: v.value };
    case 'int': return { key, vType: 'LONG', vLong: i64(v.value) };
    case 'double': return { key, vType: 'DOUBLE', vDouble: v.value };
    case 'bytes': return { key, vType: 'BINARY', vBinary: Buffer.from(v.value) };
    case 'string': return { key, vType: 'STRING', vStr: v.value };
    default: return { key, vType: 'STRING', vStr: JSON.stringify(v) };
  }
}

export function jaegerThriftBatch(spans: readonly Span[]): Buffer {
  const { Thrift } = require('thriftrw') as { Thrift: new (o: { source: string; allowOptionalArguments: boolean }) => ThriftRw };
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  const source = readFileSync(require.resolve('jaeger-client/dist/src/jaeger-idl/thrift/jaeger.thrift'), 'ascii');
  const thrift = new Thrift({ source, allowOptionalArguments: true });
  const batch = {
    process: { serviceName: 'svc', tags: [] },
    spans: spans.map((s) => ({
      traceIdHigh: id64(s.traceId.slice(0, 16)),
      traceIdLow: id64(s.traceId.slice(16)),
      spanId: id64(s.spanId),
      parentSpanId: s.parentSpanId ? id64(s.parentSpanId) : i64(0n),
      operationName: s.name,
      flags: 1,
      startTime: i64(s.startTimeUnixNano / 1000n),
      duration: i64((s.endTimeUnixNano - s.startTimeUnixNano) / 1000n),
      tags: [...s.attributes.map((a) => tag(a.key, a.value)), { key: 'span.kind', vType: 'STRING', vStr: 'server' }],
      logs: s.events.map((e) => ({ timestamp: i64(e.timeUnixNano / 1000n), fields: [{ key: 'event', vType: 'STRING', vStr: e.name }, ...e.attributes.map((a) => tag(a.key, a.value))] })),
    })),
  };
  const out = thrift.Batch.rw.toBuffer(batch);
  if (out.err) throw new Error(`thriftrw: ${String(out.err)}`);
  return out.value;
}
