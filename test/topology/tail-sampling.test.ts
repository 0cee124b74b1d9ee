import { afterEach, describe, expect, it } from 'vitest';
import { samplingHarness, type SamplingHarness } from '../fixtures/tail-sampling.ts';
import { span, TRACE_ID } from '../unit/edges/span-factory.ts';

const KEEP_ALL = `
decision_wait: 10s
root_grace: 2s
max_trace_age: 30s
max_spans_per_trace: 5
policies:
  - { name: everything, type: always_sample }
`;
const ERRORS_ONLY = `
decision_wait: 10s
policies:
  - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
`;
const trace = (n: number) => `${n.toString(16).padStart(8, '0')}${TRACE_ID.slice(8)}`;

const harnesses: SamplingHarness[] = [];
async function harness(yaml: string, opts: Parameters<typeof samplingHarness>[1] = {}) {
  const h = await samplingHarness(yaml, opts);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.driver.close().catch(() => undefined);
});

describe('tail-sampling topology: completion', () => {
  it('decides after decision_wait of inactivity, not before', async () => {
    const h = await harness(KEEP_ALL);
    await h.send([span({ id: 2, parent: 1, service: 'a', kind: 'server' })]);
    await h.advance(6_000);
    await h.send([span({ id: 3, parent: 1, service: 'a', kind: 'internal' })]); // activity moves the deadline
    await h.advance(9_900);
    expect(h.sampled()).toEqual([]);
    await h.advance(200);
    const out = h.sampled();
    expect(out).toHaveLength(1);
    expect(out[0]?.spans.map((s) => s.spanId).sort()).toEqual(['0000000000000002', '0000000000000003']);
    expect(out[0]?.decision).toMatchObject({ policy: 'everything', sampleRate: 1, late: false });
    expect(out[0]?.decision.reason).toMatch(/^decision_wait/);
  });

  it('decides root_grace after the root span arrived', async () => {
    const h = await harness(KEEP_ALL);
    await h.send([span({ id: 1, service: 'a', kind: 'server' })]);
    await h.advance(1_900);
    expect(h.sampled()).toEqual([]);
    await h.advance(200);
    expect(h.sampled()[0]?.decision.reason).toMatch(/^root_seen/);
  });

  it('decides at once when max_spans_per_trace is reached; the rest follow the decision', async () => {
    const h = await harness(KEEP_ALL);
    await h.send([1, 2, 3, 4].map((id) => span({ id, parent: 9, service: 'a', kind: 'internal' })));
    expect(h.sampled()).toEqual([]);
    await h.send([span({ id: 5, parent: 9, service: 'a', kind: 'internal' })]);
    const first = h.sampled();
    expect(first.map((t) => t.spans.length)).toEqual([5]);
    expect(first[0]?.decision.reason).toMatch(/^span_limit/);
    await h.send([span({ id: 6, parent: 9, service: 'a', kind: 'internal' })]);
    const late = h.sampled();
    expect(late.map((t) => [t.spans[0]?.spanId, t.decision.late])).toEqual([['0000000000000006', true]]);
  });

  it('decides at the span limit exactly even inside one record; the rest of the record follows', async () => {
    const h = await harness(KEEP_ALL);
    await h.send([1, 2, 3, 4, 5, 6, 7].map((id) => span({ id, parent: 9, service: 'a', kind: 'internal' })));
    const out = h.sampled();
    expect(out.map((t) => [t.spans.length, t.decision.late])).toEqual([
      [5, false],
      [2, true],
    ]);
    expect(out[0]?.decision.reason).toMatch(/^span_limit/);
  });

  it('decides at max_trace_age even while spans keep coming', async () => {
    const h = await harness(KEEP_ALL.replace('max_spans_per_trace: 5', 'max_spans_per_trace: 1000'));
    for (let i = 0; i < 6; i++) {
      expect(h.sampled()).toEqual([]);
      await h.send([span({ id: 10 + i, parent: 1, service: 'a', kind: 'internal' })]);
      await h.advance(5_000);
    }
    const out = h.sampled();
    expect(out).toHaveLength(1);
    expect(out[0]?.decision.reason).toMatch(/^max_trace_age/);
    expect(out[0]?.spans).toHaveLength(6);
  });

  it('stores a retried span once', async () => {
    const h = await harness(KEEP_ALL);
    const s = span({ id: 2, parent: 1, service: 'a', kind: 'server' });
    await h.send([s]);
    await h.send([s]);
    await h.advance(10_100);
    expect(h.sampled()[0]?.spans).toHaveLength(1);
    expect(h.metrics.duplicateSpans.total()).toBe(1);
  });

  it('keeps both of two different spans that share a span id (in one record and across records)', async () => {
    const h = await harness(KEEP_ALL);
    const a = span({ id: 2, parent: 1, service: 'a', kind: 'server' });
    const b = { ...a, name: 'other-operation' }; // a buggy client reusing the id
    const c = { ...a, attributes: [...a.attributes, { key: 'retry', value: { type: 'bool' as const, value: true } }] };
    const d = { ...a, name: `${a.name.slice(0, 1)}#${a.name.slice(2)}` }; // same length, one byte apart
    await h.send([a, b]);
    await h.send([c, a, d]); // `a` again, byte for byte: a retry
    await h.advance(10_100);
    const names = h.sampled()[0]?.spans.map((x) => `${x.spanId} ${x.name} ${x.attributes.length}`);
    expect(names?.sort()).toEqual(
      [`${a.spanId} ${a.name} ${a.attributes.length}`, `${a.spanId} ${a.name} ${a.attributes.length + 1}`, `${a.spanId} other-operation ${a.attributes.length}`, `${a.spanId} ${d.name} ${a.attributes.length}`].sort(),
    );
    expect(h.metrics.duplicateSpans.total()).toBe(1);
  });
});

