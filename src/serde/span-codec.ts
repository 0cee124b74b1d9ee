import type { Type } from 'avsc';
import type { Span } from '../model/span.ts';
import { spanFromAvro, spanToAvro } from './avro-span.ts';
import { schemaFingerprint } from './avro-types.ts';
import { encodingOf } from './span-encodings.ts';
import { readSpanSkeleton, type SkeletonKeys } from './span-skeleton.ts';
import type { AvroRegistry } from './registry.ts';

/** Spans in the buffer store as bare Avro (no wire header): compact, and the byte size is exact. */
export interface SpanCodec {
  encode(span: Span): Buffer;
  decode(bytes: Buffer): Span;
  /**
   * The span without the parts only attribute policies read (serde/span-skeleton.ts); absent
   * when the registry's Span schema is not the one that reader walks.
   */
  readonly decodeSkeleton?: (bytes: Buffer, wanted?: SkeletonKeys) => Span;
}

/** Fingerprint of the `schemas/Span.avsc` whose layout readSpanSkeleton and readArrivalSpan walk. */
const SKELETON_SCHEMA = '414e0a105ec28068eb42072243c0f1af669c4f2e0e091b98482f87c8f30799de';

/** Whether the skeleton readers can walk spans written with `spanType`. */
export function skeletonsFit(spanType: Type): boolean {
  return schemaFingerprint(spanType.schema()).toString('hex') === SKELETON_SCHEMA;
}

export function spanCodec(registry: AvroRegistry): SpanCodec {
  const type: Type = registry.readerType('Span');
  const skeleton = skeletonsFit(type);
  return {
    ...(skeleton ? { decodeSkeleton: readSpanSkeleton } : {}),
    // A span read from a SpanBatch in this schema is stored as the bytes it came as.
    encode: (span) => encodingOf(span) ?? type.toBuffer(spanToAvro(span)),
    decode: (bytes) => spanFromAvro(type.fromBuffer(bytes)),
  };
}
