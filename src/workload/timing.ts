/**
 * Lays a planned trace out in time, top down: an operation spends some time itself, then
 * runs its calls group by group (a group's calls concurrently), then finishes. Latencies
 * are log-normal around the model's medians and capped, so that a request without a slow
 * path stays well under a second and "slow" means a slow path was taken.
 */
import type { PlanNode, TracePlan } from './trace-plan.ts';
import type { Rng } from './random.ts';

const MS = 1e6;

/** Log-normal latency in ns around `medianMs`, capped at `cap` × the median. */
function latency(rng: Rng, medianMs: number, sigma: number, cap: number): number {
  return Math.min(rng.lognormal(medianMs, sigma), medianMs * cap) * MS;
}

/** Sets `startNs` / `endNs` of every node (ns since the trace start); returns the last end. */
export function layOut(plan: TracePlan, rng: Rng): number {
  let lastEnd = 0;
  const place = (n: PlanNode, start: number): number => {
    const end = placeNode(n, start);
    if (end > lastEnd) lastEnd = end;
    return end;
  };

  const placeNode = (n: PlanNode, start: number): number => {
    n.startNs = start;
    switch (n.type) {
      case 'server':
      case 'consumer': {
        const self = latency(rng, n.op?.selfMs ?? 1, 0.5, 4) + n.slowNs;
        let cursor = start + self * 0.6;
        let i = 0;
        const kids = n.children;
        while (i < kids.length) {
          const group = (kids[i] as PlanNode).group;
          let groupEnd = cursor;
          for (; i < kids.length && (kids[i] as PlanNode).group === group; i++) {
            const jitter = rng.range(0.005, 0.08) * MS;
            const e = place(kids[i] as PlanNode, cursor + jitter);
            if (e > groupEnd) groupEnd = e;
          }
          cursor = groupEnd + rng.range(0.01, 0.1) * MS;
        }
        // Where the failure starts, the operation gives up early.
        n.endNs = cursor + self * (n.errorOrigin ? 0.1 : 0.4);
        return n.endNs;
      }
      case 'client': {
        const server = n.children[0];
        const out = rng.range(0.15, 1.2) * MS;
        const back = rng.range(0.1, 0.8) * MS;
        n.endNs = server ? place(server, start + out) + back : start + out + back;
        return n.endNs;
      }
      case 'db':
      case 'peer': {
        const call = n.call;
        const median = call && (call.kind === 'db' || call.kind === 'peer') ? call.medianMs : 1;
        n.endNs = start + latency(rng, median, n.type === 'peer' ? 0.35 : 0.6, 4) + n.slowNs;
        return n.endNs;
      }
      case 'producer': {
        n.endNs = start + rng.range(0.3, 2.5) * MS;
        // Consumers run later, on their own schedule: they never extend the producer.
        for (const c of n.children) place(c, n.endNs + rng.range(2, 120) * MS);
        return n.endNs;
      }
    }
  };

  place(plan.root, 0);
  return lastEnd;
}