describe('tail-sampling topology: decisions and the cache', () => {
  it('late spans of a kept trace are emitted marked late; of a dropped one counted and dropped', async () => {
    const h = await harness(ERRORS_ONLY);
    const kept = trace(1);
    const dropped = trace(2);
    await h.send([span({ id: 2, parent: 1, service: 'a', kind: 'server', error: true, traceId: kept })]);
    await h.send([span({ id: 2, parent: 1, service: 'a', kind: 'server', traceId: dropped })]);
    await h.advance(10_100);
    expect(h.sampled().map((t) => t.traceId)).toEqual([kept]);
    await h.send([span({ id: 3, parent: 2, service: 'b', kind: 'server', traceId: kept })]);
    await h.send([span({ id: 3, parent: 2, service: 'b', kind: 'server', traceId: dropped })]);
    const late = h.sampled();
    expect(late.map((t) => [t.traceId, t.decision.late, t.decision.policy])).toEqual([[kept, true, 'errors']]);
    expect(h.metrics.lateSpans.get({ outcome: 'dropped' })).toBe(1);
    expect(h.metrics.lateSpans.get({ outcome: 'kept' })).toBe(1);
  });

  it('a restart keeps in-flight traces and the decision cache', async () => {
    const h = await harness(ERRORS_ONLY);
    const decided = trace(1);
    const inFlight = trace(2);
    await h.send([span({ id: 2, parent: 1, service: 'a', kind: 'server', error: true, traceId: decided })]);
    await h.advance(10_100);
    expect(h.sampled()).toHaveLength(1);
    await h.send([span({ id: 5, parent: 1, service: 'a', kind: 'server', error: true, traceId: inFlight })]);
    await h.driver.close({ keepState: true });
    harnesses.splice(harnesses.indexOf(h), 1);
    const again = await harness(ERRORS_ONLY, { broker: h.driver.broker, stateDir: h.driver.stateDir, wallClockMs: h.driver.clock.now() });
    await again.driver.runtime.drain(); // with the input as the buffer's changelog, the replay rebuilds it
    expect(again.metrics.tracesInFlight.get({ task: 0 })).toBe(1);
    expect(again.sampled()).toHaveLength(1); // the first run's output, still on the topic
    await again.send([span({ id: 3, parent: 2, service: 'b', kind: 'server', traceId: decided })]);
    expect(again.sampled().map((t) => [t.traceId, t.decision.late])).toEqual([[decided, true]]);
    await again.advance(10_100);
    expect(again.sampled().map((t) => t.traceId)).toEqual([inFlight]);
  });

  it('decides the oldest traces early when num_traces is reached, never dropping one undecided', async () => {
    const h = await harness(KEEP_ALL.replace('max_spans_per_trace: 5', 'num_traces: 3'));
    for (let i = 1; i <= 5; i++) {
      await h.send([span({ id: 2, parent: 1, service: 'a', kind: 'server', traceId: trace(i) })]);
      await h.advance(10);
    }
    const early = h.sampled();
    expect(early.map((t) => t.traceId)).toEqual([trace(1), trace(2)]);
    expect(early.every((t) => t.decision.reason.startsWith('memory_pressure'))).toBe(true);
    await h.advance(10_100);
    expect(h.sampled().map((t) => t.traceId).sort()).toEqual([trace(3), trace(4), trace(5)]);
  });

  it('reports the entries each stateful policy holds, per task, up to its bound', async () => {
    const h = await harness(`
decision_wait: 1s
policies:
  - { name: per-service, type: adaptive, adaptive: { target_traces_per_second: 1, key_fields: [service.name], max_keys: 2 } }
  - { name: routes, type: string_attribute, string_attribute: { key: service.name, values: ['^a'], enabled_regex_matching: true, cache_max_size: 10 } }
  - { name: all, type: always_sample }
`);
    const entries = (policy: string) => h.metrics.policyState.get({ task: 0, policy });
    for (const [i, service] of ['a', 'b', 'c'].entries()) await h.send([span({ id: 2, parent: 1, service, kind: 'server', traceId: trace(i + 1) })]);
    await h.advance(1_100);
    expect(h.sampled()).toHaveLength(3);
    expect([entries('per-service'), entries('routes')]).toEqual([2, 3]);
    expect(h.registry.exposition()).toContain('tailstream_sampling_policy_state_entries{policy="per-service",task="0"} 2');
  });
});

