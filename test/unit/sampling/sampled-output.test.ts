import { describe, expect, it } from 'vitest';
import { sampledTraceWriter } from '../../../src/serde/sampled-trace-writer.ts';
import { encodeEntry, entrySpans } from '../../../src/sampling/assembly/span-entries.ts';
import { sampledTraceSerde } from '../../../src/serde/avro-serde.ts';
import { spanToAvro } from '../../../src/serde/avro-span.ts';
import { InProcessRegistry } from '../../../src/serde/registry.ts';
import { span, TRACE_ID } from '../edges/span-factory.ts';

const registry = InProcessRegistry.fromDir();
const spanType = registry.readerType('Span');
const decision = { policy: 'errors', sampleRate: 10, reason: 'root_seen: sampled by errors', late: false, decidedAtMs: 1_800_000_000_123 };

describe('kept traces written from buffered span bytes', () => {
  it.each([0, 1, 3])('writes the same bytes as the SampledTrace serde (%i spans)', async (n) => {
    const spans = Array.from({ length: n }, (_, i) => span({ id: i + 1, service: 'a', kind: 'server' }));
    const writer = await sampledTraceWriter(registry, spanType);
    const serde = await sampledTraceSerde(registry);
    const bytes = spans.map((s) => spanType.toBuffer(spanToAvro(s)));
    expect(writer.write(TRACE_ID, bytes, decision).equals(serde.serialize({ traceId: TRACE_ID, spans, decision }))).toBe(true);
  });

  it('keeps each span of a buffer entry as it was, in order', () => {
    const parts = [Buffer.from('a'), Buffer.alloc(0), Buffer.from('xyz')];
    expect(entrySpans(encodeEntry(parts)).map((b) => b.toString())).toEqual(['a', '', 'xyz']);
    expect(() => entrySpans(encodeEntry(parts).subarray(0, 18))).toThrow(/span 2 runs past the end/);
  });
});
