// Span tree of a Jaeger trace and a clock-skew tolerant timeline layout (pure: no DOM).

/**
 * Rows in depth-first order, children by start time. A span whose parent is missing is
 * drawn as a root (flagged). When a child from another service starts before or ends after
 * its parent, the two hosts' clocks disagree (a call cannot outlive its caller's span):
 * the child is shifted inside its parent, its subtree with it, and the row is flagged with
 * the shift. Same-service children are left as they are: async work may outlive a span.
 */
export function layoutTrace(trace) {
  const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
  const children = new Map();
  const roots = [];
  const parentOf = new Map();
  for (const s of trace.spans) {
    const ref = s.references.find((r) => r.refType === 'CHILD_OF' && byId.has(r.spanID));
    if (ref) {
      parentOf.set(s.spanID, ref.spanID);
      if (!children.has(ref.spanID)) children.set(ref.spanID, []);
      children.get(ref.spanID).push(s);
    } else roots.push(s);
  }
  const byStart = (a, b) => a.startTime - b.startTime || (a.spanID < b.spanID ? -1 : 1);
  roots.sort(byStart);
  for (const list of children.values()) list.sort(byStart);
  const service = (s) => trace.processes[s.processID]?.serviceName ?? '';
  const rows = [];
  const visit = (span, depth, parentRow, inherited) => {
    let start = span.startTime + inherited;
    let skew = 0;
    if (parentRow && service(span) !== service(parentRow.span)) {
      const pStart = parentRow.start;
      const pEnd = parentRow.start + parentRow.span.duration;
      const end = start + span.duration;
      if (start < pStart || end > pEnd) {
        const fitted = span.duration <= pEnd - pStart ? Math.min(Math.max(start, pStart), pEnd - span.duration) : pStart;
        skew = fitted - start;
        start = fitted;
      }
    }
    const missingParent = span.references.some((r) => r.refType === 'CHILD_OF') && !parentOf.has(span.spanID);
    const row = { span, depth, start, skew: inherited + skew, adjusted: skew !== 0, missingParent, parentId: parentRow?.span.spanID ?? null, hasChildren: children.has(span.spanID) };
    rows.push(row);
    for (const c of children.get(span.spanID) ?? []) visit(c, depth + 1, row, inherited + skew);
  };
  for (const r of roots) visit(r, 0, null, 0);
  const start = Math.min(...rows.map((r) => r.start));
  const end = Math.max(...rows.map((r) => r.start + r.span.duration));
  return { rows, start, end, duration: Math.max(1, end - start), depth: Math.max(...rows.map((r) => r.depth)) + 1 };
}
