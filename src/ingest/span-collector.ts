import { defaultSpanLimits, validateSpan, type SpanLimits } from '../model/validate.ts';
import type { Span } from '../model/span.ts';
import type { FieldError } from '../model/field-error.ts';
import type { Rejection } from './types.ts';
import type { Redactor } from '../redaction/redactor.ts';

/**
 * Numbers spans as a decoder meets them and validates each, so every format reports
 * rejections the same way (`span[<index>].<field>: <why>`). It is also the one door every
 * decoder's spans pass: an accepted span is redacted here, before anything can store it.
 */
export class SpanCollector {
  private next = 0;
  readonly spans: Span[] = [];
  readonly rejected: Rejection[] = [];

  constructor(
    private readonly limits: SpanLimits = defaultSpanLimits,
    private readonly redactor?: Redactor,
  ) {}

  accept(span: Span): void {
    const index = this.next++;
    const reason = validateSpan(span, `span[${index}]`, this.limits);
    if (reason === undefined) this.spans.push(this.redactor ? this.redactor.redact(span) : span);
    else this.rejected.push(withIds({ index, reason }, span.traceId, span.spanId));
  }

  /**
   * A span its reader already checked as validateSpan would (serde/span-arrival.ts); only
   * unredacted spans come this way, since redaction needs every field.
   */
  acceptChecked(span: Span): void {
    if (this.redactor) throw new Error('SpanCollector: a checked skeleton cannot be redacted');
    this.next++;
    this.spans.push(span);
  }

  /** A span a decoder could not convert: the error names the field. */
  rejectField(e: FieldError, traceId?: string, spanId?: string): void {
    this.reject(`${e.field}: ${e.detail}`, traceId, spanId);
  }

  /** A span that could not even be converted; `detail` starts with the field path. */
  reject(detail: string, traceId?: string, spanId?: string): void {
    const index = this.next++;
    this.rejected.push(withIds({ index, reason: `span[${index}].${detail}` }, traceId, spanId));
  }
}

function withIds(r: Rejection, traceId?: string, spanId?: string): Rejection {
  return { ...r, ...(traceId ? { traceId } : {}), ...(spanId ? { spanId } : {}) };
}
