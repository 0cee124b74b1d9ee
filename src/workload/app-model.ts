/**
 * The shape of a simulated application: services, their operations and what each
 * operation calls. The model is plain data (see `shop.ts` for the e-commerce instance), so
 * tests and the ground truth can reason about the call graph without running anything.
 */

export type DbSystem = 'postgresql' | 'redis' | 'mongodb';
export type Language = 'nodejs' | 'go' | 'java' | 'python' | 'dotnet' | 'ruby' | 'rust';

/**
 * Per-trace business facts an operation records as span attributes (`app.*`), so the
 * same user / cart / order shows up consistently on every span of one trace.
 */
export type TraceTag = 'user' | 'session' | 'cart' | 'order' | 'flags' | 'product' | 'search';

export type Endpoint =
  | { readonly protocol: 'http'; readonly method: string; readonly route: string }
  | { readonly protocol: 'grpc'; readonly rpcService: string; readonly rpcMethod: string }
  /** Entered from a message (CONSUMER span) or a scheduler (INTERNAL root). */
  | { readonly protocol: 'messaging'; readonly topic: string }
  | { readonly protocol: 'internal' };

interface CallCommon {
  /** Probability the call happens at all (cache hits, optional features); default 1. */
  readonly p?: number;
  /** How many times: a fixed range, or once per item in the trace's cart. Default once. */
  readonly repeat?: readonly [number, number] | 'cartSize';
  /** Repeats and consecutive parallel calls run concurrently (fan-out). */
  readonly parallel?: boolean;
  /** The caller degrades gracefully: a failure here does not fail the caller. */
  readonly swallowErrors?: boolean;
}

/** An instrumented call: CLIENT span in the caller, SERVER span in the callee. */
export interface ServiceCall extends CallCommon {
  readonly kind: 'service';
  readonly service: string;
  readonly operation: string;
}

/** A database call: CLIENT span only, the database is not instrumented. */
export interface DbCall extends CallCommon {
  readonly kind: 'db';
  readonly system: DbSystem;
  readonly db: string;
  /** `db.operation.name`, e.g. SELECT, HGETALL, find. */
  readonly operation: string;
  /** Table or collection, part of the span name. */
  readonly target: string;
  readonly statement: string;
  readonly medianMs: number;
}

/** A call to a third party we cannot instrument (`peer.service`), CLIENT span only. */
export interface PeerCall extends CallCommon {
  readonly kind: 'peer';
  readonly peerService: string;
  readonly address: string;
  readonly method: string;
  readonly path: string;
  readonly medianMs: number;
}

/**
 * Publishes one message. Each consumer's CONSUMER span is a child of the PRODUCER span and
 * also carries a span link to it (both ways of expressing the relation, so either kind of
 * edge derivation sees it), in the same trace.
 */
export interface ProduceCall extends CallCommon {
  readonly kind: 'produce';
  readonly topic: string;
  readonly consumers: readonly { readonly service: string; readonly operation: string }[];
}

export type Call = ServiceCall | DbCall | PeerCall | ProduceCall;

export interface Operation {
  /** Unique within its service; calls refer to it. */
  readonly id: string;
  readonly endpoint: Endpoint;
  /** Median time spent in the operation itself, excluding downstream calls. */
  readonly selfMs: number;
  readonly tags?: readonly TraceTag[];
  readonly calls: readonly Call[];
  /** May take a slow path (1–5 s): lock contention, cold cache, GC pause. */
  readonly slowCandidate?: boolean;
}

export interface Service {
  readonly name: string;
  readonly version: string;
  readonly language: Language;
  /** Number of pods; each has its own host / pod name resource. */
  readonly instances: number;
  readonly operations: readonly Operation[];
}

/** Where traces start, and how often relative to each other. */
export interface EntryPoint {
  readonly service: string;
  readonly operation: string;
  readonly weight: number;
}

export interface AppModel {
  readonly name: string;
  readonly environment: string;
  readonly services: readonly Service[];
  readonly entryPoints: readonly EntryPoint[];
}

/** O(1) lookups over a model; building it validates every reference. */
export class ModelIndex {
  private readonly services = new Map<string, Service>();
  private readonly operations = new Map<string, Operation>();

  constructor(readonly model: AppModel) {
    for (const s of model.services) {
      if (this.services.has(s.name)) throw new Error(`duplicate service ${s.name}`);
      this.services.set(s.name, s);
      for (const op of s.operations) {
        const key = `${s.name}/${op.id}`;
        if (this.operations.has(key)) throw new Error(`duplicate operation ${key}`);
        this.operations.set(key, op);
      }
    }
    for (const s of model.services) {
      for (const op of s.operations) for (const c of op.calls) this.checkCall(`${s.name}/${op.id}`, c);
    }
    for (const e of model.entryPoints) this.operation(e.service, e.operation);
  }

  service(name: string): Service {
    const s = this.services.get(name);
    if (!s) throw new Error(`unknown service ${name}`);
    return s;
  }

  operation(service: string, id: string): Operation {
    const op = this.operations.get(`${service}/${id}`);
    if (!op) throw new Error(`unknown operation ${service}/${id}`);
    return op;
  }

  private checkCall(from: string, c: Call): void {
    if (c.kind === 'service') {
      const op = this.operation(c.service, c.operation);
      if (op.endpoint.protocol !== 'http' && op.endpoint.protocol !== 'grpc') {
        throw new Error(`${from} calls ${c.service}/${c.operation}, which is not an http or grpc endpoint`);
      }
    } else if (c.kind === 'produce') {
      for (const k of c.consumers) {
        if (this.operation(k.service, k.operation).endpoint.protocol !== 'messaging') {
          throw new Error(`${from} publishes to ${k.service}/${k.operation}, which is not a consumer`);
        }
      }
    }
  }
}
