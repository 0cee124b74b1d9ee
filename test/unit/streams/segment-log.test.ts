import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileBroker } from '../../../src/streams/log/file-broker.ts';
import { SegmentLog } from '../../../src/streams/log/segment-log.ts';
import type { RawRecord } from '../../../src/streams/record.ts';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'segment-log-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const rec = (i: number, headers: Record<string, Buffer> = {}): RawRecord => ({
  key: i % 3 === 0 ? null : Buffer.from(`k${i}`),
  value: Buffer.from(`value-${i}-${'x'.repeat(i % 50)}`),
  timestamp: 1_700_000_000_000 + i,
  headers,
});
const values = (rows: { record: RawRecord }[]): string[] => rows.map((r) => r.record.value?.toString() ?? '');
const segmentFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.log')).sort();

describe('SegmentLog', () => {
  it('appends, hides records until they are synced, then reads them back from any offset', async () => {
    const log = SegmentLog.open(tempDir());
    for (let i = 0; i < 10; i++) expect(log.append(rec(i, { 'content-type': Buffer.from('x') }))).toBe(i);
    expect(log.read(0)).toEqual([]); // not yet durable: not readable
    await log.sync();
    expect(log.syncedOffset()).toBe(10);
    const rows = log.read(4, 3);
    expect(rows.map((r) => r.offset)).toEqual([4, 5, 6]);
    expect(rows[0]?.record).toEqual(rec(4, { 'content-type': Buffer.from('x') }));
    expect(log.read(0)[0]?.record.key).toBeNull();
    log.close();
  });

  it('shares one flush among concurrent syncs (group commit) and covers every append made before each call', async () => {
    const log = SegmentLog.open(tempDir());
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      log.append(rec(i));
      waits.push(log.sync());
    }
    await Promise.all(waits);
    expect(log.syncedOffset()).toBe(50);
    expect(log.read(0)).toHaveLength(50);
    log.close();
  });

  it('comes back after a restart with every synced record and the same offsets', async () => {
    const dir = tempDir();
    const log = SegmentLog.open(dir, { segmentBytes: 200 });
    for (let i = 0; i < 40; i++) log.append(rec(i));
    await log.sync();
    log.close();
    const again = SegmentLog.open(dir, { segmentBytes: 200 });
    expect(again.endOffset()).toBe(40);
    expect(values(again.read(0))).toEqual(Array.from({ length: 40 }, (_, i) => rec(i).value?.toString()));
    expect(again.append(rec(40))).toBe(40);
    again.close();
  });

  it('cuts off a record torn by a crash mid-write and appends after the last whole one', async () => {
    const dir = tempDir();
    const log = SegmentLog.open(dir);
    for (let i = 0; i < 5; i++) log.append(rec(i));
    await log.sync();
    log.close();
    const file = join(dir, segmentFiles(dir)[0] as string);
    const whole = statSync(file).size;
    appendFileSync(file, Buffer.from([40, 0, 0, 0, 1, 2, 3])); // a frame header and a few bytes of payload
    const torn = SegmentLog.open(dir);
    expect(torn.endOffset()).toBe(5);
    expect(statSync(file).size).toBe(whole);
    expect(torn.append(rec(5))).toBe(5);
    await torn.sync();
    expect(values(torn.read(0))).toEqual(Array.from({ length: 6 }, (_, i) => rec(i).value?.toString()));
    torn.close();
    truncateSync(file, whole - 3); // record 4 torn: 5 is gone with it
    const shorter = SegmentLog.open(dir);
    expect(shorter.endOffset()).toBe(4);
    shorter.close();
  });

  it('rolls segments and deletes only those every reader has passed, never the active one', async () => {
    const dir = tempDir();
    const log = SegmentLog.open(dir, { segmentBytes: 100 });
    for (let i = 0; i < 30; i++) log.append(rec(i));
    await log.sync();
    const before = segmentFiles(dir).length;
    expect(before).toBeGreaterThan(3);
    const bytes = log.sizeBytes();
    log.deleteBefore(12);
    expect(log.startOffset()).toBeLessThanOrEqual(12);
    expect(log.startOffset()).toBeGreaterThan(0);
    expect(segmentFiles(dir).length).toBeLessThan(before);
    expect(log.sizeBytes()).toBeLessThan(bytes);
    expect(log.read(12)[0]?.offset).toBe(12);
    log.deleteBefore(1_000);
    expect(segmentFiles(dir)).toHaveLength(1);
    expect(log.endOffset()).toBe(30);
    const start = log.startOffset();
    log.close();
    const reopened = SegmentLog.open(dir, { segmentBytes: 100 });
    expect([reopened.startOffset(), reopened.endOffset()]).toEqual([start, 30]);
    reopened.close();
  });

  it('truncates to an offset across segments (an aborted commit)', async () => {
    const dir = tempDir();
    const log = SegmentLog.open(dir, { segmentBytes: 100 });
    for (let i = 0; i < 20; i++) log.append(rec(i));
    await log.sync();
    log.truncateTo(7);
    expect(log.endOffset()).toBe(7);
    expect(log.append(rec(99))).toBe(7);
    await log.sync();
    expect(values(log.read(6))).toEqual([rec(6).value?.toString(), rec(99).value?.toString()]);
    log.close();
  });
});

describe('FileBroker', () => {
  it('keeps committed offsets and outputs across a restart and drops outputs of an interrupted commit', async () => {
    const dir = tempDir();
    const broker = new FileBroker({ dir, external: ['in'] });
    const base = broker.startOffset('in', 0);
    broker.append('in', rec(0));
    broker.append('in', rec(1));
    await broker.sync('in');
    broker.append('out', rec(10));
    await broker.commitOffsets('app', new Map([['in/0', base + 1]]));
    broker.append('out', rec(11)); // appended, commit never happened
    broker.append('in', rec(2)); // ingest acknowledged it after a sync
    await broker.sync('in');
    broker.close();

    const again = new FileBroker({ dir, external: ['in'] });
    expect(again.committedOffset('app', 'in/0')).toBe(base + 1);
    expect(again.committedOffset('other', 'in/0')).toBeUndefined();
    expect(values(again.read('out', 0, 0))).toEqual([rec(10).value?.toString()]);
    expect(values(again.read('in', 0, base + 1))).toEqual([rec(1).value?.toString(), rec(2).value?.toString()]);
    again.close();
  });

  it('starts a new log past every offset an earlier, wiped log handed out (the sink dedups by offset)', async () => {
    const dir = tempDir();
    const first = new FileBroker({ dir, external: ['in'] });
    for (let i = 0; i < 5; i++) first.append('in', rec(i));
    const end = first.endOffset('in', 0);
    expect(first.startOffset('in', 0)).toBeGreaterThan(0);
    first.close();
    rmSync(dir, { recursive: true });
    const second = new FileBroker({ dir, external: ['in'] });
    expect(second.startOffset('in', 0)).toBeGreaterThanOrEqual(end);
    second.close();
  });

  it('reports the bytes a topic holds, which fall once its readers release segments', async () => {
    const broker = new FileBroker({ dir: tempDir(), external: ['in'], segmentBytes: 1024 });
    for (let i = 0; i < 200; i++) broker.append('in', rec(i));
    await broker.sync('in');
    const full = broker.sizeBytes('in');
    expect(full).toBeGreaterThan(4 * 1024);
    broker.truncate('in', 0, broker.endOffset('in', 0));
    expect(broker.sizeBytes('in')).toBeLessThan(1024 + 200);
    expect(broker.depth('in')).toBeLessThan(200);
    broker.close();
  });
});
