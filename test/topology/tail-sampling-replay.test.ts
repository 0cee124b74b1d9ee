import { afterEach, describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/span.ts';
import { changelogTopic } from '../../src/state/store.ts';
import { repartitionTopic } from '../../topologies/tail-sampling.ts';
import { samplingHarness, type SamplingHarness } from '../fixtures/tail-sampling.ts';
import { span, TRACE_ID } from '../unit/edges/span-factory.ts';

// The input topics as the span buffer's changelog (bufferChangelog: 'source'): a restart
// replays raw-spans and the repartition topic from each in-flight trace's first record.
const KEEP_HALF = `
decision_wait: 10s
max_trace_age: 60s
policies:
  - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
`;
const APP = 'tail-sampling';
const trace = (n: number) => `${n.toString(16).padStart(8, '0')}${TRACE_ID.slice(8)}`;

const open: SamplingHarness[] = [];
async function harness(opts: Parameters<typeof samplingHarness>[1] & { yaml?: string } = {}): Promise<SamplingHarness> {
  const h = await samplingHarness(opts.yaml ?? KEEP_HALF, { partitions: 2, bufferChangelog: 'source', ...opts });
  open.push(h);
  return h;
}
afterEach(async () => {
  for (const h of open.splice(0)) await h.driver.close().catch(() => undefined);
});

/** Span `i` of trace `t`: odd traces carry an error (kept), even ones do not (dropped). */
const spanOf = (t: number, i: number): Span =>
  span({ id: i + 2, parent: i === 0 ? 1 : i + 1, service: `svc${i % 3}`, kind: 'server', error: t % 2 === 1 && i === 0, traceId: trace(t) });

/** Restarts on the same broker: with the state dir (a restart) or without (another machine). */
async function restart(h: SamplingHarness, keepLocalState: boolean): Promise<SamplingHarness> {
  await h.driver.close({ keepState: true });
  open.splice(open.indexOf(h), 1);
  return harness({ broker: h.driver.broker, wallClockMs: h.driver.clock.now(), ...(keepLocalState ? { stateDir: h.driver.stateDir } : {}) });
}

const endOf = (h: SamplingHarness, topic: string) => [0, 1].reduce((n, p) => n + h.driver.broker.endOffset(topic, p), 0);

describe.each([
  ['with its local state', true],
  ['on a fresh state dir (another machine)', false],
])('tail sampling, input topics as the buffer changelog: a restart %s', (_name, keepLocalState) => {
  it('in the middle of many in-flight traces loses and doubles nothing and re-emits nothing', async () => {
    const first = await harness();
    const TRACES = 40;
    const SPANS = 3;
    // Traces 1..10 complete and are decided before the restart; the rest are in flight.
    for (let t = 1; t <= 10; t++) for (let i = 0; i < SPANS; i++) await first.send([spanOf(t, i)]);
    await first.advance(10_100);
    for (let t = 11; t <= TRACES; t++) await first.send([spanOf(t, 0)]);
    // A record mixing two traces goes through the repartition topic; one is unreadable.
    await first.send([spanOf(11, 1), spanOf(12, 1)], 'a-batch');
    await first.driver.pipeRaw('raw-spans', Buffer.from('junk'), Buffer.from([0x0a, 0xff, 0xff]), first.driver.clock.now());
    for (let t = 13; t <= TRACES; t++) await first.send([spanOf(t, 1)]);
    const sampledBefore = first.sampled();
    const repartitioned = endOf(first, repartitionTopic(APP));
    expect(repartitioned).toBe(2);
    expect(first.deadLetters()).toHaveLength(1);
    expect(first.driver.broker.endOffset(changelogTopic(APP, 'trace-entries'), 0)).toBe(0);

    const second = await restart(first, keepLocalState);
    await second.driver.runtime.drain();
    expect(second.metrics.tracesInFlight.get({ task: 0 }) + second.metrics.tracesInFlight.get({ task: 1 })).toBe(TRACES - 10);
    for (let t = 11; t <= TRACES; t++) await second.send([spanOf(t, 2)]);
    await second.advance(10_100);
    await second.advance(60_000);

    const kept = [...sampledBefore, ...second.sampled().slice(sampledBefore.length)];
    const spansByTrace = new Map<string, string[]>();
    for (const k of kept) spansByTrace.set(k.traceId, [...(spansByTrace.get(k.traceId) ?? []), ...k.spans.map((s) => s.spanId)]);
    const expected = new Map<string, string[]>();
    for (let t = 1; t <= TRACES; t += 2) expected.set(trace(t), [0, 1, 2].map((i) => spanOf(t, i).spanId));
    expect(new Map([...spansByTrace].map(([id, s]) => [id, [...s].sort()]))).toEqual(expected);
    expect(kept.every((k) => !k.decision.late)).toBe(true);
    // Span metrics count every span once, across both runs (the topic read from its start).
    const calls = second.spanMetrics().reduce((n, m) => n + m.calls, 0);
    expect(calls).toBe(TRACES * SPANS);
    expect(endOf(second, repartitionTopic(APP))).toBe(repartitioned);
    expect(second.deadLetters()).toHaveLength(1); // the first run's, still on the topic
  });
});

describe('tail sampling, input topics as the buffer changelog: offsets', () => {
  it('commits raw-spans only up to the oldest in-flight trace, and past it once that is decided at max_trace_age', async () => {
    const h = await harness({ partitions: 1 });
    await h.send([spanOf(1, 0)]);
    // Trace 2 keeps getting spans: decision_wait never passes, max_trace_age does.
    for (let i = 0; i < 7; i++) {
      await h.send([spanOf(2, i)]);
      if (i < 6) await h.advance(9_000);
    }
    expect(h.driver.broker.startOffset('raw-spans', 0)).toBe(1); // trace 1 decided, trace 2 holds it
    await h.advance(10_000);
    expect(h.sampled()).toHaveLength(1); // trace 1 (error); trace 2 decided at max_trace_age, dropped
    expect(h.metrics.decisions.get({ policy: 'errors', reason: 'max_trace_age', sampled: 'false' })).toBe(1);
    expect(h.driver.broker.startOffset('raw-spans', 0)).toBe(h.driver.broker.endOffset('raw-spans', 0));
  });

  it('max_trace_age counts from the first arrival across a restart', async () => {
    const h = await harness({ partitions: 1 });
    for (let i = 0; i < 4; i++) {
      await h.send([spanOf(2, i)]);
      await h.advance(9_000);
    }
    const again = await restart(h, false);
    await again.driver.runtime.drain();
    // Spans keep coming: only max_trace_age (60 s after the first, 36 s ago) can end it.
    for (let i = 4; i < 7; i++) {
      await again.send([spanOf(2, i)]);
      await again.advance(9_000);
    }
    expect(again.metrics.decisions.get({ policy: 'errors', reason: 'max_trace_age', sampled: 'false' })).toBe(1);
    expect(again.driver.broker.startOffset('raw-spans', 0)).toBe(7);
  });

  it('new input waits until every source is replayed: a size limit never decides a half-rebuilt trace', async () => {
    const limit = { partitions: 1, yaml: 'decision_wait: 10s\nmax_spans_per_trace: 3\npolicies:\n  - { name: all, type: always_sample }\n' };
    const h = await harness(limit);
    await h.send([spanOf(1, 0)]);
    await h.send([spanOf(1, 1), spanOf(2, 0)], 'a-batch'); // span 1 of trace 1 comes back through the repartition topic
    await h.driver.close({ keepState: true });
    open.splice(open.indexOf(h), 1);
    // Waiting in raw-spans when the next instance starts: spans 2 and 3 reach the limit.
    h.driver.broker.append('raw-spans', { key: Buffer.from(trace(1)), value: h.serdes.spanBatch.serialize([spanOf(1, 2), spanOf(1, 3)]), timestamp: h.driver.clock.now(), headers: {} });
    const again = await harness({ ...limit, broker: h.driver.broker, wallClockMs: h.driver.clock.now() });
    await again.driver.runtime.drain();
    const kept = again.sampled().filter((t) => t.traceId === trace(1));
    expect(kept.map((t) => [t.decision.late, t.spans.map((x) => x.spanId).sort()])).toEqual([
      [false, [0, 1, 2].map((i) => spanOf(1, i).spanId).sort()],
      [true, [spanOf(1, 3).spanId]],
    ]);
  });
});

describe('tail sampling, input topics as the buffer changelog: the unlogged buffer', () => {
  it('is written to RocksDB at every commit, not held in the process until a restart', async () => {
    const h = await harness({ partitions: 1 });
    for (let t = 1; t <= 20; t++) await h.send([spanOf(t, 0), spanOf(t, 1)]);
    const task = h.driver.runtime.task(APP, 0);
    for (const name of ['trace-entries', 'trace-meta', 'trace-deadlines']) {
      const store = task.store(name);
      expect(store.changelogged).toBe(false);
      expect(store.cacheSize()).toBe(0); // the test driver commits after every record
      let onDisk = 0;
      for await (const _ of store.all()) onDisk++;
      expect(onDisk, name).toBeGreaterThanOrEqual(20);
    }
  });
});
