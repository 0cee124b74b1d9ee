// Trace view: summary header and the waterfall timeline with expandable span details.
import * as api from './api.js';
import { spanDetails } from './details.js';
import { duration, h, isError, keptBy, serviceColor, timestamp } from './format.js';
import { layoutTrace } from './layout.js';

export async function renderTrace(view, id) {
  const trace = await api.trace(id);
  const layout = layoutTrace(trace);
  const rootRow = layout.rows[0];
  const svc = (s) => trace.processes[s.processID]?.serviceName ?? '?';
  const services = new Set(trace.spans.map(svc));
  const errors = trace.spans.filter(isError).length;
  const adjusted = layout.rows.filter((r) => r.adjusted).length;
  const kept = keptBy(trace);
  const header = h('section', { class: 'trace-header' },
    h('h1', {}, `${svc(rootRow.span)}: ${rootRow.span.operationName}`, h('span', { class: 'trace-id mono' }, trace.traceID)),
    h('div', { class: 'facts' },
      h('span', {}, h('b', {}, 'Start '), timestamp(layout.start)),
      h('span', {}, h('b', {}, 'Duration '), duration(layout.duration)),
      h('span', {}, h('b', {}, 'Services '), String(services.size)),
      h('span', {}, h('b', {}, 'Depth '), String(layout.depth)),
      h('span', { 'data-testid': 'span-total' }, h('b', {}, 'Spans '), String(trace.spans.length)),
      errors ? h('span', { class: 'badge err' }, `${errors} error${errors === 1 ? '' : 's'}`) : null,
      kept ? h('span', { class: 'kept', 'data-testid': 'kept-by' }, `kept by ${kept}`) : null,
      adjusted ? h('span', { class: 'badge warn', 'data-testid': 'skew-note' }, `${adjusted} span${adjusted === 1 ? '' : 's'} adjusted for clock skew`) : null));
  view.replaceChildren(header, waterfall(trace, layout, svc));
}

/** After the bar when there is room, else before it, else inside its right end. */
function labelPosition(left, width) {
  if (left + width <= 88) return { left: `${left + width + 0.5}%` };
  if (left >= 12) return { right: `${100 - left + 0.5}%` };
  return { right: `${100 - left - width + 0.5}%` };
}

function ticks(total) {
  return [0, 0.25, 0.5, 0.75, 1].map((f) => h('span', { class: 'tick', style: { left: `${f * 100}%` } }, duration(total * f)));
}

function waterfall(trace, layout, svc) {
  const body = h('div', { class: 'wf-body', 'data-testid': 'waterfall' });
  const collapsed = new Set();
  const rowEls = new Map();
  for (const row of layout.rows) {
    const s = row.span;
    const err = isError(s);
    const left = ((row.start - layout.start) / layout.duration) * 100;
    const width = Math.max(0.2, (s.duration / layout.duration) * 100);
    const toggle = h('button', { class: 'toggle', type: 'button', 'aria-label': 'collapse', hidden: !row.hasChildren }, '▾');
    const el = h('div', {
      class: `wf-row${err ? ' error' : ''}${row.adjusted ? ' skewed' : ''}`, 'data-testid': 'span-row',
      'data-span-id': s.spanID, 'data-parent-id': row.parentId ?? '', 'data-depth': row.depth, 'data-service': svc(s),
    },
      h('div', { class: 'wf-name', style: { paddingLeft: `${6 + row.depth * 16}px` } }, toggle,
        h('span', { class: 'svc-dot', style: { background: serviceColor(svc(s)) } }),
        h('span', { class: 'svc-name' }, svc(s)), h('span', { class: 'op' }, s.operationName),
        err ? h('span', { class: 'err-icon', title: 'error' }, '!') : null,
        row.adjusted ? h('span', { class: 'skew-icon', title: `clock skew: shifted ${duration(Math.abs(row.skew))} to fit its parent` }, 'skew') : null,
        row.missingParent ? h('span', { class: 'skew-icon', title: 'its parent span is not in the trace' }, 'orphan') : null),
      h('div', { class: 'wf-track' },
        h('div', { class: 'wf-bar', style: { left: `${left}%`, width: `${width}%`, background: serviceColor(svc(s)) } }),
        h('span', { class: `wf-label${left + width > 88 && left < 12 ? ' inside' : ''}`, style: labelPosition(left, width) }, duration(s.duration))));
    let details = null;
    el.addEventListener('click', (e) => {
      if (e.target === toggle) return;
      if (details) { details.remove(); details = null; el.classList.remove('open'); return; }
      details = spanDetails(trace, row, layout.start);
      el.after(details);
      el.classList.add('open');
    });
    toggle.addEventListener('click', () => {
      const hide = !collapsed.has(s.spanID);
      if (hide) collapsed.add(s.spanID); else collapsed.delete(s.spanID);
      toggle.textContent = hide ? '▸' : '▾';
      refreshVisibility(layout, collapsed, rowEls);
    });
    rowEls.set(s.spanID, el);
    body.append(el);
  }
  return h('section', { class: 'waterfall' },
    h('div', { class: 'wf-head' }, h('div', { class: 'wf-name' }, 'Service & operation'), h('div', { class: 'wf-track ticks' }, ticks(layout.duration))),
    body);
}

function refreshVisibility(layout, collapsed, rowEls) {
  const hidden = new Set();
  for (const row of layout.rows) {
    if (row.parentId && (hidden.has(row.parentId) || collapsed.has(row.parentId))) hidden.add(row.span.spanID);
    rowEls.get(row.span.spanID).hidden = hidden.has(row.span.spanID);
  }
}
