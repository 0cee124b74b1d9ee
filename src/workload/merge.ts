/**
 * K-way merge of per-trace delivery streams into one arrival-ordered stream. Each trace is
 * a cursor over its own sorted deliveries; only traces still in flight are held, which is
 * what lets a million-trace workload stream in bounded memory.
 */
import type { SpanDelivery } from './delivery.ts';

/** A sorted stream of one trace's deliveries. `order` breaks arrival ties deterministically. */
export interface DeliveryCursor {
  readonly order: number;
  /** The next delivery, or undefined when exhausted. */
  head(): SpanDelivery | undefined;
  advance(): void;
}

/** Cursor over an already scheduled array; releases each delivery once it is consumed. */
export class ArrayCursor implements DeliveryCursor {
  private i = 0;
  constructor(readonly order: number, private readonly items: (SpanDelivery | undefined)[]) {}
  head(): SpanDelivery | undefined {
    return this.items[this.i];
  }
  advance(): void {
    this.items[this.i++] = undefined;
  }
}

function before(a: DeliveryCursor, b: DeliveryCursor): boolean {
  const x = a.head();
  const y = b.head();
  if (!x || !y) return x !== undefined;
  return x.arrivalMs < y.arrivalMs || (x.arrivalMs === y.arrivalMs && a.order < b.order);
}

/** Min-heap of cursors by (head arrival, order). */
export class DeliveryMerger {
  private readonly heap: DeliveryCursor[] = [];

  get size(): number {
    return this.heap.length;
  }

  add(c: DeliveryCursor): void {
    if (!c.head()) return;
    this.heap.push(c);
    this.up(this.heap.length - 1);
  }

  /** Arrival of the earliest pending delivery, or +Infinity. */
  peekArrival(): number {
    return this.heap[0]?.head()?.arrivalMs ?? Number.POSITIVE_INFINITY;
  }

  /** Removes and returns the earliest pending delivery. */
  pop(): SpanDelivery | undefined {
    const top = this.heap[0];
    const d = top?.head();
    if (!top || !d) return undefined;
    top.advance();
    if (top.head()) this.down(0);
    else {
      const last = this.heap.pop() as DeliveryCursor;
      if (this.heap.length > 0) {
        this.heap[0] = last;
        this.down(0);
      }
    }
    return d;
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i] as DeliveryCursor, h[p] as DeliveryCursor)) return;
      [h[i], h[p]] = [h[p] as DeliveryCursor, h[i] as DeliveryCursor];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l] as DeliveryCursor, h[m] as DeliveryCursor)) m = l;
      if (r < h.length && before(h[r] as DeliveryCursor, h[m] as DeliveryCursor)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m] as DeliveryCursor, h[i] as DeliveryCursor];
      i = m;
    }
  }
}
