/**
 * Trace ids in the order their cached decisions expire, oldest first, in memory: the
 * decisions' own `expiresAtMs` is the truth (rebuilt from them at start), so the order
 * needs no store and no changelog. Decisions are mostly added in expiry order (decided now,
 * expiring a fixed TTL later): adding is an append, an out-of-order one a binary insert.
 */
export class ExpiryOrder {
  private at: number[] = [];
  private ids: string[] = [];
  private head = 0;

  get size(): number {
    return this.at.length - this.head;
  }

  add(expiresAtMs: number, traceId: string): void {
    const n = this.at.length;
    if (n === this.head || (this.at[n - 1] as number) <= expiresAtMs) {
      this.at.push(expiresAtMs);
      this.ids.push(traceId);
      return;
    }
    let lo = this.head;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.at[mid] as number) <= expiresAtMs) lo = mid + 1;
      else hi = mid;
    }
    this.at.splice(lo, 0, expiresAtMs);
    this.ids.splice(lo, 0, traceId);
  }

  /** Removes and returns the ids expiring at or before `nowMs` (Infinity: any), at most `max`, oldest first. */
  takeDue(nowMs: number, max = Infinity): string[] {
    const out: string[] = [];
    while (this.head < this.at.length && out.length < max && (this.at[this.head] as number) <= nowMs) out.push(this.ids[this.head++] as string);
    // Taken entries are cut off once they are half the arrays.
    if (this.head > 1024 && this.head * 2 > this.at.length) {
      this.at = this.at.slice(this.head);
      this.ids = this.ids.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}
