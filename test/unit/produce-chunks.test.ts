import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, messageBytes, produceChunks } from '../../src/streams/produce-chunks.ts';
import type { OutgoingRecord } from '../../src/streams/task.ts';

const record = (bytes: number): OutgoingRecord => ({ topic: 't', key: Buffer.from('k'), value: Buffer.alloc(bytes), timestamp: 0, headers: {} });

describe('produce chunks', () => {
  it('keep every request under the broker batch limit, in order, losing nothing', () => {
    // 3 000 records of 1 KB: 2.9 MB, which one request would carry as a >1 MiB batch.
    const records = Array.from({ length: 3000 }, () => record(1000));
    const chunks = [...produceChunks(records, messageBytes)];
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.flat()).toEqual(records);
    for (const c of chunks) expect(c.reduce((n, r) => n + (r.value?.length ?? 0), 0)).toBeLessThanOrEqual(CHUNK_BYTES);
  });

  it('cap small records at 2 000 per request', () => {
    const chunks = [...produceChunks(Array.from({ length: 4500 }, () => record(10)), messageBytes)];
    expect(chunks.map((c) => c.length)).toEqual([2000, 2000, 500]);
  });

  it('send a record larger than the byte bound alone', () => {
    const chunks = [...produceChunks([record(10), record(CHUNK_BYTES + 1), record(10)], messageBytes)];
    expect(chunks.map((c) => c.length)).toEqual([1, 1, 1]);
  });
});
