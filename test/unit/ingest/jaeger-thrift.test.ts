import { describe, expect, it } from 'vitest';
import { decodeAgentDatagram, decodeJaegerBatch, type JaegerProtocol } from '../../../src/ingest/jaeger/decode.ts';
import type { Span } from '../../../src/model/span.ts';
import { GOLDEN_EMIT_BATCH } from '../../fixtures/jaeger-thrift-golden.ts';
import { rng } from '../../fixtures/otel-random.ts';
import { T, batch, emitBatch, field, goodSpan, i32, i64, list, span, str, stringTag, struct } from '../../fixtures/thrift-binary-writer.ts';
import { parseRedactionConfig } from '../../../src/redaction/config.ts';
import { Redactor } from '../../../src/redaction/redactor.ts';

const attrs = (s: Span | undefined) => Object.fromEntries((s?.attributes ?? []).map((a) => [a.key, a.value]));
const PROTOCOLS: readonly JaegerProtocol[] = ['compact', 'binary'];

describe('Jaeger Thrift → model (messages written by Apache Thrift itself)', () => {
  it.each(PROTOCOLS)('%s emitBatch: process, typed tags, kind, status, logs, references', (protocol) => {
    const r = decodeAgentDatagram(GOLDEN_EMIT_BATCH[protocol], protocol);
    if (!r.ok) throw new Error(r.error);
    expect(r.rejected).toEqual([]);
    const [server, client] = r.spans;
    // traceIdHigh is negative on the wire: ids are the unsigned 64-bit halves.
    expect(server).toMatchObject({
      traceId: 'fedcba98765432111122334455667788', spanId: '0a0b0c0d0e0f1011', parentSpanId: '', flags: 1, name: 'GET /checkout', kind: 2,
      startTimeUnixNano: 1_700_000_000_000_001_000n, endTimeUnixNano: 1_700_000_000_002_501_000n, status: { code: 0, message: '' },
      events: [{ timeUnixNano: 1_700_000_000_000_100_000n, name: 'cache.miss', attributes: [{ key: 'attempt', value: { type: 'int', value: -2n } }], droppedAttributesCount: 0 }],
      links: [],
    });
    expect(attrs(server)).toEqual({
      'http.status_code': { type: 'int', value: 200n }, ratio: { type: 'double', value: 0.25 }, cached: { type: 'bool', value: false },
      blob: { type: 'bytes', value: Buffer.from([0, 255]) }, 'sampler.type': { type: 'string', value: 'probabilistic' }, 'sampler.param': { type: 'double', value: 0.5 },
    });
    expect(server?.resource.attributes).toEqual([
      { key: 'hostname', value: { type: 'string', value: 'box-1' } },
      { key: 'ip', value: { type: 'string', value: '10.1.2.3' } },
      { key: 'service.name', value: { type: 'string', value: 'py-svc' } },
    ]);
    // parentSpanId 0 and a CHILD_OF reference: the reference is the parent; FOLLOWS_FROM is a link.
    expect(client).toMatchObject({ spanId: 'fffffffffffffffb', parentSpanId: '0a0b0c0d0e0f1011', kind: 3, status: { code: 2, message: '' } });
    expect(attrs(client)).toEqual({ 'db.system': { type: 'string', value: 'postgresql' } });
    expect(client?.links).toEqual([{ traceId: '00000000000000770000000000000099', spanId: '0000000000000055', traceState: '', flags: 0, attributes: [{ key: 'opentracing.ref_type', value: { type: 'string', value: 'follows_from' } }], droppedAttributesCount: 0 }]);
  });

  it('both protocols decode to the same spans', () => {
    expect(decodeAgentDatagram(GOLDEN_EMIT_BATCH.compact, 'compact')).toEqual(decodeAgentDatagram(GOLDEN_EMIT_BATCH.binary, 'binary'));
  });

  it('status follows the translator: error tag, then otel.status_code, then http.status_code by kind', () => {
    const tag = (key: string, type: number, vField: number, value: Buffer) => struct(field(T.STRING, 1, str(key)), field(T.I32, 2, i32(type)), field(type === 2 ? T.BOOL : type === 3 ? T.I64 : T.STRING, vField, value));
    const cases: [Buffer[], { code: number; message: string }, number][] = [
      [[tag('otel.status_code', 0, 3, str('OK'))], { code: 1, message: '' }, 0],
      [[tag('otel.status_code', 0, 3, str('ERROR')), tag('otel.status_description', 0, 3, str('boom'))], { code: 2, message: 'boom' }, 0],
      [[tag('error', 2, 5, Buffer.from([1])), tag('otel.status_code', 0, 3, str('OK'))], { code: 2, message: '' }, 0],
      [[tag('span.kind', 0, 3, str('server')), tag('http.status_code', 3, 6, i64(404n))], { code: 0, message: '' }, 1],
      [[tag('span.kind', 0, 3, str('client')), tag('http.status_code', 3, 6, i64(404n))], { code: 2, message: '' }, 1],
      [[tag('http.status_code', 3, 6, i64(503n))], { code: 2, message: '' }, 1],
    ];
    for (const [tags, status, kept] of cases) {
      const r = decodeJaegerBatch(batch('svc', [goodSpan(1n, { tags })]));
      if (!r.ok) throw new Error(r.error);
      expect(r.spans[0]?.status).toEqual(status);
      expect(r.spans[0]?.attributes.length).toBe(kept);
    }
  });
});

