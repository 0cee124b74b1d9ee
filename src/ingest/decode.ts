/**
 * Decoding of `raw-spans` records, whatever real producers wrote: OTLP protobuf, OTLP JSON,
 * Zipkin v2 JSON or Avro SpanBatch. The format comes from the content-type header when it
 * names one, else from the bytes (Avro's magic 0, JSON's '{' or '[', else protobuf).
 */
import type { Span } from '../model/span.ts';
import { defaultSpanLimits, type SpanLimits } from '../model/validate.ts';
import type { RawRecord } from '../streams/record.ts';
import type { Type } from 'avsc';
import { avroReader, spanBatchObjectsMapping, wireSchemaId, type AvroReader } from '../serde/avro-serde.ts';
import { spanFromAvro } from '../serde/avro-span.ts';
import { ArrivalSpan, readArrivalSpan } from '../serde/span-arrival.ts';
import { skeletonsFit } from '../serde/span-codec.ts';
import type { Cursor } from '../serde/avro-cursor.ts';
import { fullSpan, isSkeleton, readArrayItems, rememberEncoding } from '../serde/span-encodings.ts';
import { InProcessRegistry, type AvroRegistry } from '../serde/registry.ts';
import { REDACTED_HEADER, type Redactor } from '../redaction/redactor.ts';
import { decodeOtlpJson } from './otlp-json.ts';
import { decodeOtlpProto } from './otlp-proto.ts';
import { SpanCollector } from './span-collector.ts';
import { FieldError, type DecodeResult, type RawSpansFormat } from './types.ts';
import { decodeZipkin } from './zipkin.ts';
import { errorMessage } from '../util/errors.ts';

export type { DecodeResult, Rejection, RawSpansFormat } from './types.ts';
export { groupByTrace } from '../model/group.ts';

/** The content type tailstream's own ingest writes. */
export const SPAN_BATCH_CONTENT_TYPE = 'application/vnd.tailstream.spanbatch+avro';

function headerText(raw: Pick<RawRecord, 'headers'>, name: string): string | undefined {
  for (const [k, v] of Object.entries(raw.headers)) if (k.toLowerCase() === name) return v.toString('utf8');
  return undefined;
}

/** The format of a raw-spans value: header first, bytes second. */
export function detectFormat(value: Buffer, contentType?: string): RawSpansFormat {
  const ct = contentType?.split(';')[0]?.trim().toLowerCase();
  if (ct === 'application/x-protobuf' || ct === 'application/protobuf') return 'otlp_proto';
  if (ct !== undefined && ct.includes('avro')) return 'avro';
  let i = 0;
  while (i < value.length && (value[i] === 0x20 || value[i] === 0x0a || value[i] === 0x0d || value[i] === 0x09)) i++;
  const first = value[i];
  if (ct === 'application/json') return first === 0x5b ? 'zipkin_json' : 'otlp_json';
  if (value[0] === 0) return 'avro';
  if (first === 0x7b) return 'otlp_json';
  if (first === 0x5b) return 'zipkin_json';
  return 'otlp_proto';
}

export interface RawSpansDecoderOptions {
  readonly limits?: SpanLimits;
  /** For Avro values; the in-process registry from schemas/ by default. */
  readonly registry?: AvroRegistry;
  /** The `redaction:` config, applied to every accepted span (see SpanCollector). */
  readonly redaction?: Redactor;
  /**
   * Spans of a SpanBatch in the local schema come as arrival skeletons (serde/span-arrival.ts)
   * when not redacted: what the trace buffer reads, the rest left in their bytes (`fullSpan`).
   */
  readonly arrivalSkeletons?: boolean;
}

/** A decoder bound to limits and an Avro registry; see `decodeRawSpans`. */
export class RawSpansDecoder {
  private readonly limits: SpanLimits;
  private readonly avro: AvroReader<unknown[]>;
  readonly redactor: Redactor | undefined;
  private readonly registry: AvroRegistry;
  private readonly batchType: Type;
  private readonly spanType: Type;
  /** Per writer schema id: was it written with the local SpanBatch schema? */
  private readonly ownSchema = new Map<number, boolean>();
  private readonly skeleton: ((c: Cursor) => ArrivalSpan | undefined) | undefined;

  constructor(opts: RawSpansDecoderOptions = {}) {
    this.limits = opts.limits ?? defaultSpanLimits;
    this.redactor = opts.redaction;
    this.registry = opts.registry ?? InProcessRegistry.fromDir();
    this.avro = avroReader('SpanBatch', this.registry, spanBatchObjectsMapping);
    this.batchType = this.registry.readerType('SpanBatch');
    this.spanType = this.registry.readerType('Span');
    const limits = this.limits;
    this.skeleton = opts.arrivalSkeletons && skeletonsFit(this.spanType) ? (c) => readArrivalSpan(c, limits) : undefined;
  }

