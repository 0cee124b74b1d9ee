/**
 * Jaeger Thrift → model spans: the collector's HTTP body (a binary-protocol Batch) and the
 * agent's datagrams (an `emitBatch` call, compact on 6831, binary on 6832). A message that
 * cannot be read is refused whole with the field it broke at; a span that reads but cannot
 * be converted or fails the model invariants is rejected alone (SpanCollector).
 */
import { defaultSpanLimits, type SpanLimits } from '../../model/validate.ts';
import { FieldError } from '../../model/field-error.ts';
import type { Span } from '../../model/span.ts';
import { SpanCollector } from '../span-collector.ts';
import type { Rejection } from '../types.ts';
import type { Redactor } from '../../redaction/redactor.ts';
import { BinaryInput } from '../thrift/binary.ts';
import { CompactInput } from '../thrift/compact.ts';
import { ThriftError, type ThriftInput } from '../thrift/input.ts';
import { readBatch, readEmitBatch, type JBatch, type JSpan } from './thrift-structs.ts';
import { jaegerSpanToModel, processResource, spanIdHex, traceIdHex } from './to-span.ts';

export type JaegerProtocol = 'binary' | 'compact';

export type JaegerDecodeResult =
  | { readonly ok: true; readonly spans: Span[]; readonly rejected: Rejection[] }
  | { readonly ok: false; readonly error: string };

const input = (bytes: Buffer, protocol: JaegerProtocol): ThriftInput => (protocol === 'compact' ? new CompactInput(bytes) : new BinaryInput(bytes));

/** A collector body: one Batch struct in the binary protocol. */
export function decodeJaegerBatch(bytes: Buffer, limits: SpanLimits = defaultSpanLimits, redactor?: Redactor): JaegerDecodeResult {
  return decode(bytes, 'binary', readBatch, 'jaeger.thrift Batch', limits, redactor);
}

/** An agent datagram: `Agent.emitBatch` in the given protocol. */
export function decodeAgentDatagram(bytes: Buffer, protocol: JaegerProtocol, limits: SpanLimits = defaultSpanLimits, redactor?: Redactor): JaegerDecodeResult {
  return decode(bytes, protocol, readEmitBatch, `agent emitBatch (${protocol} protocol)`, limits, redactor);
}

function decode(bytes: Buffer, protocol: JaegerProtocol, read: (r: ThriftInput) => JBatch, what: string, limits: SpanLimits, redactor: Redactor | undefined): JaegerDecodeResult {
  if (bytes.length === 0) return { ok: false, error: `${what}: empty body` };
  const r = input(bytes, protocol);
  let batch: JBatch;
  try {
    batch = read(r);
  } catch (e) {
    if (e instanceof ThriftError) return { ok: false, error: `${what}: ${e.message}` };
    throw e;
  }
  if (!r.atEnd) return { ok: false, error: `${what}: ${r.remaining} byte(s) after the end of the message` };
  if (batch.process === undefined) return { ok: false, error: `${what}: Batch.process: required field missing` };
  let resource: Span['resource'];
  try {
    resource = processResource(batch.process);
  } catch (e) {
    if (e instanceof FieldError) return { ok: false, error: `${what}: Batch.${e.message}` };
    throw e;
  }
  const c = new SpanCollector(limits, redactor);
  for (const s of batch.spans ?? []) {
    try {
      c.accept(jaegerSpanToModel(s, resource));
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      c.rejectField(e, ...ids(s));
    }
  }
  return { ok: true, spans: c.spans, rejected: c.rejected };
}

function ids(s: JSpan): [string | undefined, string | undefined] {
  const traceId = s.traceIdHigh !== undefined && s.traceIdLow !== undefined ? traceIdHex(s.traceIdHigh, s.traceIdLow) : undefined;
  return [traceId, s.spanId !== undefined ? spanIdHex(s.spanId) : undefined];
}
