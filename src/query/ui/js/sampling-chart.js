// A small SVG line chart: a policy's actual rate per bucket (solid) and its target (dashed).
const NS = 'http://www.w3.org/2000/svg';
const W = 520;
const H = 180;
const PAD = { l: 48, r: 12, t: 10, b: 24 };

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

const clock = (ms) => new Date(ms).toTimeString().slice(0, 5);

export function lineChart(points, stepMs) {
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', style: `max-width:${W}px`, role: 'img' });
  if (points.length === 0) return svg;
  const t0 = points[0].t;
  const t1 = Math.max(points[points.length - 1].t, t0 + stepMs);
  const top = Math.max(...points.flatMap((p) => [p.actual ?? 0, p.target ?? 0])) * 1.15 || 1;
  const x = (t) => PAD.l + ((t - t0) / (t1 - t0)) * (W - PAD.l - PAD.r);
  const y = (v) => H - PAD.b - (v / top) * (H - PAD.t - PAD.b);
  svg.append(s('line', { x1: PAD.l, y1: y(0), x2: W - PAD.r, y2: y(0), stroke: '#ccc' }));
  for (const v of [0, top / 2, top]) svg.append(s('text', { x: PAD.l - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, v.toFixed(v >= 10 ? 0 : 2)));
  svg.append(s('text', { x: PAD.l, y: H - 6, class: 'axis' }, clock(t0)), s('text', { x: W - PAD.r, y: H - 6, 'text-anchor': 'end', class: 'axis' }, clock(t1)));
  const path = (key) => points.filter((p) => p[key] !== null).map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ');
  svg.append(s('path', { d: path('target'), fill: 'none', stroke: '#999', 'stroke-dasharray': '6 4', 'stroke-width': 1.5, 'data-series': 'target' }));
  svg.append(s('path', { d: path('actual'), fill: 'none', stroke: '#2f6fdf', 'stroke-width': 2, 'data-series': 'actual' }));
  for (const p of points) if (p.actual !== null) svg.append(s('circle', { cx: x(p.t), cy: y(p.actual), r: 2.5, fill: '#2f6fdf' }, s('title', {}, `${clock(p.t)}: ${p.actual.toFixed(2)} (target ${p.target})`)));
  return svg;
}