describe('Jaeger Thrift: a span that cannot be accepted is rejected alone, naming the field', () => {
  it.each([
    ['all-zero span id', goodSpan(0n), /span\[1\]\.spanId: all-zero id is invalid/],
    ['missing operationName', span({ traceIdLow: 1n, traceIdHigh: 0n, spanId: 9n }), /span\[1\]\.operationName: required field missing/],
    ['negative duration', goodSpan(9n, { duration: -5n }), /span\[1\]\.endTimeUnixNano: .* is before startTimeUnixNano/],
    ['negative start', goodSpan(9n, { start: -1n }), /span\[1\]\.startTimeUnixNano: .* outside \[0, 2\^63\)/],
    ['unknown tag type', goodSpan(9n, { tags: [struct(field(T.STRING, 1, str('k')), field(T.I32, 2, i32(9)))] }), /span\[1\]\.tags\[0\]\.vType: one of 0\.\.4/],
    ['tag without key', goodSpan(9n, { tags: [struct(field(T.I32, 2, i32(0)))] }), /span\[1\]\.tags\[0\]\.key: required field missing/],
  ])('%s', (_name, bad, reason) => {
    const r = decodeJaegerBatch(batch('svc', [goodSpan(1n), bad, goodSpan(2n)]));
    if (!r.ok) throw new Error(r.error);
    expect(r.spans.map((s) => s.spanId)).toEqual(['0000000000000001', '0000000000000002']);
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]?.index).toBe(1);
    expect(r.rejected[0]?.reason).toMatch(reason);
  });
});

