import { describe, expect, it } from 'vitest';
import { newMeta, type TraceMeta } from '../../../src/sampling/assembly/meta.ts';
import { TRACE_META_BYTES, traceMetaSerde } from '../../../src/sampling/assembly/meta-serde.ts';
import { emptySpanFilter, saturatedSpanFilter, SpanFilter, spanFilterFromHex } from '../../../src/sampling/assembly/span-filter.ts';
import { SerdeError } from '../../../src/serde/errors.ts';

const MAX_U64 = 2n ** 64n - 1n;
const T = 1_767_225_600_123;

function filterOf(...keys: string[]): Uint8Array {
  const bits = emptySpanFilter();
  const f = new SpanFilter(bits);
  for (const k of keys) f.add(k);
  return bits;
}

function meta(over: Partial<TraceMeta> = {}): TraceMeta {
  return {
    first: T, last: T + 1_250, spans: 23, bytes: 9_871, rootAt: T + 1_200, error: false, maxDurationNs: 1_234_567_890n,
    deadline: T + 6_250, indexedAt: T + 5_000, spanFilter: filterOf('a|1', 'b|2', 'c|3'), entries: 4, ...over,
  };
}

const roundTrip = (m: TraceMeta): TraceMeta => traceMetaSerde.deserialize(traceMetaSerde.serialize(m));

/** What happens when `bytes` are read: the summary, or the error's code and message. */
function read(bytes: Buffer): TraceMeta | string {
  try {
    return traceMetaSerde.deserialize(bytes);
  } catch (err) {
    return err instanceof SerdeError ? `${err.code}: ${err.message}` : `not a SerdeError: ${String(err)}`;
  }
}

describe('traceMetaSerde: binary summaries', () => {
  it.each<[string, TraceMeta]>([
    ['a typical in-flight trace', meta()],
    ['a fresh summary', newMeta(T)],
    ['no root seen, an error seen', meta({ rootAt: null, error: true })],
    ['the root seen at time 0', meta({ rootAt: 0 })],
    ['the longest duration 0', meta({ maxDurationNs: 0n })],
    ['the longest duration 2^64 - 1', meta({ maxDurationNs: MAX_U64 })],
    ['counts past 32 bits', meta({ spans: 2 ** 32 + 1, bytes: Number.MAX_SAFE_INTEGER, entries: 2 ** 40 })],
    ['times that are not whole or not positive', meta({ first: -1, last: 0.5, deadline: -0, indexedAt: 1e300 })],
    ['no entry count (an older version\'s summary)', meta({ entries: undefined })],
    ['a saturated filter', meta({ spanFilter: saturatedSpanFilter() })],
  ])('reads back %s as written', (_name, m) => {
    const bytes = traceMetaSerde.serialize(m);
    expect(bytes.length).toBe(TRACE_META_BYTES);
    expect(bytes[0]).toBe(1);
    expect(roundTrip(m)).toEqual(m);
  });

  it('takes a fixed 106 bytes, under half of the JSON form', () => {
    const json = Buffer.from(JSON.stringify({ ...meta(), maxDurationNs: '1234567890', spanFilter: '0'.repeat(64) }));
    expect(TRACE_META_BYTES).toBe(106);
    expect(TRACE_META_BYTES * 2).toBeLessThan(json.length);
  });

  it('shares no filter bytes with the stored value: later changes to either summary leave it as written', () => {
    const written = meta();
    const bytes = traceMetaSerde.serialize(written);
    new SpanFilter(written.spanFilter).add('later|1');
    new SpanFilter(traceMetaSerde.deserialize(bytes).spanFilter).add('later|2');
    expect(traceMetaSerde.deserialize(bytes)).toEqual(meta());
  });

  it.each<[string, TraceMeta, RegExp]>([
    ['a longest duration past 2^64 - 1', meta({ maxDurationNs: MAX_U64 + 1n }), /maxDurationNs 18446744073709551616 is outside/],
    ['a negative longest duration', meta({ maxDurationNs: -1n }), /maxDurationNs -1 is outside/],
    ['a filter of the wrong size', meta({ spanFilter: new Uint8Array(16) }), /span filter of 16 bytes, expected 32/],
  ])('refuses to write %s rather than truncate it', (_name, m, message) => {
    expect(() => traceMetaSerde.serialize(m)).toThrow(message);
    expect(() => traceMetaSerde.serialize(m)).toThrow(SerdeError);
  });
});

