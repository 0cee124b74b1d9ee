import type { KeyValueStore } from '../../state/store.ts';
import type { ProcessorContext } from '../../streams/processor.ts';
import { DeadlineIndex } from './deadline-index.ts';
import { DecisionCache } from './decision-cache.ts';
import { entryKey, entryPrefix } from './keys.ts';
import { copyMeta, type TraceMeta } from './meta.ts';
import { encodeEntry, entrySpans } from './span-entries.ts';
import { bufferChangelogOf, type AssemblyOptions } from './options.ts';
import { openStore, STORE_SPECS } from './stores.ts';
import { TraceSources } from './trace-sources.ts';

/** A trace's buffered spans (Avro bytes, arrival order) and the entry keys holding them. */
export interface BufferedSpans {
  readonly keys: string[];
  readonly spans: Buffer[];
}

/**
 * One task's trace buffer, shared by the processors that fill it and decide from it: the
 * entries and summaries in RocksDB, the deadline index, the decision cache, and the ids
 * and bytes in flight held in memory (bounded by num_traces and the byte limit, rebuilt
 * from the summaries when the task starts).
 */
export class TraceBuffer {
  readonly inFlight = new Set<string>();
  bytesInFlight = 0;
  /**
   * Summaries of the traces written to most recently, so a trace's next record needs no
   * RocksDB read (a trip to its thread pool). Like the counters it may run ahead of the
   * last commit: a task that rolls back is reopened with a new buffer.
   */
  private readonly recent = new Map<string, TraceMeta>();

  private constructor(
    private readonly entries: KeyValueStore<string, Buffer>,
    private readonly metas: KeyValueStore<string, TraceMeta>,
    readonly deadlines: DeadlineIndex,
    readonly decisions: DecisionCache,
    /** Set when the input topics are the buffer's changelog: the in-flight traces' first offsets. */
    readonly sources: TraceSources | undefined,
  ) {}

  /** The task's buffer: made and loaded by the first processor asking, shared after. */
  static of(ctx: ProcessorContext<unknown, unknown>, opts: Pick<AssemblyOptions, 'sampling' | 'bufferChangelog'>): Promise<TraceBuffer> {
    const metas = openStore(ctx, STORE_SPECS.meta);
    let buffer = perTask.get(metas);
    if (!buffer) {
      const b = new TraceBuffer(
        openStore(ctx, STORE_SPECS.entries),
        metas,
        new DeadlineIndex(openStore(ctx, STORE_SPECS.deadlines)),
        new DecisionCache(openStore(ctx, STORE_SPECS.decisions), opts.sampling.decisionCache.maxEntries),
        bufferChangelogOf(opts) === 'source' ? new TraceSources(openStore(ctx, STORE_SPECS.sources)) : undefined,
      );
      buffer = b.load().then(() => b);
      perTask.set(metas, buffer);
    }
    return buffer;
  }

  /** Counters come from the stores, so they are right after a restore or restart. */
  private async load(): Promise<void> {
    for await (const { key, value } of this.metas.all()) {
      this.inFlight.add(key);
      this.bytesInFlight += value.bytes;
    }
    await this.decisions.load();
    await this.sources?.load();
  }

  /**
   * After a replay: a trace listed in the sources but not rebuilt (its records were gone
   * from the topic) would hold the committed offset back for ever; it is forgotten.
   */
  async forgetUnrebuilt(): Promise<number> {
    const sources = this.sources;
    if (!sources) return 0;
    const gone = [...sources.traceIds()].filter((id) => !this.inFlight.has(id));
    for (const id of gone) await sources.forget(id);
    return gone.length;
  }

  /** The summary of an in-flight trace; no RocksDB read for a trace not in flight. */
  async meta(traceId: string): Promise<TraceMeta | undefined> {
    if (!this.inFlight.has(traceId)) return undefined;
    const recent = this.recent.get(traceId);
    // A copy: a record that fails half-way must not leave its changes in the cache.
    return recent ? copyMeta(recent) : this.metas.get(traceId);
  }

  async metasOf(traceIds: readonly string[]): Promise<Array<TraceMeta | undefined>> {
    const out = traceIds.map((id) => {
      const recent = this.recent.get(id);
      return recent ? copyMeta(recent) : undefined;
    });
    const misses = traceIds.filter((_, i) => out[i] === undefined);
    if (misses.length === 0) return out;
    const read = await this.metas.getMany(misses);
    let j = 0;
    return out.map((m) => m ?? read[j++]);
  }

  async saveMeta(traceId: string, meta: TraceMeta): Promise<void> {
    this.inFlight.add(traceId);
    this.recent.delete(traceId);
    this.recent.set(traceId, meta);
    if (this.recent.size > RECENT_METAS) this.recent.delete(this.recent.keys().next().value as string);
    await this.metas.put(traceId, meta);
  }

  /** Stores one input record's new spans as one entry. */
  async append(traceId: string, meta: TraceMeta, spans: readonly Buffer[], bytes: number): Promise<void> {
    const n = meta.entries ?? 0; // undefined in an older version's summaries
    meta.entries = n + 1;
    await this.entries.put(entryKey(traceId, n), encodeEntry(spans));
    this.bytesInFlight += bytes;
  }

  /** The trace's entries by key, read in one batch (a RocksDB iterator costs more to open). */
  async spansOf(traceId: string, meta: TraceMeta): Promise<BufferedSpans> {
    if (meta.entries === undefined) return this.spansOfLenient(traceId);
    const keys = Array.from({ length: meta.entries }, (_, i) => entryKey(traceId, i));
    const spans: Buffer[] = [];
    for (const value of await this.entries.getMany(keys)) if (value !== undefined) entrySpans(value, spans);
    return { keys, spans };
  }

  /** Like spansOf, skipping entries that do not parse (for dead-lettering what is left). */
  async spansOfLenient(traceId: string): Promise<BufferedSpans> {
    const keys: string[] = [];
    const spans: Buffer[] = [];
    for await (const { key, value } of this.entries.prefixScan(entryPrefix(traceId))) {
      keys.push(key);
      try {
        spans.push(...entrySpans(value));
      } catch {
        // counted in the dead letter's span list by its absence
      }
    }
    return { keys, spans };
  }

  /** Forgets a decided trace: entries, summary, deadline entry (when still indexed), counters. */
  async remove(traceId: string, meta: TraceMeta, keys: readonly string[], indexed: boolean): Promise<void> {
    for (const k of keys) await this.entries.delete(k);
    await this.metas.delete(traceId);
    this.recent.delete(traceId);
    if (indexed) await this.deadlines.remove(meta.indexedAt, traceId);
    this.inFlight.delete(traceId);
    this.bytesInFlight -= meta.bytes;
    await this.sources?.forget(traceId);
  }
}

/** Summaries held in memory per task (a few hundred bytes each). */
const RECENT_METAS = 50_000;

/** Keyed by the task's summary store: a reopened task has new stores, so a fresh buffer. */
const perTask = new WeakMap<object, Promise<TraceBuffer>>();
