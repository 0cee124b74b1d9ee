import type { Span } from '../model/span.ts';
import { groupByTrace } from '../model/group.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../streams/processor.ts';
import { deadLetterHeaders } from '../streams/dead-letter.ts';
import { StreamRecord, type RecordMetadata } from '../streams/record.ts';
import type { DecodeMetrics } from '../metrics/decode-metrics.ts';
import { RawSpansDecoder } from './decode.ts';
import type { Rejection } from './types.ts';

export interface RawSpansRouting {
  /** Child for spans already keyed by their trace id (no repartition needed). */
  readonly assemble: string;
  /** Child sink to the repartition topic, for records keyed otherwise or mixing traces. */
  readonly repartition: string;
  /** Child sink to the dead-letter topic. */
  readonly deadLetter: string;
  /**
   * For a replayed record (see Topology.withSourcePositions): true when assembly cannot use
   * it, so it is not even decoded. Unset: every replayed record is decoded.
   */
  readonly replayUnneeded?: (ctx: ProcessorContext<unknown, unknown>, key: string | null, source: RecordMetadata) => Promise<boolean>;
}

/** On a dead letter whose value was withheld by redaction: the original value's length in bytes. */
export const WITHHELD_HEADER = 'error.value.withheld-bytes';

function describeRejections(rejected: readonly Rejection[]): string {
  const shown = rejected.slice(0, 5).map((r) => `span[${r.index}]${r.spanId ? ` ${r.spanId}` : ''}: ${r.reason}`);
  return `${rejected.length} invalid span(s) rejected, the rest accepted: ${shown.join('; ')}${rejected.length > 5 ? '; …' : ''}`;
}

interface DeadLetterRoute {
  readonly ctx: ProcessorContext<string, unknown>;
  readonly routing: RawSpansRouting;
  readonly decoder: RawSpansDecoder;
  readonly metrics: DecodeMetrics;
}

/** Sends a record (or the reason `n` of its spans were refused) to the dead-letter topic. */
function deadLetter(to: DeadLetterRoute, record: StreamRecord<string | null, Buffer | null>, where: string, reason: string, n: number): Promise<void> {
  to.metrics.rejectedSpans.inc({ kind: n === 0 ? 'record' : 'span' }, Math.max(1, n));
  // Bytes redaction has not seen (a Collector's record) stay out of the dead-letter
  // topic: it keeps the reason, masked too, since parsers quote their input.
  const withhold = to.decoder.redacts(record);
  const why = withhold && to.decoder.redactor ? to.decoder.redactor.redactText(reason) : reason;
  const headers = deadLetterHeaders(record.headers, why, where);
  const value = withhold ? null : record.value;
  return to.ctx.forward(new StreamRecord(record.key ?? '', value, record.timestamp, withhold ? { ...headers, [WITHHELD_HEADER]: Buffer.from(String(record.value?.length ?? 0)) } : headers), to.routing.deadLetter);
}

/**
 * Decodes raw-spans records in any supported format. A record that cannot be read goes to
 * the dead-letter topic whole, with the reason; invalid spans inside a readable record are
 * reported there too while the valid ones go on. Spans are grouped by trace: a record
 * already keyed by its only trace id goes straight to assembly, anything else is re-keyed
 * through the repartition topic so every span of a trace meets in one task.
 */
export function rawSpansDecoder(routing: RawSpansRouting, decoder: RawSpansDecoder, metrics: DecodeMetrics): ProcessorSupplier<string | null, Buffer | null, string, unknown> {
  return {
    get: (): Processor<string | null, Buffer | null, string, unknown> => {
      let ctx: ProcessorContext<string, unknown>;
      return {
        init(c) {
          ctx = c;
        },
        async process(record) {
          const meta = ctx.recordMetadata();
          const where = meta ? `${meta.topic}/${meta.partition}@${meta.offset}` : 'raw-spans';
          const raw = { key: record.key === null ? null : Buffer.from(record.key), value: record.value, timestamp: record.timestamp, headers: record.headers };
          // A replayed record (see Topology.withSourcePositions) only rebuilds what it sent
          // straight to assembly: its repartitioned spans and dead letters were sent already.
          const replay = meta?.replay === true;
          if (replay && meta && routing.replayUnneeded && (await routing.replayUnneeded(ctx, record.key, meta))) return;
          const result = await decoder.decodeAsync(raw);
          if (!result.ok) {
            if (!replay) await deadLetter({ ctx, routing, decoder, metrics }, record, where, result.error, 0);
            return;
          }
          if (result.rejected.length > 0 && !replay) await deadLetter({ ctx, routing, decoder, metrics }, record, where, describeRejections(result.rejected), result.rejected.length);
          const groups = groupByTrace(result.spans);
          const direct = groups.size === 1 && groups.has(record.key ?? '');
          if (replay && !direct) return;
          for (const [traceId, spans] of groups) {
            if (!direct) metrics.repartitioned.inc();
            // The repartition topic carries whole spans: an arrival skeleton is decoded in full first.
            const value = direct ? spans : spans.map((s) => decoder.fullSpan(s));
            await ctx.forward(new StreamRecord<string, Span[]>(traceId, value, record.timestamp), direct ? routing.assemble : routing.repartition);
          }
        },
      };
    },
  };
}
