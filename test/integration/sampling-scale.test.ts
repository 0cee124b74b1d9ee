/**
 * Scaling out and back in during a run: one instance, then three (two rebalances while
 * traces are buffered), then one again (the two leave gracefully). Kept traces, edges and
 * span metrics equal a single-instance run of the same input (see sampling-fault.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PARTITIONS, startFaultRun, type FaultRun, type SamplingStatus } from '../fixtures/sampling-fault.ts';

let run: FaultRun | undefined;
afterAll(() => run?.stop());

describe('tail sampling on the broker, exactly-once, scaled 1 → 3 → 1 mid-stream', () => {
  it('keeps the same traces with the same spans as a single instance; edges and metrics equal per minute', async () => {
    run = await startFaultRun('sampling-scale');
    const { workers, traces } = run;
    const third = Math.floor(traces.length / 3);

    const a = workers.start();
    await a.waitFor((s) => s.partitions.length === PARTITIONS, 'a owns every partition');
    await run.produce(traces.slice(0, third));
    await a.waitFor((s: SamplingStatus) => s.commits > 0 && (s.inFlight ?? 0) > 0, 'a buffering traces and committing');

    const b = workers.start();
    const c = workers.start();
    for (const [w, name] of [[a, 'a'], [b, 'b'], [c, 'c']] as const) await w.waitFor((s) => s.partitions.length === 2, `${name} owns 2 of 6`, 60_000);
    await run.produce(traces.slice(third, 2 * third));
    await b.waitFor((s: SamplingStatus) => s.in > 0 && s.commits > 0, 'b processing and committing');
    await c.waitFor((s: SamplingStatus) => s.in > 0 && s.commits > 0, 'c processing and committing');
    expect(b.last.restored + c.last.restored).toBeGreaterThan(0);

    await Promise.all([b.kill('SIGTERM'), c.kill('SIGTERM')]);
    await a.waitFor((s) => s.partitions.length === PARTITIONS, 'a owns every partition again', 60_000);
    await run.produce(traces.slice(2 * third));

    await run.expectSameAsSingleInstance();
  }, 300_000);
});