/** A summary exactly as the previous version stored it (plainJsonSerde). */
const asPreviousVersion = (o: object): Buffer => Buffer.from(JSON.stringify(o));
const HEX_OF_FIVE_KEYS = '00000c0000010000000000000020028140009001004000080000001000800000';

describe('traceMetaSerde: the JSON form earlier versions stored', () => {
  const old = { first: T, last: T + 1_250, spans: 23, bytes: 9_871, rootAt: T + 1_200, error: true, maxDurationNs: '18446744073709551615', deadline: T + 6_250, indexedAt: T + 5_000 };

  it('reads a summary with a hex filter and an entry count as the same summary', () => {
    const m = traceMetaSerde.deserialize(asPreviousVersion({ ...old, spanFilter: HEX_OF_FIVE_KEYS, entries: 4 }));
    expect(m).toEqual(meta({ error: true, maxDurationNs: MAX_U64, spanFilter: spanFilterFromHex(HEX_OF_FIVE_KEYS), entries: 4 }));
    expect(roundTrip(m)).toEqual(m);
  });

  it('reads a summary written before filters and entry counts: every key may be present, the count is unknown', () => {
    const m = traceMetaSerde.deserialize(asPreviousVersion({ ...old, rootAt: null }));
    expect(m).toEqual(meta({ rootAt: null, error: true, maxDurationNs: MAX_U64, spanFilter: saturatedSpanFilter(), entries: undefined }));
    expect(new SpanFilter(m.spanFilter).mayContain('any|1')).toBe(true);
    expect(roundTrip(m)).toEqual(m);
  });

  it('reads an entry count stored as null (it was NaN) as unknown', () => {
    expect(traceMetaSerde.deserialize(asPreviousVersion({ ...old, spanFilter: HEX_OF_FIVE_KEYS, entries: null })).entries).toBeUndefined();
  });
});

describe('traceMetaSerde: malformed values', () => {
  const good = traceMetaSerde.serialize(meta());
  const old = { first: T, last: T, spans: 1, bytes: 10, rootAt: null, error: false, maxDurationNs: '5', deadline: T, indexedAt: T, spanFilter: HEX_OF_FIVE_KEYS, entries: 1 };
  it.each<[string, Buffer, RegExp]>([
    ['no bytes', Buffer.alloc(0), /no bytes/],
    ['one byte short', good.subarray(0, good.length - 1), /value of 105 bytes; format 1 has 106/],
    ['one byte too many', Buffer.concat([good, Buffer.of(0)]), /value of 107 bytes; format 1 has 106/],
    ['an unknown format', Buffer.concat([Buffer.of(2), good.subarray(1)]), /unknown format 2 \(first byte\)/],
    ['a zero format byte', Buffer.alloc(TRACE_META_BYTES), /unknown format 0/],
    ['unknown flags', Buffer.concat([good.subarray(0, 1), Buffer.of(0x08), good.subarray(2)]), /unknown flags 0x8/],
    ['JSON that does not parse', Buffer.from('{"first":'), /does not parse/],
    ['JSON missing a time', asPreviousVersion({ ...old, deadline: undefined }), /deadline is not a number/],
    ['JSON with a numeric duration', asPreviousVersion({ ...old, maxDurationNs: 5 }), /maxDurationNs is not a decimal string/],
    ['JSON with a negative duration', asPreviousVersion({ ...old, maxDurationNs: '-5' }), /maxDurationNs is not a decimal string/],
    ['JSON with a short hex filter', asPreviousVersion({ ...old, spanFilter: 'abc' }), /spanFilter is not 64 hex chars/],
    ['JSON with a fractional entry count', asPreviousVersion({ ...old, entries: 1.5 }), /entries is not a non-negative integer/],
    ['JSON with a string for error', asPreviousVersion({ ...old, error: 'no' }), /error is not a boolean/],
  ])('refuses %s with a message saying what is wrong', (_name, bytes, message) => {
    const result = read(bytes);
    expect(result).toMatch(/^RECORD_FORMAT: TraceMeta /);
    expect(result).toMatch(message);
  });
});