describe('tail-sampling topology: input handling', () => {
  it('sends an unreadable record to the dead-letter topic and goes on', async () => {
    const h = await harness(KEEP_ALL);
    await h.driver.pipeRaw('raw-spans', Buffer.from('k'), Buffer.from([0x0a, 0xff, 0xff]), 0);
    await h.send([span({ id: 1, service: 'a', kind: 'server' })]);
    await h.advance(2_100);
    expect(h.deadLetters()).toEqual([{ key: 'k', reason: expect.stringMatching(/otlp_proto/) as unknown as string }]);
    expect(h.sampled()).toHaveLength(1);
  });

  it('re-keys records whose key is not their trace id, and splits records mixing traces', async () => {
    const h = await harness(KEEP_ALL);
    await h.send(
      [span({ id: 1, service: 'a', kind: 'server', traceId: trace(1) }), span({ id: 1, service: 'a', kind: 'server', traceId: trace(2) })],
      'not-a-trace-id',
    );
    await h.advance(2_100);
    expect(h.sampled().map((t) => t.traceId).sort()).toEqual([trace(1), trace(2)]);
    expect(h.metrics.repartitioned.total()).toBe(2);
  });

  it('derives edges and span metrics from every trace, kept or not', async () => {
    const h = await harness(ERRORS_ONLY);
    await h.send([
      span({ id: 1, service: 'front', kind: 'server' }),
      span({ id: 2, parent: 1, service: 'front', kind: 'client', attrs: { 'http.request.method': 'GET' } }),
      span({ id: 3, parent: 2, service: 'cart', kind: 'server' }),
    ]);
    await h.advance(2_100);
    expect(h.sampled()).toEqual([]);
    expect(h.edges().map((e) => [e.parent, e.child, e.calls])).toEqual([['front', 'cart', 1]]);
    expect(h.spanMetrics().reduce((n, m) => n + m.calls, 0)).toBe(3);
  });
});
