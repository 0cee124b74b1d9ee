import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compressSync as rawSnappy } from 'snappy';
import { describe, expect, it } from 'vitest';
import { kafkaCodecs, type CodecName } from '../../../src/streams/compression.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/compression');
const CODECS: CodecName[] = ['snappy', 'lz4', 'zstd'];

/** The input JavaFrames.java compressed. */
const javaInput = (): Buffer => Buffer.from(Array.from({ length: 100_000 }, (_, i) => 'hello tailstream '.charCodeAt(i % 17) + (Math.floor(i / 5000) % 3)));

/** A batch large and repetitive enough to span several blocks of every codec's framing. */
const batch = (): Buffer => Buffer.from(Array.from({ length: 5000 }, (_, i) => `{"traceId":"${i.toString(16).padStart(32, '0')}","name":"GET /checkout"}`).join('\n'));

/** snappy-java's stream format: magic, version 1, compatible version 1, then length-prefixed blocks. */
function xerial(blocks: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])];
  for (const block of blocks) {
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

describe('Kafka compression codecs', () => {
  it.each(CODECS)('%s reads what kafka-clients 4.4.0 writes for a record batch', async (codec) => {
    const framed = readFileSync(join(FIXTURES, `java-${codec}.bin`));
    expect((await kafkaCodecs[codec].decompress(framed)).equals(javaInput())).toBe(true);
  });

  it.each(CODECS)('%s round-trips a multi-block batch and really compresses it', async (codec) => {
    const input = batch();
    const compressed = await kafkaCodecs[codec].compress({ buffer: input });
    expect(compressed.length).toBeLessThan(input.length / 3);
    expect((await kafkaCodecs[codec].decompress(compressed)).equals(input)).toBe(true);
  });

  it('snappy reads raw blocks (librdkafka, Sarama) and xerial chunks alike', async () => {
    const a = Buffer.from('first chunk '.repeat(3000));
    const b = Buffer.from('second chunk '.repeat(3000));
    expect((await kafkaCodecs.snappy.decompress(rawSnappy(a))).equals(a)).toBe(true);
    expect((await kafkaCodecs.snappy.decompress(xerial([rawSnappy(a), rawSnappy(b)]))).equals(Buffer.concat([a, b]))).toBe(true);
  });

  it.each([
    ['a chunk length running past the batch', (x: Buffer) => x.subarray(0, x.length - 3), /snappy: cannot decompress a record batch: xerial chunk of \d+ bytes/],
    ['a cut-off chunk length', (x: Buffer) => x.subarray(0, 18), /snappy: cannot decompress a record batch: xerial chunk length cut off/],
  ])('snappy names the codec and the defect for %s', async (_, cut, message) => {
    const whole = xerial([rawSnappy(Buffer.from('x'.repeat(1000)))]);
    await expect(kafkaCodecs.snappy.decompress(cut(whole))).rejects.toThrow(message);
  });

  it.each(CODECS)('%s names the codec when a batch is not valid', async (codec) => {
    await expect(kafkaCodecs[codec].decompress(Buffer.from('definitely not compressed'))).rejects.toThrow(new RegExp(`^${codec}: cannot decompress a record batch`));
  });

  // Vitest transforms imports; Node's own ESM loader does not see every named export of
  // CommonJS kafkajs, and `npm start` and the worker processes run under it.
  it('registers under plain Node ESM, as `npm start` loads it', async () => {
    const script = `import('./src/streams/compression.ts').then((m) => { m.registerCompressionCodecs(); return import('kafkajs'); }).then((k) => console.log(typeof k.default.CompressionCodecs[2]().decompress))`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '../../..'), timeout: 60_000 });
    expect(stdout.trim()).toBe('function');
  });
});
