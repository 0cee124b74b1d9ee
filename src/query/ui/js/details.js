// Span details: attributes, resource (process), events, links, warnings, ids.
import { duration, h } from './format.js';

const show = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

function kvTable(tags) {
  if (!tags?.length) return h('p', { class: 'muted' }, 'none');
  return h('table', { class: 'kv' }, tags.map((t) => h('tr', {},
    h('td', { class: 'k' }, t.key),
    h('td', { class: `v ${t.type}` }, show(t.value)),
    h('td', { class: 'type' }, t.type))));
}

function section(title, body, open = true) {
  return h('details', { open }, h('summary', {}, title), body);
}

export function spanDetails(trace, row, traceStart) {
  const s = row.span;
  const proc = trace.processes[s.processID] ?? { serviceName: '?', tags: [] };
  const links = s.references.filter((r) => r.refType === 'FOLLOWS_FROM');
  const warnings = [...(s.warnings ?? [])];
  if (row.adjusted) warnings.push(`clock skew: drawn ${duration(Math.abs(row.skew))} ${row.skew > 0 ? 'later' : 'earlier'} to fit inside its parent`);
  return h('div', { class: 'span-details', 'data-testid': 'span-details' },
    h('div', { class: 'detail-head' },
      h('strong', {}, s.operationName),
      h('span', {}, `Service: ${proc.serviceName}`),
      h('span', {}, `Duration: ${duration(s.duration)}`),
      h('span', {}, `Start: ${duration(s.startTime - traceStart)}`),
      h('span', { class: 'mono' }, `Span ID: ${s.spanID}`)),
    warnings.length ? section('Warnings', h('ul', { class: 'warnings' }, warnings.map((w) => h('li', {}, w)))) : null,
    section(`Attributes (${s.tags.length})`, kvTable(s.tags)),
    section(`Resource: ${proc.serviceName} (${proc.tags.length})`, kvTable(proc.tags), false),
    section(`Events (${s.logs.length})`, s.logs.length
      ? h('ul', { class: 'events' }, s.logs.map((l) => h('li', {}, h('span', { class: 'at' }, `+${duration(l.timestamp - traceStart)}`), kvTable(l.fields))))
      : h('p', { class: 'muted' }, 'none'), s.logs.length > 0),
    section(`Links (${links.length})`, links.length
      ? h('ul', { class: 'links' }, links.map((l) => h('li', {}, h('a', { href: `#/trace/${l.traceID}` }, `${l.traceID} / ${l.spanID}`), kvTable(l.tags ?? []))))
      : h('p', { class: 'muted' }, 'none'), links.length > 0),
  );
}
