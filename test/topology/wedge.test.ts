/**
 * Issue 12, "the pipeline can be wedged by one span": each span that used to wedge the
 * embedded pipeline is rejected to the dead-letter topic with a reason naming the field, its
 * neighbours are kept, and later traces and window flushes still go through.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeOtlpJson } from '../../src/model/otlp-json.ts';
import { encodeOtlpProto } from '../../src/ingest/otlp-proto.ts';
import type { Span } from '../../src/model/span.ts';
import { parseSamplingConfigText } from '../../src/sampling/config.ts';
import { stringSerde, bufferSerde } from '../../src/serde/serde.ts';
import { TopologyTestDriver } from '../../src/streams/test-driver.ts';
import { build, DEFAULT_TOPICS } from '../../topologies/tail-sampling.ts';
import { samplingMetrics } from '../../src/sampling/assembly/metrics.ts';
import { MetricsRegistry } from '../../src/metrics/registry.ts';
import { pipelineSerdes, samplingHarness, type SamplingHarness } from '../fixtures/tail-sampling.ts';
import { span, TRACE_ID } from '../unit/edges/span-factory.ts';

const KEEP_ALL = `
decision_wait: 10s
policies:
  - { name: everything, type: always_sample }
`;
const trace = (n: number) => `${n.toString(16).padStart(8, '0')}${TRACE_ID.slice(8)}`;
const spanOf = (n: number, id = 1): Span => span({ id, service: 'svc', kind: 'server', traceId: trace(n) });

const harnesses: SamplingHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.driver.close().catch(() => undefined);
});
async function harness(): Promise<SamplingHarness> {
  const h = await samplingHarness(KEEP_ALL);
  harnesses.push(h);
  return h;
}

const json = (spans: readonly Span[], edit: (doc: JsonDoc) => void): Buffer => {
  const doc = JSON.parse(encodeOtlpJson(spans)) as JsonDoc;
  edit(doc);
  return Buffer.from(JSON.stringify(doc));
};
type JsonDoc = { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
const jsonSpan = (doc: JsonDoc, i: number): Record<string, unknown> => doc.resourceSpans[i]?.scopeSpans[0]?.spans[0] ?? {};

const CT = (type: string) => ({ 'content-type': Buffer.from(type) });

/** After the bad record: neighbours kept, a later trace decided, and span metrics flushed. */
async function expectPipelineGoesOn(h: SamplingHarness, reason: RegExp): Promise<void> {
  const dlq = h.deadLetters();
  expect(dlq).toHaveLength(1);
  expect(dlq[0]?.reason).toMatch(reason);
  expect(h.driver.runtime.metrics.deadLetters.get({ app: 'tail-sampling', topic: DEFAULT_TOPICS.deadLetter, cause: 'rejected' })).toBe(1);
  await h.send([spanOf(9)]);
  await h.advance(10_100);
  expect(h.sampled().map((t) => t.traceId).sort()).toEqual([trace(1), trace(3), trace(9)]);
  const metrics = h.spanMetrics();
  expect(metrics.reduce((n, m) => n + m.calls, 0)).toBe(3);
}

