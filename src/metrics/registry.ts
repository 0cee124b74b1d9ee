/**
 * A small metrics registry with Prometheus text exposition. One registry per process is
 * passed down explicitly (no global singleton), so tests get their own.
 */
export type Labels = Readonly<Record<string, string | number>>;

const ESCAPED = /["\\\n]/;

function labelValue(v: string | number | undefined): string {
  const s = String(v);
  return ESCAPED.test(s) ? s.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : s;
}

/** `k="v",…` in key order: the series' identity. Called per update, so no array is built for it. */
function labelKey(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length > 1) keys.sort();
  let out = '';
  for (const k of keys) out += `${out === '' ? '' : ','}${k}="${labelValue(labels[k])}"`;
  return out;
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
}

export class Counter implements Family {
  readonly type = 'counter';
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  /** Sum over every label set. */
  total(): number {
    let t = 0;
    for (const v of this.values.values()) t += v;
    return t;
  }
  samples(): [string, number][] {
    return [...this.values].map(([k, v]) => [k ? `${this.name}{${k}}` : this.name, v]);
  }
}

export class Gauge implements Family {
  readonly type = 'gauge';
  private readonly values = new Map<string, number>();
  private readonly callbacks: (() => void)[] = [];
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  set(value: number, labels: Labels = {}): void {
    this.values.set(labelKey(labels), value);
  }
  add(by: number, labels: Labels = {}): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  remove(labels: Labels): void {
    this.values.delete(labelKey(labels));
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  /** Refreshes the gauge right before exposition (e.g. sizes read from a store). */
  onCollect(cb: () => void): void {
    this.callbacks.push(cb);
  }
  samples(): [string, number][] {
    for (const cb of this.callbacks) cb();
    return [...this.values].map(([k, v]) => [k ? `${this.name}{${k}}` : this.name, v]);
  }
}

export class Histogram implements Family {
  readonly type = 'histogram';
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {}
  observe(value: number, labels: Labels = {}): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: new Array<number>(this.bounds.length).fill(0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.bounds.length; i++) if (value <= (this.bounds[i] as number)) s.counts[i] = (s.counts[i] ?? 0) + 1;
    s.sum += value;
    s.count++;
  }
  count(labels: Labels = {}): number {
    return this.series.get(labelKey(labels))?.count ?? 0;
  }
  samples(): [string, number][] {
    const out: [string, number][] = [];
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : '';
      this.bounds.forEach((b, i) => out.push([`${this.name}_bucket{${sep}le="${b}"}`, s.counts[i] ?? 0]));
      out.push([`${this.name}_bucket{${sep}le="+Inf"}`, s.count]);
      out.push([k ? `${this.name}_sum{${k}}` : `${this.name}_sum`, s.sum]);
      out.push([k ? `${this.name}_count{${k}}` : `${this.name}_count`, s.count]);
    }
    return out;
  }
}

type Metric = Counter | Gauge | Histogram;

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

  counter(name: string, help: string): Counter {
    return this.getOrAdd(name, () => new Counter(name, help), 'counter');
  }
  gauge(name: string, help: string): Gauge {
    return this.getOrAdd(name, () => new Gauge(name, help), 'gauge');
  }
  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    return this.getOrAdd(name, () => new Histogram(name, help, bounds), 'histogram');
  }

  private getOrAdd<M extends Metric>(name: string, make: () => M, type: Metric['type']): M {
    const seen = this.metrics.get(name);
    if (seen) {
      if (seen.type !== type) throw new Error(`metric ${name} registered as ${seen.type}, asked as ${type}`);
      return seen as M;
    }
    const m = make();
    this.metrics.set(name, m);
    return m;
  }

  /** Prometheus text exposition format 0.0.4. */
  exposition(): string {
    const lines: string[] = [];
    for (const m of this.metrics.values()) {
      lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
      for (const [series, v] of m.samples()) lines.push(`${series} ${v}`);
    }
    return lines.join('\n') + '\n';
  }
}

/** Latency buckets in ms for commit/restore/decision timings. */
export const LATENCY_BOUNDS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];
