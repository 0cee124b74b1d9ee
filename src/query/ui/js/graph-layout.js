// Layered layout of a directed graph (pure): cycles broken by DFS, layers by longest path,
// order within a layer by barycentre sweeps to reduce crossings.

export function layeredLayout(nodeNames, edges, opts = {}) {
  const colW = opts.colWidth ?? 240;
  const rowH = opts.rowHeight ?? 80;
  const out = new Map(nodeNames.map((n) => [n, []]));
  for (const e of edges) if (e.parent !== e.child) out.get(e.parent).push(e.child);
  // Back edges (closing a cycle) are ignored for layering.
  const state = new Map();
  const forward = new Set();
  const dfs = (n) => {
    state.set(n, 1);
    for (const m of out.get(n)) {
      if (state.get(m) === 1) continue;
      forward.add(`${n}>${m}`);
      if (!state.has(m)) dfs(m);
    }
    state.set(n, 2);
  };
  const incoming = new Set(edges.map((e) => e.child));
  for (const n of [...nodeNames].sort((a, b) => Number(incoming.has(a)) - Number(incoming.has(b)) || a.localeCompare(b))) if (!state.has(n)) dfs(n);
  const layer = new Map(nodeNames.map((n) => [n, 0]));
  for (let changed = true, guard = 0; changed && guard < nodeNames.length + 1; guard++) {
    changed = false;
    for (const key of forward) {
      const [a, b] = key.split('>');
      if (layer.get(b) < layer.get(a) + 1) { layer.set(b, layer.get(a) + 1); changed = true; }
    }
  }
  const layers = [];
  for (const n of [...nodeNames].sort()) (layers[layer.get(n)] ??= []).push(n);
  const pos = (n) => layers[layer.get(n)].indexOf(n);
  const neighbours = (n, dir) => edges.filter((e) => (dir < 0 ? e.child === n : e.parent === n)).map((e) => (dir < 0 ? e.parent : e.child));
  for (let sweep = 0; sweep < 4; sweep++) {
    const dir = sweep % 2 === 0 ? -1 : 1;
    const order = dir < 0 ? layers.keys() : [...layers.keys()].reverse();
    for (const i of order) {
      const bary = new Map(layers[i].map((n) => {
        const ns = neighbours(n, dir).filter((m) => layer.get(m) !== i);
        return [n, ns.length ? ns.reduce((s, m) => s + pos(m), 0) / ns.length : pos(n)];
      }));
      layers[i].sort((a, b) => bary.get(a) - bary.get(b) || a.localeCompare(b));
    }
  }
  const tallest = Math.max(...layers.map((l) => l.length));
  const nodes = new Map();
  layers.forEach((l, i) => l.forEach((n, j) => nodes.set(n, { x: 20 + i * colW, y: 20 + (j + (tallest - l.length) / 2) * rowH, layer: i })));
  return { nodes, width: 20 + layers.length * colW, height: 20 + tallest * rowH };
}