describe('one span cannot wedge the tail-sampling topology', () => {
  it('OTLP JSON "startTimeUnixNano":"-5" goes to the DLQ naming the field; neighbours land', async () => {
    const h = await harness();
    const body = json([spanOf(1), spanOf(2), spanOf(3)], (doc) => (jsonSpan(doc, 1)['startTimeUnixNano'] = '-5'));
    await h.driver.pipeRaw(DEFAULT_TOPICS.rawSpans, null, body, h.driver.clock.now(), CT('application/json'));
    await expectPipelineGoesOn(h, /span\[1\]\.startTimeUnixNano: -5 is outside \[0, 2\^63\) ns/);
  });

  it('OTLP protobuf fixed64 start ≥ 1e19 goes to the DLQ naming the field; neighbours land', async () => {
    const h = await harness();
    const bad = { ...spanOf(2), startTimeUnixNano: 10n ** 19n, endTimeUnixNano: 10n ** 19n + 5n };
    const body = Buffer.from(encodeOtlpProto([spanOf(1), bad, spanOf(3)]));
    await h.driver.pipeRaw(DEFAULT_TOPICS.rawSpans, null, body, h.driver.clock.now(), CT('application/x-protobuf'));
    await expectPipelineGoesOn(h, /span\[1\]\.startTimeUnixNano: 10000000000000000000 is outside/);
  });

  it.each([
    ['status.code = 3', { status: { code: 3, message: '' } }, /span\[1\]\.status\.code: one of 0\.\.2 expected, got 3/],
    ['kind = 123', { kind: 123 }, /span\[1\]\.kind: one of 0\.\.5 expected, got 123/],
  ])('OTLP protobuf %s goes to the DLQ naming the field; neighbours land', async (_name, patch, reason) => {
    const h = await harness();
    const bad = { ...spanOf(2), ...patch } as Span;
    const body = Buffer.from(encodeOtlpProto([spanOf(1), bad, spanOf(3)]));
    await h.driver.pipeRaw(DEFAULT_TOPICS.rawSpans, null, body, h.driver.clock.now(), CT('application/x-protobuf'));
    await expectPipelineGoesOn(h, reason);
  });
});

describe('a trace the assembler cannot decide does not stop the others', () => {
  it('dead-letters that trace in the tick it fails and decides its neighbours; later ticks go on', async () => {
    const serdes = await pipelineSerdes();
    const codec = {
      encode: serdes.spanCodec.encode,
      decode: (b: Buffer): Span => {
        const s = serdes.spanCodec.decode(b);
        if (s.name === 'poison') throw new RangeError('window start must be an integer ms in [0, 9999999999999], got 18446744040000');
        return s;
      },
    };
    const registry = new MetricsRegistry();
    const topology = build({
      applicationId: 'tail-sampling',
      topics: DEFAULT_TOPICS,
      sampling: parseSamplingConfigText(KEEP_ALL),
      assembly: { tickMs: 100, windowMs: 60_000, windowFlushDelayMs: 0, maxBytesInFlight: 1 << 29, outputChunkSpans: 1000 },
      serdes: { ...serdes, spanCodec: codec },
      metrics: samplingMetrics(registry),
    });
    const driver = await TopologyTestDriver.create(topology, { applicationId: 'tail-sampling', wallClockMs: 1_800_000_000_000 });
    try {
      const send = (s: Span) => driver.pipeRaw(DEFAULT_TOPICS.rawSpans, Buffer.from(s.traceId), serdes.spanBatch.serialize([s]), driver.clock.now());
      await send(spanOf(1));
      await send({ ...spanOf(2), name: 'poison' });
      await send(spanOf(3));
      await driver.advanceWallClock(10_100);
      const sampled = driver.readOutput(DEFAULT_TOPICS.sampledSpans, stringSerde, serdes.sampledTrace).map((r) => r.value?.traceId);
      expect(sampled.sort()).toEqual([trace(1), trace(3)]);
      const dlq = driver.readOutput(DEFAULT_TOPICS.deadLetter, stringSerde, bufferSerde);
      expect(dlq.map((r) => r.key)).toEqual([trace(2)]);
      expect(dlq[0]?.headers['error.reason']?.toString()).toMatch(/^trace [0-9a-f]{32} could not be decided: RangeError: window start/);
      expect(dlq[0]?.headers['error.source']?.toString()).toBe('processor:decide-traces');
      expect(driver.runtime.metrics.deadLetters.get({ app: 'tail-sampling', topic: DEFAULT_TOPICS.deadLetter, cause: 'punctuate' })).toBe(1);
      // The trace left the buffer: later ticks do not meet it again, and new traces are decided.
      await send(spanOf(4));
      await driver.advanceWallClock(10_100);
      expect(driver.readOutput(DEFAULT_TOPICS.sampledSpans, stringSerde, serdes.sampledTrace).map((r) => r.value?.traceId)).toEqual([trace(4)]);
      expect(driver.readOutput(DEFAULT_TOPICS.deadLetter, stringSerde, bufferSerde)).toEqual([]);
    } finally {
      await driver.close();
    }
  });
});
