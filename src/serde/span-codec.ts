import type { Type } from 'avsc';
import type { Span } from '../model/span.ts';
import { spanFromAvro, spanToAvro } from './avro-span.ts';
import { encodingOf } from './span-encodings.ts';
import type { AvroRegistry } from './registry.ts';

/** Spans in the buffer store as bare Avro (no wire header): compact, and the byte size is exact. */
export interface SpanCodec {
  encode(span: Span): Buffer;
  decode(bytes: Buffer): Span;
}

export function spanCodec(registry: AvroRegistry): SpanCodec {
  const type: Type = registry.readerType('Span');
  return {
    // A span read from a SpanBatch in this schema is stored as the bytes it came as.
    encode: (span) => encodingOf(span) ?? type.toBuffer(spanToAvro(span)),
    decode: (bytes) => spanFromAvro(type.fromBuffer(bytes)),
  };
}
