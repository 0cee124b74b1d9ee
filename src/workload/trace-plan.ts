/**
 * Plans one trace: walks the model's call graph from an entry point, deciding which
 * optional calls happen, how often, where a failure starts and how far it propagates, and
 * which call is slow. The ground-truth edges are counted here, from the calls made —
 * not from the spans — so edge derivation can be checked against something independent.
 */
import type { Call, EntryPoint, ModelIndex, Operation } from './app-model.ts';
import type { Rng } from './random.ts';
import { newTraceFacts, type TraceFacts } from './trace-facts.ts';

export type NodeType = 'server' | 'consumer' | 'client' | 'db' | 'peer' | 'producer';
export type EdgeType = 'http' | 'rpc' | 'messaging' | 'database';

export interface PlanNode {
  readonly type: NodeType;
  /** The service that emits this span. */
  readonly service: string;
  /** server / consumer: the operation run; client: the callee's operation. */
  readonly op: Operation | undefined;
  /** client / db / peer / producer: the call made. */
  readonly call: Call | undefined;
  readonly parent: PlanNode | undefined;
  readonly children: PlanNode[];
  /** Siblings with the same group number run concurrently. */
  readonly group: number;
  readonly spanId: string;
  error: boolean;
  errorOrigin: boolean;
  /** Extra latency (ns) of a slow path taken here. */
  slowNs: number;
  startNs: number;
  endNs: number;
}

export interface TracePlan {
  readonly traceId: string;
  readonly root: PlanNode;
  readonly facts: TraceFacts;
  readonly nodes: readonly PlanNode[];
  /** `parent|child|connectionType` → calls made in this trace. */
  readonly edges: Map<string, number>;
  readonly slow: boolean;
}

export interface PlanRates {
  readonly errorRate: number;
  readonly slowRate: number;
}

const MAX_DEPTH = 24;

/** Builds the structure of one trace (timing is left to `timing.ts`). */
export function planTrace(index: ModelIndex, entry: EntryPoint, rates: PlanRates, rng: Rng): TracePlan {
  const traceId = rng.hexId(16);
  const facts = newTraceFacts(rng);
  const nodes: PlanNode[] = [];
  const edges = new Map<string, number>();
  const addEdge = (parent: string, child: string, type: EdgeType): void => {
    const k = `${parent}|${child}|${type}`;
    edges.set(k, (edges.get(k) ?? 0) + 1);
  };
  const node = (type: NodeType, service: string, op: Operation | undefined, call: Call | undefined, parent: PlanNode | undefined, group: number): PlanNode => {
    const n: PlanNode = { type, service, op, call, parent, children: [], group, spanId: rng.hexId(8), error: false, errorOrigin: false, slowNs: 0, startNs: 0, endNs: 0 };
    parent?.children.push(n);
    nodes.push(n);
    return n;
  };

  const expand = (host: PlanNode, op: Operation, depth: number): void => {
    if (depth > MAX_DEPTH) throw new Error(`call graph deeper than ${MAX_DEPTH} at ${host.service}: is there a cycle?`);
    let group = 0;
    let prevParallel = false;
    for (const call of op.calls) {
      if (call.p !== undefined && !rng.chance(call.p)) continue;
      const times = call.repeat === undefined ? 1 : call.repeat === 'cartSize' ? facts.cartSize : rng.int(call.repeat[0], call.repeat[1]);
      const parallel = call.parallel === true;
      if (!(parallel && prevParallel)) group++;
      prevParallel = parallel;
      for (let i = 0; i < times; i++) {
        if (i > 0 && !parallel) group++;
        makeCall(host, call, group, depth);
      }
    }
  };

  const makeCall = (host: PlanNode, call: Call, group: number, depth: number): void => {
    switch (call.kind) {
      case 'service': {
        const callee = index.operation(call.service, call.operation);
        const client = node('client', host.service, callee, call, host, group);
        const server = node('server', call.service, callee, undefined, client, 0);
        addEdge(host.service, call.service, callee.endpoint.protocol === 'grpc' ? 'rpc' : 'http');
        expand(server, callee, depth + 1);
        return;
      }
      case 'db':
        node('db', host.service, undefined, call, host, group);
        addEdge(host.service, `${call.system}:${call.db}`, 'database');
        return;
      case 'peer':
        node('peer', host.service, undefined, call, host, group);
        addEdge(host.service, call.peerService, 'http');
        return;
      case 'produce': {
        const producer = node('producer', host.service, undefined, call, host, group);
        for (const c of call.consumers) {
          const consumerOp = index.operation(c.service, c.operation);
          const consumer = node('consumer', c.service, consumerOp, undefined, producer, 0);
          addEdge(host.service, c.service, 'messaging');
          expand(consumer, consumerOp, depth + 1);
        }
        return;
      }
    }
  };

  const rootOp = index.operation(entry.service, entry.operation);
  const root = node('server', entry.service, rootOp, undefined, undefined, 0);
  expand(root, rootOp, 0);

  if (rng.chance(rates.errorRate)) failAt(rng.pick(nodes.filter(isFailureCandidate)));
  let slow = false;
  if (rng.chance(rates.slowRate)) {
    const candidates = nodes.filter(isSlowCandidate);
    if (candidates.length > 0) {
      rng.pick(candidates).slowNs = rng.range(1000, 5000) * 1e6;
      slow = true;
    }
  }
  return { traceId, root, facts, nodes, edges, slow };
}

function isFailureCandidate(n: PlanNode): boolean {
  return n.type === 'server' || n.type === 'consumer' || n.type === 'db' || n.type === 'peer';
}

/** Only work on the synchronous path of the root request, so a slow trace is a slow root. */
function isSlowCandidate(n: PlanNode): boolean {
  const eligible = n.type === 'db' || n.type === 'peer' || (n.type === 'server' && n.op?.slowCandidate === true);
  if (!eligible) return false;
  for (let p: PlanNode | undefined = n; p; p = p.parent) if (p.type === 'consumer') return false;
  return true;
}

/**
 * Marks where a failure starts and propagates it the way real services do: a failing
 * server fails its caller's CLIENT span; a failed call fails the calling operation unless
 * the caller degrades gracefully; asynchronous consumers never fail the producer.
 */
export function failAt(origin: PlanNode): void {
  origin.error = true;
  origin.errorOrigin = true;
  let n = origin;
  while (n.parent) {
    const p = n.parent;
    if (n.type === 'consumer') return;
    if (n.type === 'server' && p.type === 'client') {
      p.error = true;
      n = p;
      continue;
    }
    if (n.call?.swallowErrors === true) return;
    p.error = true;
    n = p;
  }
}
