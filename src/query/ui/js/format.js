// Small formatting helpers shared by the views.

/** µs → "1.23s", "45.6ms", "789µs". */
export function duration(us) {
  if (us >= 60_000_000) return `${(us / 60_000_000).toFixed(2)}min`;
  if (us >= 1_000_000) return `${(us / 1_000_000).toFixed(2)}s`;
  if (us >= 1_000) return `${(us / 1_000).toFixed(us >= 100_000 ? 0 : 2)}ms`;
  return `${Math.round(us)}µs`;
}

/** µs since the epoch → local date and time with milliseconds. */
export function timestamp(us) {
  const d = new Date(us / 1000);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

const PALETTE = ['#4e79a7', '#59a14f', '#6a51a3', '#f28e2b', '#76b7b2', '#edc948', '#b07aa1', '#9c755f', '#17becf', '#bcbd22', '#7f7f7f',
  '#1f77b4', '#8cd17d', '#2ca02c', '#a0cbe8', '#ffbe7d', '#499894', '#b6992d', '#86bcb6', '#d4a6c8', '#79706e', '#f1ce63'];
const assigned = new Map();

/** A distinct colour per service, in order of first appearance on the page (stable while it lives). */
export function serviceColor(name) {
  if (!assigned.has(name)) assigned.set(name, PALETTE[assigned.size % PALETTE.length]);
  return assigned.get(name);
}

/** Element builder: h('div', { class: 'x', onclick }, child, 'text', ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export const tagValue = (tags, key) => tags?.find((t) => t.key === key)?.value;

/** Whether a Jaeger span failed (the `error` tag OTLP's ERROR status maps to). */
export const isError = (span) => tagValue(span.tags, 'error') === true;

/** "errors (1 in 10)" from the root span's sampling tags, or '' when absent. */
export function keptBy(trace) {
  for (const s of trace.spans) {
    const policy = tagValue(s.tags, 'sampling.policy');
    if (policy !== undefined) {
      const rate = tagValue(s.tags, 'sampling.rate');
      return rate === undefined ? String(policy) : `${policy} (1 in ${rate})`;
    }
  }
  return '';
}
