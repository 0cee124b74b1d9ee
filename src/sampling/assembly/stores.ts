import { bufferSerde, plainJsonSerde, stringSerde } from '../../serde/serde.ts';
import { storeSpec, type KeyValueStore, type StoreSpec } from '../../state/store.ts';
import type { ProcessorContext } from '../../streams/processor.ts';
import type { CachedDecision } from './decision-cache.ts';
import type { BufferChangelog } from './options.ts';
import type { TraceSource } from './trace-sources.ts';
import { traceMetaSerde } from './meta-serde.ts';
import { windowRowSerde } from './window-store.ts';

/** The stores of trace assembly, declared once: the processors that share one pass the same spec. */
export const STORE_SPECS = {
  /** `traceId|<entry no>` → the spans one input record added to the trace (span-entries.ts). */
  entries: storeSpec('trace-entries', stringSerde, bufferSerde),
  meta: storeSpec('trace-meta', stringSerde, traceMetaSerde),
  deadlines: storeSpec('trace-deadlines', stringSerde, stringSerde),
  decisions: storeSpec('trace-decisions', stringSerde, plainJsonSerde<CachedDecision>()),
  windows: storeSpec('edge-metric-windows', stringSerde, windowRowSerde),
  /** Source as changelog: the in-flight traces' first input offsets (trace-sources.ts). */
  sources: storeSpec('trace-sources', stringSerde, plainJsonSerde<TraceSource>()),
} as const;

const MiB = 1024 * 1024;

/**
 * The buffer's stores when the input topics are their changelog: rebuilt by replay, never
 * logged. A trace usually leaves within seconds, so its entries stay in memory (per task, up
 * to these budgets) rather than being written to RocksDB, read back and deleted there.
 */
const REPLAYED_SPECS = {
  entries: storeSpec('trace-entries', stringSerde, bufferSerde, { changelog: false, residentBytes: 8 * MiB }),
  meta: storeSpec('trace-meta', stringSerde, traceMetaSerde, { changelog: false, residentBytes: 4 * MiB }),
  deadlines: storeSpec('trace-deadlines', stringSerde, stringSerde, { changelog: false, residentBytes: 2 * MiB }),
} as const;

const BUFFER_STORES: Record<BufferChangelog, readonly StoreSpec[]> = {
  store: [STORE_SPECS.entries, STORE_SPECS.meta, STORE_SPECS.deadlines, STORE_SPECS.decisions],
  source: [REPLAYED_SPECS.entries, REPLAYED_SPECS.meta, REPLAYED_SPECS.deadlines, STORE_SPECS.decisions, STORE_SPECS.sources],
};

/** The stores the processors sharing a task's TraceBuffer declare (the same spec objects for each). */
export function bufferStores(changelog: BufferChangelog): readonly StoreSpec[] {
  return BUFFER_STORES[changelog];
}

export const STORES = {
  entries: STORE_SPECS.entries.name,
  meta: STORE_SPECS.meta.name,
  deadlines: STORE_SPECS.deadlines.name,
  decisions: STORE_SPECS.decisions.name,
  windows: STORE_SPECS.windows.name,
  sources: STORE_SPECS.sources.name,
} as const;

/** The task's store for `spec`, typed by the spec (the one place the context's lookup is narrowed). */
export function openStore<K, V>(ctx: ProcessorContext<unknown, unknown>, spec: StoreSpec<K, V>): KeyValueStore<K, V> {
  return ctx.getStateStore<KeyValueStore<K, V>>(spec.name);
}
