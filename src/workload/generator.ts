/**
 * The workload generator: seeded, realistic span traffic from the simulated shop, in the
 * order a pipeline would receive it, with the ground truth to check the pipeline against.
 *
 * Every trace is a pure function of (seed, trace index, options): its content comes from
 * its own random stream, its delivery schedule from another, and trace start times from a
 * third. So runs are reproducible, and `computeGroundTruth` can recount a workload in a
 * separate pass without materialising a single span.
 */
import { ModelIndex, type EntryPoint } from './app-model.ts';
import { scheduleTrace, type Exported, type SpanDelivery } from './delivery.ts';
import { emptyGroundTruth, recordTrace, type GroundTruth, type TraceTruth } from './ground-truth.ts';
import { hugeTrace } from './huge-trace.ts';
import { ArrayCursor, DeliveryMerger } from './merge.ts';
import { resolveOptions, type ResolvedOptions, type WorkloadOptions } from './options.ts';
import { Rng, WeightedTable } from './random.ts';
import { TelemetrySources } from './resources.ts';
import { BATCH_JOB } from './shop.ts';
import { materialise } from './span-factory.ts';
import { msToNs } from './time.ts';
import { layOut } from './timing.ts';
import { planTrace, type TracePlan } from './trace-plan.ts';

export type { SpanDelivery } from './delivery.ts';
export type { WorkloadOptions } from './options.ts';

/** Arrival-ordered deliveries (single use) and the ground truth they fill in as they go. */
export interface Workload extends Iterable<SpanDelivery> {
  readonly deliveries: Generator<SpanDelivery, void, undefined>;
  /** Complete once `deliveries` is exhausted; traces and edges are added as traces start. */
  readonly groundTruth: GroundTruth;
}

interface Setup {
  readonly o: ResolvedOptions;
  readonly index: ModelIndex;
  readonly entries: WeightedTable<EntryPoint>;
}

function setup(opts: WorkloadOptions): Setup {
  const o = resolveOptions(opts);
  const index = new ModelIndex(o.model);
  const entries = new WeightedTable(o.model.entryPoints, o.model.entryPoints.map((e) => e.weight));
  return { o, index, entries };
}

/** Trace start times: Poisson arrivals at `tracesPerSecond`, the first at `startMs`. */
function* traceStarts(o: ResolvedOptions): Generator<number> {
  const rng = Rng.derive(o.seed, 'arrivals');
  const endMs = o.durationSec === undefined ? Number.POSITIVE_INFINITY : o.startMs + o.durationSec * 1000;
  let t = o.startMs;
  for (let k = 0; o.traces === undefined || k < o.traces; k++) {
    if (t >= endMs) return;
    yield t;
    t += rng.exponential(o.tracesPerSecond) * 1000;
  }
}

interface BuiltTrace {
  readonly plan: TracePlan;
  readonly truth: TraceTruth;
  readonly rng: Rng;
}

function buildTrace(s: Setup, k: number, startMs: number): BuiltTrace {
  const rng = Rng.derive(s.o.seed, 'trace', k);
  const plan = planTrace(s.index, s.entries.pick(rng), s.o, rng);
  layOut(plan, rng);
  const truth: TraceTruth = {
    traceId: plan.traceId,
    spanCount: plan.nodes.length,
    hasError: plan.nodes.some((n) => n.error),
    durationNanos: BigInt(Math.round(plan.root.endNs)),
    rootService: plan.root.service,
    rootOperation: plan.root.op?.id ?? '',
    startMs,
    slow: plan.slow,
  };
  return { plan, truth, rng };
}

function hugeAfter(o: ResolvedOptions): number {
  return o.hugeTrace?.afterTraces ?? (o.traces === undefined ? 0 : Math.floor(o.traces / 2));
}

