// Search form (service, operation, tags, time range, duration, limit) and the results list.
import * as api from './api.js';
import { duration, h, isError, keptBy, serviceColor, timestamp } from './format.js';

const LOOKBACKS = [['1h', 'Last hour'], ['2h', 'Last 2 hours'], ['6h', 'Last 6 hours'], ['12h', 'Last 12 hours'], ['1d', 'Last day'], ['2d', 'Last 2 days'], ['7d', 'Last 7 days'], ['custom', 'Custom range']];
const UNIT_MS = { h: 3_600_000, d: 86_400_000 };

function field(label, control) {
  return h('label', { class: 'field' }, h('span', {}, label), control);
}

/** Form params (what the hash holds) → API params (µs start/end). */
function apiParams(p) {
  const out = new URLSearchParams();
  for (const k of ['service', 'operation', 'tags', 'minDuration', 'maxDuration', 'limit']) if (p.get(k)) out.set(k, p.get(k));
  const lookback = p.get('lookback') || '1h';
  if (lookback === 'custom') {
    if (p.get('start')) out.set('start', String(Date.parse(p.get('start')) * 1000));
    if (p.get('end')) out.set('end', String(Date.parse(p.get('end')) * 1000));
  } else {
    const end = Date.now();
    const ms = Number(lookback.slice(0, -1)) * UNIT_MS[lookback.slice(-1)];
    out.set('start', String((end - ms) * 1000));
    out.set('end', String(end * 1000));
  }
  return out;
}

export async function renderSearch(view, params) {
  const services = await api.services();
  const service = params.get('service') || services[0] || '';
  const form = h('form', { class: 'search-form', 'data-testid': 'search-form' });
  const serviceSel = h('select', { name: 'service' }, services.map((s) => h('option', { value: s, selected: s === service }, s)));
  const opSel = h('select', { name: 'operation' }, h('option', { value: '' }, 'all'));
  const fillOps = async (svc) => {
    const ops = svc ? await api.operations(svc) : [];
    opSel.replaceChildren(h('option', { value: '' }, 'all'), ...ops.map((o) => h('option', { value: o, selected: o === params.get('operation') }, o)));
  };
  serviceSel.addEventListener('change', () => fillOps(serviceSel.value));
  const lookback = params.get('lookback') || '1h';
  const lookSel = h('select', { name: 'lookback' }, LOOKBACKS.map(([v, t]) => h('option', { value: v, selected: v === lookback }, t)));
  const custom = h('div', { class: 'custom-range', hidden: lookback !== 'custom' },
    field('Start', h('input', { type: 'datetime-local', name: 'start', value: params.get('start') ?? '' })),
    field('End', h('input', { type: 'datetime-local', name: 'end', value: params.get('end') ?? '' })));
  lookSel.addEventListener('change', () => { custom.hidden = lookSel.value !== 'custom'; });
  form.append(
    h('h2', {}, 'Search'),
    field('Service', serviceSel),
    field('Operation', opSel),
    field('Tags', h('input', { name: 'tags', placeholder: 'http.status_code=500 error=true', value: params.get('tags') ?? '', title: 'logfmt (key=value key2="a b") or a JSON object' })),
    field('Lookback', lookSel), custom,
    h('div', { class: 'row2' },
      field('Min duration', h('input', { name: 'minDuration', placeholder: 'e.g. 1.2s, 100ms', value: params.get('minDuration') ?? '' })),
      field('Max duration', h('input', { name: 'maxDuration', placeholder: 'e.g. 3s', value: params.get('maxDuration') ?? '' }))),
    field('Limit results', h('input', { name: 'limit', type: 'number', min: '1', max: '1500', value: params.get('limit') ?? '20' })),
    h('button', { type: 'submit', class: 'primary' }, 'Find traces'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v !== '' && (lookSel.value === 'custom' || (k !== 'start' && k !== 'end'))) next.set(k, v);
    next.set('run', String(Date.now())); // re-run even when nothing changed
    location.hash = `#/search?${next.toString()}`;
  });
  await fillOps(service);
  const results = h('section', { class: 'results', 'data-testid': 'results' });
  view.replaceChildren(h('div', { class: 'search-page' }, form, results));
  if (!params.has('service')) {
    results.append(h('p', { class: 'muted' }, services.length ? 'Pick a service and find traces.' : 'No traces stored yet.'));
    return;
  }
  results.append(h('p', { class: 'muted' }, 'Searching…'));
  try {
    renderResults(results, await api.searchTraces(apiParams(params)));
  } catch (err) {
    results.replaceChildren(h('div', { class: 'error-box', 'data-testid': 'error' }, err.message));
  }
}

/** Summary figures of one Jaeger trace, for its result card. */
export function summarize(trace) {
  const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
  const root = trace.spans.find((s) => !s.references.some((r) => r.refType === 'CHILD_OF' && byId.has(r.spanID))) ?? trace.spans[0];
  const start = Math.min(...trace.spans.map((s) => s.startTime));
  const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  const services = new Map();
  for (const s of trace.spans) {
    const name = trace.processes[s.processID]?.serviceName ?? '?';
    services.set(name, (services.get(name) ?? 0) + 1);
  }
  return { root, rootService: trace.processes[root.processID]?.serviceName ?? '?', start, duration: end - start, errors: trace.spans.filter(isError).length, services, keptBy: keptBy(trace) };
}

function renderResults(el, traces) {
  const sums = traces.map((t) => [t, summarize(t)]);
  const longest = Math.max(1, ...sums.map(([, s]) => s.duration));
  el.replaceChildren(
    h('h2', { 'data-testid': 'result-count' }, `${traces.length} trace${traces.length === 1 ? '' : 's'}`),
    ...sums.map(([t, s]) => h('a', { class: 'result', href: `#/trace/${t.traceID}`, 'data-testid': 'result', 'data-trace-id': t.traceID },
      h('div', { class: 'result-head' },
        h('span', { class: 'result-title' }, `${s.rootService}: ${s.root.operationName}`, h('span', { class: 'trace-id' }, t.traceID.slice(0, 7))),
        h('span', { class: 'result-duration' }, duration(s.duration))),
      h('div', { class: 'result-bar', style: { width: `${(100 * s.duration) / longest}%` } }),
      h('div', { class: 'result-body' },
        h('span', { class: 'badge' }, `${t.spans.length} spans`),
        s.errors ? h('span', { class: 'badge err', 'data-testid': 'error-count' }, `${s.errors} error${s.errors === 1 ? '' : 's'}`) : null,
        [...s.services].map(([name, n]) => h('span', { class: 'svc', style: { borderColor: serviceColor(name) } }, `${name} (${n})`)),
        s.keptBy ? h('span', { class: 'kept', title: 'sampling policy that kept this trace' }, `kept by ${s.keptBy}`) : null,
        h('span', { class: 'when' }, timestamp(s.start))))),
  );
}
