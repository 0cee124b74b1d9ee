import type { Span } from './span.ts';

/**
 * Spans by trace id, in first-seen order. Everything downstream is keyed by trace id, so a
 * raw record that mixes traces (or is keyed by something else) is split with this and
 * re-keyed before it reaches the trace-assembly task.
 */
export function groupByTrace(spans: readonly Span[]): Map<string, Span[]> {
  const byTrace = new Map<string, Span[]>();
  for (const span of spans) {
    const group = byTrace.get(span.traceId);
    if (group) group.push(span);
    else byTrace.set(span.traceId, [span]);
  }
  return byTrace;
}
