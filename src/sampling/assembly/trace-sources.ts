import type { KeyValueStore } from '../../state/store.ts';

/** Where an in-flight trace's records start: what a replay rebuilds it from. */
export interface TraceSource {
  /** Wall-clock ms of its first span's arrival (max_trace_age counts from here, across restarts). */
  readonly at: number;
  /** Offset of its first record per source topic (this task's partition). */
  readonly from: Readonly<Record<string, number>>;
}

interface Mark {
  readonly offset: number;
  readonly traceId: string;
}

/**
 * The in-flight traces' first input offsets, change-logged (one small record per trace and
 * source, one tombstone at its decision) instead of the buffered spans themselves: the
 * source topics hold those. The task commits no offset past the oldest of them, and a
 * replay rebuilds exactly the traces listed here from the records at or after their marks.
 * Per topic the marks are held in arrival order (offsets only grow), so the oldest live
 * one is found by skipping the front entries of decided traces.
 */
export class TraceSources {
  private readonly byTrace = new Map<string, TraceSource>();
  private readonly queues = new Map<string, { marks: Mark[]; head: number }>();

  constructor(private readonly store: KeyValueStore<string, TraceSource>) {}

  async load(): Promise<void> {
    const all: Array<[string, TraceSource]> = [];
    for await (const { key, value } of this.store.all()) all.push([key, value]);
    all.sort(([, a], [, b]) => a.at - b.at);
    const byTopic = new Map<string, Mark[]>();
    for (const [traceId, src] of all) {
      this.byTrace.set(traceId, src);
      for (const [topic, offset] of Object.entries(src.from)) {
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push({ offset, traceId });
      }
    }
    for (const [topic, marks] of byTopic) this.queues.set(topic, { marks: marks.sort((a, b) => a.offset - b.offset), head: 0 });
  }

  get size(): number {
    return this.byTrace.size;
  }

  get(traceId: string): TraceSource | undefined {
    return this.byTrace.get(traceId);
  }

  traceIds(): IterableIterator<string> {
    return this.byTrace.keys();
  }

  /** Notes that `traceId` has a record at `offset` of `topic`; only its first per topic is kept. */
  async note(traceId: string, topic: string, offset: number, now: number): Promise<void> {
    const seen = this.byTrace.get(traceId);
    if (seen?.from[topic] !== undefined) return;
    const src: TraceSource = { at: seen?.at ?? now, from: { ...seen?.from, [topic]: offset } };
    this.byTrace.set(traceId, src);
    let q = this.queues.get(topic);
    if (!q) this.queues.set(topic, (q = { marks: [], head: 0 }));
    q.marks.push({ offset, traceId });
    // Not listed before, so not in the store: a trace decided before the next commit logs nothing.
    if (seen) await this.store.put(traceId, src);
    else await this.store.insert(traceId, src);
  }

  /** The trace was decided (or dead-lettered): its records need not be read again. */
  async forget(traceId: string): Promise<void> {
    if (!this.byTrace.delete(traceId)) return;
    await this.store.delete(traceId);
  }

  /** The first offset of `topic` some in-flight trace still needs; undefined when none. */
  oldest(topic: string): number | undefined {
    const q = this.queues.get(topic);
    if (!q) return undefined;
    while (q.head < q.marks.length && !this.live(topic, q.marks[q.head] as Mark)) q.head++;
    // Compaction keeps the queue within a small multiple of the traces in flight.
    if (q.head > 1024 && q.head * 2 > q.marks.length) {
      q.marks = q.marks.slice(q.head);
      q.head = 0;
    } else if (q.marks.length - q.head > 2 * this.byTrace.size + 1024) {
      q.marks = q.marks.slice(q.head).filter((m) => this.live(topic, m));
      q.head = 0;
    }
    return q.marks[q.head]?.offset;
  }

  private live(topic: string, m: Mark): boolean {
    return this.byTrace.get(m.traceId)?.from[topic] === m.offset;
  }
}
