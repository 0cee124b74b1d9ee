/**
 * One very large trace: a batch job that fans out to N-1 child spans (one `index-product`
 * span per item, every tenth a database read). Its spans are generated lazily, in arrival
 * order, so a 100 000-span trace costs no more memory than its in-flight batch.
 */
import { SpanKind, StatusCode, type Span } from '../model/span.ts';
import { kvInt, kvString } from './attributes.ts';
import type { DeliveryCursor } from './merge.ts';
import type { SpanDelivery } from './delivery.ts';
import { exportTick } from './delivery.ts';
import { edgeKey, type TraceTruth } from './ground-truth.ts';
import type { Rng } from './random.ts';
import type { TelemetrySources } from './resources.ts';
import { BATCH_JOB } from './shop.ts';
import { msToNs } from './time.ts';

const GAP_NS = 40_000;
const MAX_CHILD_NS = 400_000;
const PRE_NS = 3_000_000;
const POST_NS = 2_000_000;
const DB_EVERY = 10;

export interface HugeTrace {
  readonly cursor: DeliveryCursor;
  readonly truth: TraceTruth;
  readonly edges: ReadonlyMap<string, number>;
}

export interface HugeTraceParams {
  readonly spans: number;
  readonly startMs: number;
  readonly order: number;
  readonly outOfOrder: boolean;
  readonly exportIntervalMs: number;
  readonly phaseMs: number;
}

/** Builds the huge trace's ground truth up front and a cursor that makes its spans on demand. */
export function hugeTrace(p: HugeTraceParams, sources: TelemetrySources, rng: Rng): HugeTrace {
  if (!Number.isInteger(p.spans) || p.spans < 1) throw new RangeError(`hugeTrace.spans must be a positive integer, got ${p.spans}`);
  const traceId = rng.hexId(16);
  const rootId = rng.hexId(8);
  const children = p.spans - 1;
  const rootEndNs = PRE_NS + Math.max(0, children - 1) * GAP_NS + (children > 0 ? MAX_CHILD_NS : 0) + POST_NS;
  const baseNs = msToNs(p.startMs);
  const resource = rng.pick(sources.pods(BATCH_JOB.service));
  const appScope = sources.scope(BATCH_JOB.service, 'app');
  const dbScope = sources.scope(BATCH_JOB.service, 'postgresql');
  const dbCalls = Math.floor(children / DB_EVERY);
  const truth: TraceTruth = {
    traceId,
    spanCount: p.spans,
    hasError: false,
    durationNanos: BigInt(Math.round(rootEndNs)),
    rootService: BATCH_JOB.service,
    rootOperation: BATCH_JOB.operation,
    startMs: p.startMs,
    slow: false,
  };
  const edges = new Map<string, number>();
  if (dbCalls > 0) edges.set(edgeKey(BATCH_JOB.service, `postgresql:${BATCH_JOB.db}`, 'database'), dbCalls);

  const base = (spanId: string, parentSpanId: string, name: string, kind: Span['kind'], startNs: number, endNs: number, attributes: Span['attributes'], db: boolean): Span => ({
    traceId, spanId, parentSpanId, traceState: '', flags: 1, name, kind,
    startTimeUnixNano: baseNs + BigInt(Math.round(startNs)),
    endTimeUnixNano: baseNs + BigInt(Math.round(endNs)),
    status: { code: StatusCode.UNSET, message: '' },
    attributes, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0,
    resource, scope: db ? dbScope : appScope,
  });
  const rootSpan = (): Span => base(rootId, '', BATCH_JOB.operation, SpanKind.INTERNAL, 0, rootEndNs, [kvString('app.job.name', 'reindex-catalog'), kvInt('app.job.items', children)], false);
  const child = (i: number): Span => {
    const start = PRE_NS + i * GAP_NS;
    const end = start + rng.range(0.1, 1) * MAX_CHILD_NS;
    if (i % DB_EVERY === DB_EVERY - 1) {
      return base(rng.hexId(8), rootId, 'SELECT products', SpanKind.CLIENT, start, end, [
        kvString('db.system', 'postgresql'), kvString('db.name', BATCH_JOB.db), kvString('db.namespace', BATCH_JOB.db),
        kvString('db.operation.name', 'SELECT'), kvString('db.statement', 'SELECT * FROM products WHERE id > $1 LIMIT 100'),
        kvString('server.address', `postgresql-${BATCH_JOB.db}.data.svc.cluster.local`), kvInt('server.port', 5432),
      ], true);
    }
    return base(rng.hexId(8), rootId, 'index-product', SpanKind.INTERNAL, start, end, [kvInt('app.batch.index', i), kvString('app.product.id', `SKU-${10000 + (i % 90000)}`)], false);
  };
  const arrival = (endNs: bigint): number => exportTick(Number(endNs - baseNs) / 1e6 + p.startMs, p.exportIntervalMs, p.phaseMs, rng);

  // Out of order: children as they end, root last. In order: root first, all at the job's end.
  let produced = 0;
  let last = 0;
  const next = (): SpanDelivery | undefined => {
    if (produced >= p.spans) return undefined;
    const k = produced++;
    if (!p.outOfOrder) {
      if (k === 0) last = arrival(baseNs + BigInt(Math.round(rootEndNs)));
      return { span: k === 0 ? rootSpan() : child(k - 1), arrivalMs: last };
    }
    const span = k < children ? child(k) : rootSpan();
    last = Math.max(last, arrival(span.endTimeUnixNano));
    return { span, arrivalMs: last };
  };
  let current = next();
  const cursor: DeliveryCursor = {
    order: p.order,
    head: () => current,
    advance: () => {
      current = next();
    },
  };
  return { cursor, truth, edges };
}
