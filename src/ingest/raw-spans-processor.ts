import type { Span } from '../model/span.ts';
import { groupByTrace } from '../model/group.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../streams/processor.ts';
import { deadLetterHeaders } from '../streams/dead-letter.ts';
import { StreamRecord } from '../streams/record.ts';
import type { DecodeMetrics } from './decode-metrics.ts';
import { RawSpansDecoder } from './decode.ts';
import type { Rejection } from './types.ts';

export interface RawSpansRouting {
  /** Child for spans already keyed by their trace id (no repartition needed). */
  readonly assemble: string;
  /** Child sink to the repartition topic, for records keyed otherwise or mixing traces. */
  readonly repartition: string;
  /** Child sink to the dead-letter topic. */
  readonly deadLetter: string;
}

function describeRejections(rejected: readonly Rejection[]): string {
  const shown = rejected.slice(0, 5).map((r) => `span[${r.index}]${r.spanId ? ` ${r.spanId}` : ''}: ${r.reason}`);
  return `${rejected.length} invalid span(s) rejected, the rest accepted: ${shown.join('; ')}${rejected.length > 5 ? '; …' : ''}`;
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
          const result = await decoder.decodeAsync(raw);
          const toDlq = (reason: string, n: number) => {
            metrics.rejectedSpans.inc({ kind: n === 0 ? 'record' : 'span' }, Math.max(1, n));
            return ctx.forward(new StreamRecord(record.key ?? '', record.value, record.timestamp, deadLetterHeaders(record.headers, reason, where)), routing.deadLetter);
          };
          if (!result.ok) {
            await toDlq(result.error, 0);
            return;
          }
          if (result.rejected.length > 0) await toDlq(describeRejections(result.rejected), result.rejected.length);
          const groups = groupByTrace(result.spans);
          const direct = groups.size === 1 && groups.has(record.key ?? '');
          for (const [traceId, spans] of groups) {
            if (!direct) metrics.repartitioned.inc();
            await ctx.forward(new StreamRecord<string, Span[]>(traceId, spans, record.timestamp), direct ? routing.assemble : routing.repartition);
          }
        },
      };
    },
  };
}
