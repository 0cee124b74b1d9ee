// Service map: the dependency edges (exact, computed before sampling) as an SVG graph.
import * as api from './api.js';
import { h, serviceColor } from './format.js';
import { layeredLayout } from './graph-layout.js';

const NS = 'http://www.w3.org/2000/svg';
const NODE_W = 170;
const NODE_H = 40;
const LOOKBACKS = [['3600000', 'Last hour'], ['21600000', 'Last 6 hours'], ['86400000', 'Last day'], ['604800000', 'Last 7 days']];

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

export async function renderMap(view, params) {
  const lookback = params.get('lookback') ?? '86400000';
  const sel = h('select', { name: 'lookback' }, LOOKBACKS.map(([v, t]) => h('option', { value: v, selected: v === lookback }, t)));
  sel.addEventListener('change', () => { location.hash = `#/map?lookback=${sel.value}`; });
  const edges = await api.dependencies(Date.now(), Number(lookback));
  const head = h('div', { class: 'map-head' }, h('h1', {}, 'Service map'), sel,
    h('span', { class: 'muted' }, 'Calls and error rates from every trace, before sampling.'));
  if (edges.length === 0) {
    view.replaceChildren(head, h('p', { class: 'muted', 'data-testid': 'map-empty' }, 'No dependencies in this time range.'));
    return;
  }
  view.replaceChildren(head, h('div', { class: 'map-wrap' }, drawGraph(edges)));
}

function drawGraph(edges) {
  const names = [...new Set(edges.flatMap((e) => [e.parent, e.child]))];
  const virtual = new Set(edges.filter((e) => e.virtualChild).map((e) => e.child));
  const { nodes, width, height } = layeredLayout(names, edges, { colWidth: 320, rowHeight: 72 });
  const incomingSeen = new Map();
  const maxCalls = Math.max(...edges.map((e) => e.callCount));
  const svg = s('svg', { width: '100%', style: `height:auto;max-width:${width + 40}px`, viewBox: `0 0 ${width + 40} ${height + 20}`, 'data-testid': 'service-map', role: 'img' });
  svg.append(s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#777' }))));
  for (const e of edges) {
    const a = nodes.get(e.parent);
    const b = nodes.get(e.child);
    const [x1, y1] = [a.x + NODE_W, a.y + NODE_H / 2];
    const [x2, y2] = [b.x, b.y + NODE_H / 2];
    const forward = b.layer > a.layer;
    const d = forward
      ? `M${x1},${y1} C${x1 + 60},${y1} ${x2 - 60},${y2} ${x2},${y2}`
      : `M${a.x + NODE_W / 2},${a.y + NODE_H} C${a.x + NODE_W / 2},${a.y + NODE_H + 60} ${b.x + NODE_W / 2},${b.y + NODE_H + 60} ${b.x + NODE_W / 2},${b.y + NODE_H}`;
    const stroke = e.errorRate > 0.05 ? '#d62728' : e.errorRate > 0 ? '#e8a33d' : '#8a8a8a';
    const widthPx = 1.2 + 3 * Math.log1p(e.callCount) / Math.log1p(maxCalls);
    // Labels sit just before the arrowhead (fan-outs share a start, not an end), stacked
    // upwards when several edges enter one node.
    const k = incomingSeen.get(e.child) ?? 0;
    incomingSeen.set(e.child, k + 1);
    const [lx, ly, anchor] = forward ? [x2 - 12, y2 - 8 - 13 * k, 'end'] : [b.x + NODE_W / 2, b.y + NODE_H + 14 + 13 * k, 'middle'];
    const label = `${e.callCount} call${e.callCount === 1 ? '' : 's'}, ${(100 * e.errorRate).toFixed(e.errorRate > 0 && e.errorRate < 0.1 ? 1 : 0)}% err`;
    svg.append(s('g', { class: 'edge', 'data-edge': `${e.parent}>${e.child}`, 'data-calls': e.callCount, 'data-errors': e.errorCount },
      s('path', { d, fill: 'none', stroke, 'stroke-width': widthPx.toFixed(1), 'marker-end': 'url(#arrow)' }),
      s('text', { x: lx, y: ly, 'text-anchor': anchor, class: `edge-label${e.errorCount ? ' err' : ''}` }, label),
      s('title', {}, `${e.parent} → ${e.child} (${e.connectionType})\n${e.callCount} calls, ${e.errorCount} errors\np50 ${e.p50Ms.toFixed(1)} ms, p95 ${e.p95Ms.toFixed(1)} ms`)));
  }
  for (const [name, p] of nodes) {
    const v = virtual.has(name);
    svg.append(s('g', { class: `node${v ? ' virtual' : ''}`, 'data-node': name, transform: `translate(${p.x},${p.y})` },
      s('rect', { width: NODE_W, height: NODE_H, rx: 8, fill: '#fff', stroke: v ? '#999' : serviceColor(name), 'stroke-width': 2, 'stroke-dasharray': v ? '5 3' : null }),
      s('text', { x: NODE_W / 2, y: NODE_H / 2 + 5, 'text-anchor': 'middle' }, name.length > 22 ? `${name.slice(0, 21)}…` : name),
      s('title', {}, v ? `${name} (not instrumented: seen from its callers)` : name)));
  }
  return svg;
}
