import type { Type } from 'avsc';
import type { SamplingDecision } from '../model/sampled-trace.ts';
import type { AvroRegistry } from './registry.ts';
import { SerdeError } from './errors.ts';

/**
 * Writes `sampled-spans` values (Confluent-framed Avro `SampledTrace`) from spans already
 * Avro-encoded in the buffer: the trace id, the span bytes as one array block, then the
 * decision. Equal to what the object serde writes, without decoding or re-encoding a span.
 */
export interface SampledTraceWriter {
  write(traceId: string, spans: readonly Buffer[], decision: SamplingDecision): Buffer;
}

export async function sampledTraceWriter(registry: AvroRegistry, spanType: Type): Promise<SampledTraceWriter> {
  const { id, type } = await registry.writerFor('SampledTrace');
  const fields = (type as unknown as { fields: { name: string; type: Type }[] }).fields;
  const [traceIdField, spansField, decisionField] = fields;
  if (fields.length !== 3 || traceIdField?.name !== 'traceId' || spansField?.name !== 'spans' || decisionField?.name !== 'decision') {
    throw new SerdeError('SCHEMA_INVALID', 'schemas/SampledTrace.avsc: fields traceId, spans, decision expected in that order');
  }
  const items = (spansField.type as unknown as { itemsType: Type }).itemsType;
  // The buffer holds spans in the local Span schema; the writer's items must be the same.
  const same = items.equals(spanType);
  const stringType = traceIdField.type;
  const decisionType = decisionField.type;
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  return {
    write(traceId, spans, d) {
      const body = same ? spans : spans.map((b) => items.toBuffer(spanType.fromBuffer(b)));
      const parts: Buffer[] = [header, stringType.toBuffer(traceId)];
      if (body.length > 0) parts.push(zigzagVarint(body.length), ...body);
      parts.push(ZERO, decisionType.toBuffer({ ...d, decidedAtMs: BigInt(d.decidedAtMs) }));
      return Buffer.concat(parts);
    },
  };
}

const ZERO = Buffer.from([0]);

/** Avro's long encoding of a non-negative count (an array block's length). */
function zigzagVarint(n: number): Buffer {
  const out: number[] = [];
  let z = n * 2;
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
  return Buffer.from(out);
}
