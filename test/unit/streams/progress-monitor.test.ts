import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/metrics/registry.ts';
import { stringSerde } from '../../../src/serde/serde.ts';
import { StoreIoError } from '../../../src/state/store-io-error.ts';
import { MockClock } from '../../../src/streams/clock.ts';
import { InMemoryBroker } from '../../../src/streams/in-memory-broker.ts';
import { LocalRuntime } from '../../../src/streams/local-runtime.ts';
import type { Processor } from '../../../src/streams/processor.ts';
import { ProgressMonitor, runtimesHealth } from '../../../src/streams/progress-monitor.ts';
import type { StreamRecord } from '../../../src/streams/record.ts';
import { Topology } from '../../../src/streams/topology.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * Fails on a record whose value is "poison" the way a task really fails: a store I/O error
 * (a record a processor merely cannot handle is dead-lettered and the task goes on).
 */
function topology(): Topology {
  const processor = (): Processor<string, string, never, never> => ({
    process(r: StreamRecord<string, string>) {
      if (r.value === 'poison') throw new StoreIoError('store write failed: disk gone');
    },
  });
  return new Topology().addSource('in', 'in', stringSerde, stringSerde).addProcessor('p', { get: processor }, 'in');
}

async function setUp(stallMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'progress-'));
  dirs.push(dir);
  const clock = new MockClock(1_000_000);
  const broker = new InMemoryBroker(1);
  const registry = new MetricsRegistry();
  const runtime = new LocalRuntime({ broker, stateDir: dir, clock, registry, changelogs: false });
  await runtime.add('app', topology());
  const monitor = new ProgressMonitor(runtime, clock, stallMs, registry);
  const step = () => runtime.drain().then(() => monitor.stepSucceeded(), (err: unknown) => monitor.stepFailed(err));
  const send = (value: string) => broker.append('in', { key: Buffer.from('k'), value: Buffer.from(value), timestamp: clock.now(), headers: {} });
  const metric = (name: string) => Number(registry.exposition().split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1]);
  return { clock, runtime, monitor, step, send, metric };
}

describe('ProgressMonitor: /healthz and its metrics', () => {
  it('says unhealthy with the reason while a task fails, and healthy again once it steps', async () => {
    const t = await setUp(60_000);
    t.send('ok');
    await t.step();
    expect(t.monitor.health()).toEqual({ healthy: true });
    expect(t.metric('tailstream_task_failed')).toBe(0);

    t.send('poison');
    await t.step();
    expect(t.monitor.health()).toEqual({ healthy: false, reason: 'a pipeline task failed: store write failed: disk gone' });
    expect(t.metric('tailstream_task_failed')).toBe(1);
    await t.runtime.close();
  });

  it('says unhealthy when records wait and no commit succeeds for the stall time; an idle pipeline is not stalled', async () => {
    const t = await setUp(30_000);
    t.clock.advance(120_000); // idle: nothing waits
    await t.step();
    expect(t.monitor.health()).toEqual({ healthy: true });
    expect(t.metric('tailstream_last_commit_age_seconds')).toBe(0);

    t.send('a'); // a step that hangs (a sink call that never returns): records wait, nothing commits
    t.send('b');
    t.clock.advance(29_000);
    expect(t.monitor.health().healthy).toBe(true);
    t.clock.advance(2_000);
    expect(t.monitor.health()).toEqual({ healthy: false, reason: 'no commit for 31 s while 2 records wait' });
    expect(t.metric('tailstream_last_commit_age_seconds')).toBe(31);

    await t.step(); // the step completes and commits
    expect(t.monitor.health()).toEqual({ healthy: true });
    expect(t.metric('tailstream_last_commit_age_seconds')).toBe(0);
    await t.runtime.close();
  });
});

describe('runtimesHealth: /healthz in Kafka mode', () => {
  it('is unhealthy naming the topology while one of its runtimes has stopped on an error', () => {
    const ok = { applicationId: 'tailstream-sampling', error: () => undefined };
    const failed = { applicationId: 'tailstream-sink', error: () => new Error('consumer crashed: not retriable') };
    expect(runtimesHealth([ok])).toEqual({ healthy: true });
    expect(runtimesHealth([])).toEqual({ healthy: true });
    expect(runtimesHealth([ok, failed])).toEqual({ healthy: false, reason: 'topology tailstream-sink stopped: consumer crashed: not retriable' });
  });
});
