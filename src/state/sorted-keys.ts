const CHUNK = 512;

/**
 * A sorted set of strings in chunks of at most 512 (a flat B-tree): insert costs a binary
 * search and a short splice, and a range is found without touching the rest. It keeps the
 * write cache's range and prefix scans proportional to what they return, not to the cache.
 */
export class SortedKeys {
  private chunks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds `key` unless present. */
  add(key: string): void {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.count = 1;
      return;
    }
    const ci = this.chunkFor(key);
    const chunk = this.chunks[ci] as string[];
    const i = lowerBound(chunk, key);
    if (chunk[i] === key) return;
    chunk.splice(i, 0, key);
    this.count++;
    if (chunk.length > CHUNK) this.chunks.splice(ci, 1, chunk.slice(0, CHUNK / 2), chunk.slice(CHUNK / 2));
  }

  /** Removes `key` if present. */
  delete(key: string): void {
    if (this.chunks.length === 0) return;
    const ci = this.chunkFor(key);
    const chunk = this.chunks[ci] as string[];
    const i = lowerBound(chunk, key);
    if (chunk[i] !== key) return;
    chunk.splice(i, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(ci, 1);
  }

  clear(): void {
    this.chunks = [];
    this.count = 0;
  }

  /** Keys in [lo, hi) in order (hi undefined = to the end). */
  *range(lo: string, hi?: string): Generator<string> {
    if (this.chunks.length === 0) return;
    const first = this.chunkFor(lo);
    for (let ci = first; ci < this.chunks.length; ci++) {
      const chunk = this.chunks[ci] as string[];
      for (let i = ci === first ? lowerBound(chunk, lo) : 0; i < chunk.length; i++) {
        const k = chunk[i] as string;
        if (hi !== undefined && k >= hi) return;
        yield k;
      }
    }
  }

  /** Index of the chunk whose range holds `key` (the last chunk whose first key ≤ key). */
  private chunkFor(key: string): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (((this.chunks[mid] as string[])[0] as string) <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

function lowerBound(arr: readonly string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((arr[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
