import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { RawSpansDecoder } from '../../../src/ingest/decode.ts';
import { spanBatchSerde } from '../../../src/serde/avro-serde.ts';
import { spanToAvro } from '../../../src/serde/avro-span.ts';
import { InProcessRegistry } from '../../../src/serde/registry.ts';
import { encodingOf, readArrayItems } from '../../../src/serde/span-encodings.ts';
import { span } from '../edges/span-factory.ts';

const registry = InProcessRegistry.fromDir();
const spanType = registry.readerType('Span');
const spans = [span({ id: 1, service: 'a', kind: 'server' }), span({ id: 2, parent: 1, service: 'a', kind: 'client', attrs: { 'db.system': 'redis' } })];

describe('span encodings kept from a SpanBatch', () => {
  it('remembers for each decoded span exactly the bytes encoding it would give', async () => {
    const serde = await spanBatchSerde(registry);
    const result = await new RawSpansDecoder({ registry }).decodeAsync({ key: null, value: serde.serialize(spans), timestamp: 0, headers: {} });
    if (!result.ok) throw new Error(result.error);
    expect(result.spans).toHaveLength(2);
    for (const s of result.spans) expect(encodingOf(s)?.equals(spanType.toBuffer(spanToAvro(s)))).toBe(true);
  });

  it('reads arrays written in blocks with a byte size (negative count), as other Avro writers do', () => {
    const items = spans.map((s) => spanType.toBuffer(spanToAvro(s)));
    const long = avro.Type.forSchema('long');
    const size = items.reduce((n, b) => n + b.length, 0);
    const body = Buffer.concat([long.toBuffer(-2), long.toBuffer(size), ...items, long.toBuffer(0)]);
    const read = readArrayItems(body, 0, spanType);
    expect(read.end).toBe(body.length);
    expect(read.raw.map((b) => b.toString('hex'))).toEqual(items.map((b) => b.toString('hex')));
    expect(read.items).toHaveLength(2);
  });

  it('throws on a truncated array instead of returning part of it', () => {
    const item = spanType.toBuffer(spanToAvro(spans[0] as (typeof spans)[0]));
    const long = avro.Type.forSchema('long');
    expect(() => readArrayItems(Buffer.concat([long.toBuffer(2), item]), 0, spanType)).toThrow(RangeError);
  });
});