  /** A span this decoder gave, with all its fields (an arrival skeleton is decoded from its bytes). */
  fullSpan(span: Span): Span {
    return fullSpan(span, (bytes) => spanFromAvro(this.spanType.fromBuffer(bytes)));
  }

  decode(raw: RawRecord): DecodeResult {
    if (raw.value === null) return { ok: false, error: 'record has no value' };
    return this.decodeBytes(raw.value, headerText(raw, 'content-type'), undefined, this.redacts(raw));
  }

  /**
   * Whether a record's spans still need redacting: not when our own ingest wrote it under
   * the same redaction config (a second pass would hash hashes and count twice).
   */
  redacts(raw: Pick<RawRecord, 'headers'>): boolean {
    return this.redactor !== undefined && headerText(raw, REDACTED_HEADER) !== this.redactor.fingerprint;
  }

  /** Like `decode`, but first fetches an Avro writer schema the registry has not seen yet. */
  async decodeAsync(raw: RawRecord): Promise<DecodeResult> {
    if (raw.value === null) return { ok: false, error: 'record has no value' };
    const format = detectFormat(raw.value, headerText(raw, 'content-type'));
    const redact = this.redacts(raw);
    if (format !== 'avro') return this.decodeBytes(raw.value, headerText(raw, 'content-type'), format, redact);
    const own = await this.readOwnBatch(raw.value, redact);
    // A span the redactor changes is a new object, so its arrival bytes are never stored.
    if (own) return this.collect(format, (c) => acceptAvroSpans(own.items, c, own.raw), redact);
    let objs: unknown[];
    try {
      objs = await this.avro.readAsync(raw.value);
    } catch (e) {
      return { ok: false, format, error: `avro: ${errorMessage(e)}` };
    }
    return this.collect(format, (c) => acceptAvroSpans(objs, c), redact);
  }

  /**
   * A SpanBatch written with the local schema, read item by item so each span keeps the
   * bytes it came as (the trace buffer stores them as they are); undefined for any other
   * writer schema or anything unexpected, which the general path then reads or reports.
   */
  private async readOwnBatch(value: Buffer, redact: boolean): Promise<{ items: unknown[]; raw: Buffer[] } | undefined> {
    const id = wireSchemaId(value);
    if (id === undefined) return undefined;
    try {
      let own = this.ownSchema.get(id);
      if (own === undefined) {
        const writer = await this.registry.typeForId(id);
        own = writer === this.batchType || writer.equals(this.batchType);
        this.ownSchema.set(id, own);
      }
      if (!own) return undefined;
      const read = readArrayItems(value, 5, this.spanType, redact ? undefined : this.skeleton);
      return read.end === value.length ? read : undefined;
    } catch {
      return undefined;
    }
  }

  /** Decodes one value; `contentType` as in the record header or HTTP request. Redacts unless told the bytes already are. */
  decodeBytes(value: Buffer, contentType?: string, format: RawSpansFormat = detectFormat(value, contentType), redact = true): DecodeResult {

    try {
      switch (format) {
        case 'otlp_proto': return this.collect(format, (c) => decodeOtlpProto(value, c), redact);
        case 'otlp_json': return this.collect(format, (c) => decodeOtlpJson(value, c), redact);
        case 'zipkin_json': return this.collect(format, (c) => decodeZipkin(value, c), redact);
        case 'avro': return this.collect(format, (c) => acceptAvroSpans(this.avro.read(value), c), redact);
      }
    } catch (e) {
      return { ok: false, format, error: `${format}: ${errorMessage(e)}` };
    }
  }

  private collect(format: RawSpansFormat, fill: (c: SpanCollector) => void, redact: boolean): DecodeResult {
    const c = new SpanCollector(this.limits, redact ? this.redactor : undefined);
    fill(c);
    return { ok: true, format, spans: c.spans, rejected: c.rejected };
  }
}

/** Converts and validates Avro spans one at a time: a span that cannot be converted is rejected alone. */
function acceptAvroSpans(objs: readonly unknown[], c: SpanCollector, raw?: readonly Buffer[]): void {
  for (const [i, o] of objs.entries()) {
    if (isSkeleton(o)) {
      c.acceptChecked(o);
      continue;
    }
    let span: Span;
    try {
      span = spanFromAvro(o);
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      const ids = o as { traceId?: string; spanId?: string };
      c.rejectField(e, ids.traceId, ids.spanId);
      continue;
    }
    const bytes = raw?.[i];
    if (bytes) rememberEncoding(span, bytes);
    c.accept(span);
  }
}

let shared: RawSpansDecoder | undefined;

/**
 * Decodes a raw-spans record with default limits and the in-process Avro registry. Invalid
 * spans become `rejected` entries; a record that cannot be read at all is `ok: false` (the
 * caller sends it to the dead-letter topic).
 */
export function decodeRawSpans(raw: RawRecord): DecodeResult {
  shared ??= new RawSpansDecoder();
  return shared.decode(raw);
}
