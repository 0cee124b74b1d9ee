import type { DecisionBucketRow, StepMs } from './sampling-stats-sql.ts';

/** Seen / kept / dropped counts. */
export interface Counts {
  traces: number;
  tracesKept: number;
  tracesDropped: number;
  spans: number;
  spansKept: number;
  spansDropped: number;
}

export interface PolicyStats extends Counts {
  readonly policy: string;
  /** The configured target's unit ('' = none) and value, cluster-wide. */
  targetKind: string;
  target: number | null;
  /**
   * What the policy achieved in the target's unit: kept % of the traces attributed to it
   * (sampling_percentage), kept spans/s (spans_per_second), kept traces/s per root service
   * (traces_per_second_per_key: the adaptive key when key_fields is [service.name]); null
   * when there is no target or it cannot be measured here (bytes). Rates are over the
   * buckets in which the policy decided anything (`activeSeconds`), not idle time.
   */
  actual: number | null;
  /** Root services the policy decided for. */
  services: number;
  activeSeconds: number;
}

export interface ServiceStats extends Counts {
  readonly service: string;
  /** Traces kept, by the policy that kept them. */
  keptBy: Record<string, number>;
}

export interface SamplingStats {
  readonly from: number;
  readonly to: number;
  readonly stepMs: StepMs;
  readonly totals: Counts;
  readonly policies: PolicyStats[];
  readonly services: ServiceStats[];
  readonly reasons: (Counts & { readonly reason: string })[];
  /** Per bucket and policy: the same as `policies`, over one bucket. */
  readonly series: (PolicyStats & { readonly time: number })[];
}

const zero = (): Counts => ({ traces: 0, tracesKept: 0, tracesDropped: 0, spans: 0, spansKept: 0, spansDropped: 0 });

function add(c: Counts, r: DecisionBucketRow): void {
  c.traces += r.traces;
  c.tracesKept += r.tracesKept;
  c.tracesDropped += r.traces - r.tracesKept;
  c.spans += r.spans;
  c.spansKept += r.spansKept;
  c.spansDropped += r.spans - r.spansKept;
}

function group<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) m.set(k, (v = make()));
  return v;
}

/** Policy rows; rows come in time order, so the last target seen is the newest. */
function policyStats(rows: readonly DecisionBucketRow[], stepMs: number): PolicyStats[] {
  const by = new Map<string, PolicyStats & { serviceSet: Set<string>; bucketSet: Set<number> }>();
  for (const r of rows) {
    const p = group(by, r.policy, () => ({ policy: r.policy, ...zero(), targetKind: '', target: null, actual: null, services: 0, activeSeconds: 0, serviceSet: new Set<string>(), bucketSet: new Set<number>() }));
    add(p, r);
    p.serviceSet.add(r.service);
    p.bucketSet.add(r.t);
    p.targetKind = r.targetKind;
    p.target = r.targetKind === '' ? null : r.target;
  }
  return [...by.values()].map(({ serviceSet, bucketSet, ...p }) => {
    const services = serviceSet.size;
    const activeSeconds = (bucketSet.size * stepMs) / 1000;
    return { ...p, services, activeSeconds, actual: actualOf(p, activeSeconds, services) };
  });
}

function actualOf(p: Counts & { targetKind: string }, seconds: number, services: number): number | null {
  switch (p.targetKind) {
    case 'sampling_percentage':
      return p.traces === 0 ? null : (100 * p.tracesKept) / p.traces;
    case 'spans_per_second':
      return p.spansKept / seconds;
    case 'traces_per_second_per_key':
      return services === 0 ? null : p.tracesKept / seconds / services;
    default:
      return null;
  }
}

/** Shapes bucket rows into totals per policy, service and reason, and a per-policy series. */
export function summarizeSamplingStats(rows: readonly DecisionBucketRow[], q: { fromMs: number; toMs: number; stepMs: StepMs }): SamplingStats {
  const totals = zero();
  const services = new Map<string, ServiceStats>();
  const reasons = new Map<string, Counts & { reason: string }>();
  const buckets = new Map<number, DecisionBucketRow[]>();
  for (const r of rows) {
    add(totals, r);
    const s = group(services, r.service, () => ({ service: r.service, ...zero(), keptBy: {} as Record<string, number> }));
    add(s, r);
    if (r.tracesKept > 0) s.keptBy[r.policy] = (s.keptBy[r.policy] ?? 0) + r.tracesKept;
    add(group(reasons, r.reason, () => ({ reason: r.reason, ...zero() })), r);
    group(buckets, r.t, () => []).push(r);
  }
  const series = [...buckets].flatMap(([time, rs]) => policyStats(rs, q.stepMs).map((p) => ({ time, ...p })));
  return {
    from: q.fromMs,
    to: q.toMs,
    stepMs: q.stepMs,
    totals,
    policies: policyStats(rows, q.stepMs),
    services: [...services.values()],
    reasons: [...reasons.values()],
    series,
  };
}
