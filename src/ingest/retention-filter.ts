import { groupByTrace } from '../model/group.ts';
import { hasErrorSpan, retentionProblem, type Retention } from '../model/retention.ts';
import type { Span } from '../model/span.ts';
import type { Rejection } from './types.ts';

/** Accepted spans and rejections, as a decoder reports them. */
export interface Accepted {
  readonly spans: readonly Span[];
  readonly rejected: readonly Rejection[];
}

/**
 * Moves the spans the ClickHouse TTL would delete on arrival (see model/retention.ts) from
 * `spans` to `rejected`, so the client hears about them instead of getting a 200 for data
 * that vanishes. A trace with an error span in this body keeps the error retention.
 * The decoder numbers every span in document order, accepted or not, so the index of an
 * accepted span is the next index no rejection holds.
 */
export function withinRetention(decoded: Accepted, retention: Retention, nowNs: bigint): Accepted {
  if (retention.spansDays === 0 && retention.errorDays === 0) return decoded;
  const errorTraces = new Set<string>();
  for (const [traceId, spans] of groupByTrace(decoded.spans)) if (hasErrorSpan(spans)) errorTraces.add(traceId);
  const taken = new Set(decoded.rejected.map((r) => r.index));
  const spans: Span[] = [];
  const rejected: Rejection[] = [...decoded.rejected];
  let index = 0;
  for (const span of decoded.spans) {
    while (taken.has(index)) index++;
    const reason = retentionProblem(span, `span[${index}]`, retention, nowNs, errorTraces.has(span.traceId));
    if (reason === undefined) spans.push(span);
    else rejected.push({ index, traceId: span.traceId, spanId: span.spanId, reason });
    index++;
  }
  if (rejected.length === decoded.rejected.length) return decoded;
  rejected.sort((a, b) => a.index - b.index);
  return { spans, rejected };
}