describe('Jaeger Thrift: a malformed message is refused whole with the field it broke at', () => {
  const ok = batch('svc', [goodSpan(1n)]);
  it.each([
    ['empty body', Buffer.alloc(0), /empty body/],
    ['string length past the end', batch('svc', [span({ traceIdLow: 1n, traceIdHigh: 0n, spanId: 1n, extra: [field(T.STRING, 5, Buffer.concat([i32(1_000_000), Buffer.from('x')]))] })]), /Batch\.spans\[0\]\.operationName: string length 1000000 exceeds the \d+ byte\(s\) left/],
    ['negative list size', struct(field(T.LIST, 2, Buffer.concat([Buffer.from([T.STRUCT]), i32(-1)]))), /Batch\.spans: negative list size -1/],
    ['list size past the end', struct(field(T.LIST, 2, Buffer.concat([Buffer.from([T.STRUCT]), i32(2_000_000_000)]))), /Batch\.spans: list size 2000000000 exceeds/],
    ['wrong wire type for a known field', batch('svc', [struct(field(T.STRING, 3, str('abc')))]), /Batch\.spans\[0\]\.spanId: i64 expected, got string/],
    ['truncated i64', ok.subarray(0, ok.length - 12), /truncated/],
    ['bytes after the message', Buffer.concat([ok, Buffer.from([1, 2])]), /2 byte\(s\) after the end of the message/],
    ['unknown wire type', struct(field(99, 7, Buffer.alloc(4))), /Batch\[7\]: unknown wire type 99/],
    ['no process', struct(field(T.LIST, 2, list(T.STRUCT, [goodSpan(1n)]))), /Batch\.process: required field missing/],
    ['process without serviceName', struct(field(T.STRUCT, 1, struct()), field(T.LIST, 2, list(T.STRUCT, []))), /Batch\.process\.serviceName: required field missing/],
  ])('%s', (_name, body, message) => {
    const r = decodeJaegerBatch(body);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it('nesting past the cap in an unknown field is refused, not recursed into', () => {
    let deep = Buffer.from([T.LIST, 0, 0, 0, 0]); // an empty list<list>
    for (let i = 0; i < 100; i++) deep = Buffer.concat([Buffer.from([T.LIST]), i32(1), deep]);
    const r = decodeJaegerBatch(struct(field(T.LIST, 9, deep)));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/Batch\[9\].*nested deeper than 32 levels/);
  });

  it('agent: emitZipkinBatch and other methods are refused by name', () => {
    const b = batch('svc', [goodSpan(1n)]);
    const zipkin = decodeAgentDatagram(emitBatch(b, 'emitZipkinBatch'), 'binary');
    expect(!zipkin.ok && zipkin.error).toMatch(/emitZipkinBatch .* not supported/);
    const other = decodeAgentDatagram(emitBatch(b, 'getSamplingStrategy'), 'binary');
    expect(!other.ok && other.error).toMatch(/unknown method "getSamplingStrategy"/);
    const compactOnBinary = decodeAgentDatagram(emitBatch(b), 'compact');
    expect(!compactOnBinary.ok && compactOnBinary.error).toMatch(/not a compact protocol message \(first byte 0x80/);
  });

  it.each(PROTOCOLS)('%s: every truncation of a valid datagram is refused with a reason', (protocol) => {
    const whole = GOLDEN_EMIT_BATCH[protocol];
    for (let n = 0; n < whole.length; n++) {
      const r = decodeAgentDatagram(whole.subarray(0, n), protocol);
      expect(r.ok, `cut at ${n}`).toBe(false);
      if (!r.ok) expect(r.error, `cut at ${n}`).toMatch(/^agent emitBatch \(\w+ protocol\): (empty body|[\w.[\]]+: )/);
    }
  });
});

describe('Jaeger Thrift fuzz (seeded)', () => {
  it.each(PROTOCOLS)('%s: mutated datagrams decode or are refused, never throw', (protocol) => {
    const rand = rng(protocol === 'compact' ? 14 : 41);
    const whole = GOLDEN_EMIT_BATCH[protocol];
    const outcomes = { ok: 0, refused: 0 };
    for (let i = 0; i < 4000; i++) {
      const bytes = Buffer.from(whole);
      const mutations = 1 + Math.floor(rand() * 4);
      for (let m = 0; m < mutations; m++) {
        const at = Math.floor(rand() * bytes.length);
        const kind = rand();
        if (kind < 0.5) bytes[at] = Math.floor(rand() * 256);
        else if (kind < 0.75) bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(rand() * 8));
        else bytes[at] = [0x00, 0x7f, 0x80, 0xff][Math.floor(rand() * 4)] as number;
      }
      const r = decodeAgentDatagram(bytes, protocol);
      if (r.ok) {
        outcomes.ok++;
        for (const rej of r.rejected) expect(rej.reason).toMatch(/^span\[\d+\]/);
      } else {
        outcomes.refused++;
        expect(r.error).toMatch(/^agent emitBatch/);
      }
    }
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(outcomes.ok).toBeGreaterThan(0);
  });

  it('random bytes on both protocols and the collector body never throw', () => {
    const rand = rng(7);
    for (let i = 0; i < 3000; i++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
      expect(() => decodeAgentDatagram(bytes, 'compact')).not.toThrow();
      expect(() => decodeAgentDatagram(bytes, 'binary')).not.toThrow();
      expect(() => decodeJaegerBatch(bytes)).not.toThrow();
    }
  });
});

describe('Jaeger Thrift goes through the redaction door like every other receiver', () => {
  const redactor = new Redactor(parseRedactionConfig({ allow_all_keys: true, patterns: ['email'] }));

  it.each(PROTOCOLS)('a collector Batch and a %s agent datagram come out redacted', (protocol) => {
    const tags = [stringTag('user', 'bob@example.com')];
    const collector = decodeJaegerBatch(batch('svc', [goodSpan(1n, { tags })]), undefined, redactor);
    const agent = decodeAgentDatagram(GOLDEN_EMIT_BATCH[protocol], protocol, undefined, redactor);
    if (!collector.ok || !agent.ok) throw new Error('did not decode');
    expect(attrs(collector.spans[0])['user']).not.toEqual({ type: 'string', value: 'bob@example.com' });
    expect(agent.spans.length).toBe(2);
    // Without the redactor the same bytes keep the address.
    const plain = decodeJaegerBatch(batch('svc', [goodSpan(1n, { tags })]));
    if (!plain.ok) throw new Error(plain.error);
    expect(attrs(plain.spans[0])['user']).toEqual({ type: 'string', value: 'bob@example.com' });
  });
});
