/**
 * Issue 12: an OTLP/JSON attribute nested ~2,000 deep used to overflow the stack (an HTML 500,
 * or a 200 and a wedged pipeline). It is now one rejected span, named by field, in a JSON
 * answer; its neighbour is published.
 */
import { afterEach, expect, it } from 'vitest';
import { createOtlpHttpApp } from '../../../src/ingest/http-otlp.ts';
import { encodeOtlpJson } from '../../../src/model/otlp-json.ts';
import type { SpanPublisher, TraceBatch } from '../../../src/ingest/publisher.ts';
import { listen, type Listening } from '../../../src/ingest/server.ts';
import { span } from '../edges/span-factory.ts';

const open: Listening[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
});

it('answers a JSON partial success naming the too-deep attribute, and publishes the neighbour', async () => {
  const batches: TraceBatch[] = [];
  const publisher: SpanPublisher = { publish: (b) => (batches.push(...b), Promise.resolve()) };
  const l = await listen(createOtlpHttpApp({ publisher }), 0, '127.0.0.1');
  open.push(l);
  let deep = '{"stringValue":"leaf"}';
  for (let i = 0; i < 2_000; i++) deep = `{"kvlistValue":{"values":[{"key":"k","value":${deep}}]}}`;
  const doc = JSON.parse(encodeOtlpJson([span({ id: 1, service: 'a', kind: 'server' }), span({ id: 2, service: 'a', kind: 'server' })])) as {
    resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[];
  };
  const second = doc.resourceSpans[1]?.scopeSpans[0]?.spans[0] ?? {};
  second['attributes'] = 'DEEP';
  const body = JSON.stringify(doc).replace('"DEEP"', `[{"key":"deep","value":${deep}}]`);

  const res = await fetch(`http://127.0.0.1:${l.port}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const text = await res.text();
  expect(res.headers.get('content-type')).toMatch(/json/);
  expect(text).not.toMatch(/<html|<pre|at [\w.]+ \(/i);
  expect(res.status).toBe(200);
  const answer = JSON.parse(text) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
  expect(answer.partialSuccess.rejectedSpans).toBe('1');
  expect(answer.partialSuccess.errorMessage).toMatch(/span\[1\]\.attributes\["deep"\].*nested deeper than 32 levels/);
  expect(batches.flatMap((b) => b.spans.map((s) => s.spanId))).toEqual(['0000000000000001']);
});

it('answers a clean 400 Status naming the field when the too-deep span is all the request holds', async () => {
  const batches: TraceBatch[] = [];
  const publisher: SpanPublisher = { publish: (b) => (batches.push(...b), Promise.resolve()) };
  const l = await listen(createOtlpHttpApp({ publisher }), 0, '127.0.0.1');
  open.push(l);
  let deep = '{"stringValue":"leaf"}';
  for (let i = 0; i < 2_000; i++) deep = `{"kvlistValue":{"values":[{"key":"k","value":${deep}}]}}`;
  const body = encodeOtlpJson([span({ id: 1, service: 'a', kind: 'server' })]).replace('"attributes":[', `"attributes":[{"key":"deep","value":${deep}},`);
  expect(body).toContain('"deep"');

  const res = await fetch(`http://127.0.0.1:${l.port}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const text = await res.text();
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/json/);
  expect(text).not.toMatch(/<html|<pre|at [\w.]+ \(/i);
  expect((JSON.parse(text) as { message: string }).message).toMatch(/attributes\["deep"\].*nested deeper than 32 levels/);
  expect(batches).toEqual([]);
});
