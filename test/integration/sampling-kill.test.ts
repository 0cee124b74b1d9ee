/**
 * Tail sampling survives losing an instance: the topology on KafkaRuntime in two worker
 * processes, exactly-once; one is SIGKILLed mid-stream with traces in flight, the survivor
 * restores them from the changelogs and carries on. Kept traces, edges and span metrics
 * (read_committed) equal a single-instance run of the same input (see sampling-fault.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PARTITIONS, startFaultRun, type FaultRun, type SamplingStatus } from '../fixtures/sampling-fault.ts';

let run: FaultRun | undefined;
afterAll(() => run?.stop());

describe('tail sampling on the broker, exactly-once, one of two instances killed', () => {
  it('keeps the same traces with the same spans as a single instance; edges and metrics equal per minute', async () => {
    run = await startFaultRun('sampling-kill');
    expect(run.expected.size).toBeGreaterThan(150);
    const { workers, traces } = run;
    const a = workers.start();
    const b = workers.start();
    await a.waitFor((s) => s.partitions.length > 0, 'worker a assignment');
    await b.waitFor((s) => s.partitions.length > 0, 'worker b assignment');
    await a.waitFor((s) => s.partitions.length === PARTITIONS / 2, 'a 3/6 split');

    const half = Math.floor(traces.length / 2);
    await run.produce(traces.slice(0, half));
    // Kill while a has committed work and traces buffered, undecided: a commit counted
    // before the records were processed (ticks ask for commits too) holds none of it.
    await a.waitFor((s: SamplingStatus) => s.in > 100 && (s.inFlight ?? 0) > 0, 'a buffering traces');
    const commitsBuffering = a.last.commits;
    await a.waitFor((s: SamplingStatus) => s.commits > commitsBuffering && (s.inFlight ?? 0) > 0, 'a committing buffered traces');
    const killedWith = a.last as SamplingStatus;
    await a.kill('SIGKILL');
    await run.produce(traces.slice(half));
    await b.waitFor((s) => s.partitions.length === PARTITIONS, 'b takes over all partitions', 30_000);
    expect(b.last.restored).toBeGreaterThan(0);
    expect(killedWith.inFlight).toBeGreaterThan(0);

    await run.expectSameAsSingleInstance();
  }, 300_000);
});
