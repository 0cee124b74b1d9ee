/**
 * A trace the assembler cannot decide (or a window row it cannot emit) leaves as a
 * dead-letter record, so one bad entry cannot fail every punctuation after it. The trace's
 * spans go as OTLP/JSON: readable, and a raw-spans decoder takes them back as they are.
 */
import { encodeOtlpJson } from '../../model/otlp-json.ts';
import type { Span } from '../../model/span.ts';
import type { ProcessorContext } from '../../streams/processor.ts';
import { describeError } from '../../streams/processing-errors.ts';

const JSON_HEADERS = Object.freeze({ 'content-type': Buffer.from('application/json') });

export function deadLetterTrace(ctx: ProcessorContext, traceId: string, spans: readonly Span[], why: string, err: unknown, now: number): void {
  let value: Buffer | null = null;
  let note = '';
  try {
    value = Buffer.from(encodeOtlpJson(spans));
  } catch (e) {
    note = ` (its spans could not be encoded either: ${describeError(e)})`;
  }
  ctx.deadLetter({ key: Buffer.from(traceId), value, timestamp: now, headers: JSON_HEADERS }, `trace ${traceId} ${why}: ${describeError(err)}${note}`);
}

export function deadLetterRow(ctx: ProcessorContext, key: string, row: unknown, why: string, err: unknown, now: number): void {
  let value: Buffer | null = null;
  try {
    value = Buffer.from(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  } catch {
    value = null;
  }
  ctx.deadLetter({ key: Buffer.from(key), value, timestamp: now, headers: JSON_HEADERS }, `${why}: ${describeError(err)}`);
}
