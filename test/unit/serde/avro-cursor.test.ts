import { describe, expect, it } from 'vitest';
import { Cursor, LastRead } from '../../../src/serde/avro-cursor.ts';


/** Zigzag varint of a signed 64-bit value, as Avro writes a long. */
function varint(v: bigint): Buffer {
  let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  const out: number[] = [];
  do {
    const b = Number(z & 0x7fn);
    z >>= 7n;
    out.push(z === 0n ? b : b | 0x80);
  } while (z !== 0n);
  return Buffer.from(out);
}

/** What a varint of any length holds, kept to its low 64 bits and un-zigzagged (avsc's reading). */
function reference(bytes: Buffer): bigint {
  let z = 0n;
  for (let i = 0; i < bytes.length; i++) z |= BigInt((bytes[i] as number) & 0x7f) << BigInt(7 * i);
  z = BigInt.asUintN(64, z);
  return (z >> 1n) ^ -(z & 1n);
}

function randomLong(rand: () => number): bigint {
  const bits = BigInt(Math.floor(rand() * 64) + 1);
  const mag = BigInt.asUintN(Number(bits), BigInt(Math.floor(rand() * 2 ** 32)) << 32n | BigInt(Math.floor(rand() * 2 ** 32)));
  return BigInt.asIntN(64, rand() < 0.5 ? mag : -mag);
}

describe('Cursor longs', () => {
  it('reads every width of long as avsc writes it, signed and as the unsigned 64 bits it holds', () => {
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const values = [0n, -1n, 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 28n - 1n, 2n ** 28n, 2n ** 35n, 1_796_149_770_707_000_000n];
    for (let i = 0; i < 5_000; i++) values.push(randomLong(rand));
    for (const v of values) {
      const bytes = varint(v);
      const c = new Cursor(Buffer.concat([bytes, bytes]));
      expect(c.long()).toBe(v);
      expect(c.ulong()).toBe(BigInt.asUintN(64, v));
      expect(c.atEnd).toBe(true);
    }
  });

  it('keeps the low 64 bits of a 10-byte varint, refuses an 11th byte and a truncated one', () => {
    const ten = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    expect(new Cursor(ten).long()).toBe(reference(ten));
    const tenHigh = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e]);
    expect(new Cursor(tenHigh).long()).toBe(reference(tenHigh));
    expect(() => new Cursor(Buffer.from([...ten.subarray(0, 9), 0xff, 0x01])).long()).toThrow(/longer than 10 bytes/);
    expect(() => new Cursor(Buffer.from([0xff, 0xff])).long()).toThrow(RangeError);
  });
});

describe('LastRead', () => {
  it('reuses the value only where the same bytes come again under the same context, leaving the cursor after them', () => {
    // Three Avro strings: 'ab', 'ab', 'abc'.
    const c = new Cursor(Buffer.from([4, 0x61, 0x62, 4, 0x61, 0x62, 6, 0x61, 0x62, 0x63]));
    const last = new LastRead<string, string>();
    let reads = 0;
    const reader = (x: Cursor, ctx: string): string => {
      reads++;
      return `${ctx}:${x.string()}`;
    };
    expect(last.read(c, 'k', reader)).toBe('k:ab');
    expect(c.pos).toBe(3);
    expect(last.read(c, 'k', reader)).toBe('k:ab');
    expect(reads).toBe(1);
    expect(c.pos).toBe(6);
    c.pos = 3;
    expect(last.read(c, 'other', reader)).toBe('other:ab');
    expect(reads).toBe(2);
    expect(last.read(c, 'other', reader)).toBe('other:abc');
    expect(reads).toBe(3);
    expect(c.atEnd).toBe(true);
  });
});
