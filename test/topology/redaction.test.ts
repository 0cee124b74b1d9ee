import { afterEach, describe, expect, it } from 'vitest';
import { encodeOtlpProto } from '../../src/ingest/otlp-proto.ts';
import { WITHHELD_HEADER } from '../../src/ingest/raw-spans-processor.ts';
import type { Span } from '../../src/model/span.ts';
import { parseRedactionConfig } from '../../src/redaction/config.ts';
import { redactedHeaders, Redactor } from '../../src/redaction/redactor.ts';
import { bufferSerde, stringSerde } from '../../src/serde/serde.ts';
import { DEFAULT_TOPICS } from '../../topologies/tail-sampling.ts';
import { makeSpan, hexId } from '../fixtures/clickhouse.ts';
import { samplingHarness, type SamplingHarness } from '../fixtures/tail-sampling.ts';

const KEEP_ALL = 'decision_wait: 1s\nroot_grace: 100ms\npolicies:\n  - { name: all, type: always_sample }\n';
const redactor = () =>
  new Redactor(parseRedactionConfig({ allow_all_keys: true, patterns: ['email'], blocked_key_patterns: ['^token$'], hash_function: 'hmac_sha256', hmac_key: 'k'.repeat(24) }));

const harnesses: SamplingHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.driver.close().catch(() => undefined);
});

function withEmail(id: number, spanId = hexId(id, 16)): Span {
  return makeSpan({ traceId: hexId(id, 32), spanId, attributes: [{ key: 'user', value: { type: 'string', value: `u${id}@example.com` } }, { key: 'token', value: { type: 'string', value: `t${id}` } }] });
}

describe('tail-sampling topology with redaction', () => {
  it('redacts Collector records on raw-spans, and does not redact twice what our ingest marked', async () => {
    const r = redactor();
    const h = await samplingHarness(KEEP_ALL, { redaction: r });
    harnesses.push(h);
    const collector = withEmail(1);
    await h.driver.pipeRaw(DEFAULT_TOPICS.rawSpans, Buffer.from(collector.traceId), Buffer.from(encodeOtlpProto([collector])), h.driver.clock.now(), { 'content-type': Buffer.from('application/x-protobuf') });
    // As our ingest publishes: already redacted, marked with the config's fingerprint.
    const ingested = r.redact(withEmail(2));
    const marker = Object.fromEntries(Object.entries(redactedHeaders(r)).map(([k, v]) => [k, Buffer.from(v)]));
    await h.driver.pipeRaw(DEFAULT_TOPICS.rawSpans, Buffer.from(ingested.traceId), h.serdes.spanBatch.serialize([ingested]), h.driver.clock.now(), marker);
    await h.advance(2_000);
    const byTrace = new Map(h.sampled().map((t) => [t.spans[0]?.traceId, t.spans[0]?.attributes]));
    const hashed = (id: number) => r.redact(withEmail(id)).attributes;
    expect(byTrace.get(hexId(1, 32))).toEqual(hashed(1));
    expect(byTrace.get(hexId(2, 32))).toEqual(hashed(2)); // hashed once, not a hash of the hash
    expect(JSON.stringify(h.sampled(), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toContain('@example.com');
  });

  it('a dead letter of a record redaction has not seen keeps the masked reason, not the bytes', async () => {
    const h = await samplingHarness(KEEP_ALL, { redaction: redactor() });
    harnesses.push(h);
    const bad = withEmail(3, '0'.repeat(16));
    await h.driver.pipeRaw(DEFAULT_TOPICS.rawSpans, Buffer.from(bad.traceId), Buffer.from(encodeOtlpProto([bad, withEmail(4)])), h.driver.clock.now());
    await h.driver.pipeRaw(DEFAULT_TOPICS.rawSpans, null, Buffer.from('{"resourceSpans": [ "to eve@example.com'), h.driver.clock.now(), { 'content-type': Buffer.from('application/json') });
    const dlq = h.driver.readOutput(DEFAULT_TOPICS.deadLetter, stringSerde, bufferSerde);
    expect(dlq).toHaveLength(2);
    for (const d of dlq) {
      expect(d.value).toBeNull();
      expect(Number(d.headers[WITHHELD_HEADER]?.toString())).toBeGreaterThan(0);
      expect(d.headers['error.reason']?.toString()).not.toContain('@example.com');
    }
    expect(dlq[0]?.headers['error.reason']?.toString()).toMatch(/spanId/);
  });

  it('without redaction, a dead letter keeps the original bytes', async () => {
    const h = await samplingHarness(KEEP_ALL);
    harnesses.push(h);
    const value = Buffer.from('{"resourceSpans": [ "to eve@example.com');
    await h.driver.pipeRaw(DEFAULT_TOPICS.rawSpans, null, value, h.driver.clock.now(), { 'content-type': Buffer.from('application/json') });
    expect(h.driver.readOutput(DEFAULT_TOPICS.deadLetter, stringSerde, bufferSerde)[0]?.value).toEqual(value);
  });
});