/** Generates a workload lazily: memory holds only traces whose deliveries are still pending. */
export function generateWorkload(opts: WorkloadOptions): Workload {
  const s = setup(opts);
  const { o } = s;
  const gt = emptyGroundTruth();
  const sources = new TelemetrySources(o.model);
  const phases = new Map(o.model.services.map((sv) => [sv.name, Rng.derive(o.seed, 'phase', sv.name).int(0, o.exportIntervalMs - 1)]));
  const phaseOf = (service: string): number => phases.get(service) ?? 0;

  function* run(): Generator<SpanDelivery, void, undefined> {
    const merger = new DeliveryMerger();
    let order = 0;
    let hugeDone = o.hugeTrace === undefined;
    let lastStart = o.startMs;
    const addHuge = (startMs: number): void => {
      if (!o.hugeTrace) return;
      const h = hugeTrace(
        { spans: o.hugeTrace.spans, startMs, order: order++, outOfOrder: o.outOfOrder, exportIntervalMs: o.exportIntervalMs, phaseMs: phaseOf(BATCH_JOB.service) },
        sources,
        Rng.derive(o.seed, 'huge'),
      );
      recordTrace(gt, h.truth, h.edges, o.keepTraceTruth);
      merger.add(h.cursor);
      hugeDone = true;
    };
    const emit = (d: SpanDelivery): SpanDelivery => {
      if (d.late) gt.lateDeliveries++;
      if (d.duplicate) gt.duplicateDeliveries++;
      return d;
    };

    let k = 0;
    for (const startMs of traceStarts(o)) {
      // Everything already scheduled before this start can go: later traces arrive later.
      while (merger.peekArrival() < startMs) yield emit(merger.pop() as SpanDelivery);
      if (!hugeDone && k === hugeAfter(o)) addHuge(startMs);
      const { plan, truth, rng } = buildTrace(s, k, startMs);
      recordTrace(gt, truth, plan.edges, o.keepTraceTruth);
      const m = materialise(plan, msToNs(startMs), s.index, sources, rng);
      const exported: Exported[] = m.spans.map((span, i) => ({ span, endMs: startMs + (m.nodes[i]?.endNs ?? 0) / 1e6, phaseMs: phaseOf(m.nodes[i]?.service ?? '') }));
      merger.add(new ArrayCursor(order++, scheduleTrace(exported, o, Rng.derive(o.seed, 'delivery', k))));
      lastStart = startMs;
      k++;
    }
    if (!hugeDone) addHuge(lastStart);
    while (merger.size > 0) yield emit(merger.pop() as SpanDelivery);
  }

  const deliveries = run();
  return { deliveries, groundTruth: gt, [Symbol.iterator]: () => deliveries };
}

/**
 * The ground truth of the workload `opts` describes, from a separate pass that plans and
 * times traces but builds no spans — cheaper, and independent of delivery scheduling.
 * Delivery counts (late, duplicate) stay 0: they exist only in the delivered stream.
 */
export function computeGroundTruth(opts: WorkloadOptions): GroundTruth {
  const s = setup(opts);
  const { o } = s;
  const gt = emptyGroundTruth();
  const sources = new TelemetrySources(o.model);
  const addHuge = (startMs: number): void => {
    if (!o.hugeTrace) return;
    const h = hugeTrace({ spans: o.hugeTrace.spans, startMs, order: 0, outOfOrder: o.outOfOrder, exportIntervalMs: o.exportIntervalMs, phaseMs: 0 }, sources, Rng.derive(o.seed, 'huge'));
    recordTrace(gt, h.truth, h.edges, o.keepTraceTruth);
  };
  let k = 0;
  let lastStart = o.startMs;
  let hugeDone = o.hugeTrace === undefined;
  for (const startMs of traceStarts(o)) {
    if (!hugeDone && k === hugeAfter(o)) {
      addHuge(startMs);
      hugeDone = true;
    }
    const { plan, truth } = buildTrace(s, k++, startMs);
    recordTrace(gt, truth, plan.edges, o.keepTraceTruth);
    lastStart = startMs;
  }
  if (!hugeDone) addHuge(lastStart);
  return gt;
}
