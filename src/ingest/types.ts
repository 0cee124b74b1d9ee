import type { Span } from '../model/span.ts';

/** The encodings found on raw-spans. */
export type RawSpansFormat = 'otlp_proto' | 'otlp_json' | 'zipkin_json' | 'avro';

/** One span that could not be accepted; the spans around it still go on. */
export interface Rejection {
  /** Position of the span in the record, counting every span in document order. */
  readonly index: number;
  readonly traceId?: string;
  readonly spanId?: string;
  readonly reason: string;
}

/** Outcome of decoding one raw-spans record (or one HTTP body). */
export type DecodeResult =
  | { readonly ok: true; readonly spans: Span[]; readonly rejected: Rejection[]; readonly format: RawSpansFormat }
  | { readonly ok: false; readonly error: string; readonly format?: RawSpansFormat };

export { FieldError } from '../model/field-error.ts';
