// Sampling: what the policies did with every decided trace (sampling_decisions), per policy
// and per root service, and each policy's actual rate against its configured target.
import * as api from './api.js';
import { h, serviceColor } from './format.js';
import { lineChart } from './sampling-chart.js';

const LOOKBACKS = [['3600000', 'Last hour'], ['21600000', 'Last 6 hours'], ['86400000', 'Last day'], ['604800000', 'Last 7 days']];
const UNITS = { sampling_percentage: '%', spans_per_second: 'spans/s', bytes_per_second: 'bytes/s', traces_per_second_per_key: 'traces/s per key' };

const num = (n) => n.toLocaleString('en-US');
const pct = (part, whole) => (whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)} %`);
const round = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
export const inUnit = (v, kind) => (v === null || v === undefined || !kind ? '–' : `${round(v)} ${UNITS[kind] ?? kind}`);

export async function renderSampling(view, params) {
  const lookback = params.get('lookback') ?? '3600000';
  const service = params.get('service') ?? '';
  const policy = params.get('policy') ?? '';
  const to = Date.now();
  const stats = await api.samplingStats({ from: to - Number(lookback), to, service, policy });
  const go = (next) => { location.hash = `#/sampling?${new URLSearchParams({ lookback, service, policy, ...next })}`; };
  const select = (name, value, options, onChange) => {
    const el = h('select', { name }, options.map(([v, t]) => h('option', { value: v, selected: v === value }, t)));
    el.addEventListener('change', () => onChange(el.value));
    return el;
  };
  const head = h('div', { class: 'map-head' }, h('h1', {}, 'Sampling'),
    select('lookback', lookback, LOOKBACKS, (v) => go({ lookback: v })),
    select('service', service, [['', 'All services'], ...names(stats.services, 'service', service)], (v) => go({ service: v })),
    select('policy', policy, [['', 'All policies'], ...names(stats.policies, 'policy', policy)], (v) => go({ policy: v })),
    h('span', { class: 'muted' }, 'Every decided trace, by decision time; dropped = seen − kept.'));
  if (stats.totals.traces === 0) {
    view.replaceChildren(head, h('p', { class: 'muted', 'data-testid': 'sampling-empty' }, 'No sampling decisions in this time range.'));
    return;
  }
  const t = stats.totals;
  const cards = h('div', { class: 'cards', 'data-testid': 'sampling-totals' },
    card('Traces seen', num(t.traces)), card('Traces kept', `${num(t.tracesKept)} (${pct(t.tracesKept, t.traces)})`),
    card('Traces dropped', num(t.tracesDropped)), card('Spans kept', `${num(t.spansKept)} of ${num(t.spans)}`));
  view.replaceChildren(head, cards,
    section('Policies', policyTable(stats.policies)),
    section('Actual rate vs target over time', rateCharts(stats)),
    section('Services: seen vs kept, and which policy kept what', serviceTable(stats.services)),
    section('Completion reasons', reasonTable(stats.reasons)));
}

function names(rows, key, current) {
  const all = new Set(rows.map((r) => r[key]));
  if (current) all.add(current);
  return [...all].sort().map((n) => [n, n || '(none)']);
}

const card = (label, value) => h('div', { class: 'card' }, h('div', { class: 'muted' }, label), h('div', { class: 'card-value' }, value));
const section = (title, body) => h('section', { class: 'panel' }, h('h2', {}, title), body);
const table = (testid, header, rows) => h('table', { class: 'stats', 'data-testid': testid }, h('thead', {}, h('tr', {}, header.map((c) => h('th', {}, c)))), h('tbody', {}, rows));

function policyTable(policies) {
  return table('policy-table', ['Policy', 'Seen', 'Kept', 'Dropped', 'Kept %', 'Spans kept', 'Target', 'Actual'],
    policies.map((p) => h('tr', { 'data-testid': 'policy-row', 'data-policy': p.policy, 'data-seen': p.traces, 'data-kept': p.tracesKept },
      h('td', {}, p.policy || '(none)'), h('td', {}, num(p.traces)), h('td', {}, num(p.tracesKept)), h('td', {}, num(p.tracesDropped)),
      h('td', {}, pct(p.tracesKept, p.traces)), h('td', {}, num(p.spansKept)),
      h('td', { 'data-testid': 'target' }, inUnit(p.target, p.targetKind)),
      h('td', { 'data-testid': 'actual', class: p.target === null ? '' : closeness(p.actual, p.target) }, inUnit(p.actual, p.targetKind)))));
}

/** Within 10 % of target: ok; beyond: off (a rate limit or adaptive target not met or overshot). */
const closeness = (actual, target) => (actual === null || target === 0 ? '' : Math.abs(actual - target) / target <= 0.1 ? 'ok' : 'off');

function rateCharts(stats) {
  const withTarget = stats.policies.filter((p) => p.target !== null && p.targetKind !== 'bytes_per_second');
  if (withTarget.length === 0) return h('p', { class: 'muted' }, 'No policy with a rate or percentage target decided in this range.');
  return h('div', { class: 'charts' }, withTarget.map((p) => {
    const points = stats.series.filter((s) => s.policy === p.policy).map((s) => ({ t: s.time, actual: s.actual, target: s.target }));
    return h('figure', { class: 'chart', 'data-testid': 'rate-chart', 'data-policy': p.policy },
      h('figcaption', {}, `${p.policy}: actual vs target (${UNITS[p.targetKind]})`),
      lineChart(points, stats.stepMs));
  }));
}

function serviceTable(services) {
  return table('service-table', ['Root service', 'Seen', 'Kept', 'Dropped', 'Kept %', 'Kept by'],
    services.map((s) => h('tr', { 'data-testid': 'service-row', 'data-service': s.service, 'data-seen': s.traces, 'data-kept': s.tracesKept },
      h('td', {}, h('span', { class: 'svc', style: { borderColor: serviceColor(s.service) } }, s.service || '(unknown)')),
      h('td', {}, num(s.traces)), h('td', {}, num(s.tracesKept)), h('td', {}, num(s.tracesDropped)), h('td', {}, pct(s.tracesKept, s.traces)),
      h('td', { 'data-testid': 'kept-by' }, Object.entries(s.keptBy).sort().map(([p, n]) => h('span', { class: 'kept', 'data-policy': p, 'data-count': n }, `${p}: ${num(n)}`))))));
}

function reasonTable(reasons) {
  return table('reason-table', ['Completion reason', 'Seen', 'Kept', 'Dropped'],
    reasons.map((r) => h('tr', { 'data-reason': r.reason }, h('td', {}, r.reason), h('td', {}, num(r.traces)), h('td', {}, num(r.tracesKept)), h('td', {}, num(r.tracesDropped)))));
}
