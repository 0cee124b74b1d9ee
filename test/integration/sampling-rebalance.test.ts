/**
 * Tail sampling across rebalances with traces in flight, exactly-once, the input topics as
 * the span buffer's changelog (the default): committed offsets lag to each task's oldest
 * in-flight trace, so a partition that changes owner is replayed from there. A second
 * instance joins mid-stream (half the partitions move to it), then leaves cleanly (SIGTERM:
 * they move back), with spans arriving all along. Kept traces, edges and span metrics
 * (read_committed) must equal a single-instance run of the same input (sampling-fault.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUFFER_CHANGELOG } from '../../src/sampling/assembly/options.ts';
import { PARTITIONS, startFaultRun, type FaultRun, type SamplingStatus } from '../fixtures/sampling-fault.ts';
import type { WorkerProcess } from '../fixtures/worker.ts';

let run: FaultRun | undefined;
afterAll(() => run?.stop());

/** Traces per chunk while trickling, and the pause between chunks: ~16 traces/s, about a minute of workload. */
const CHUNK = 4;
const CHUNK_GAP_MS = 250;

describe('tail sampling on the broker, exactly-once, an instance joining and leaving mid-stream', () => {
  it('loses and doubles nothing: kept traces as a single instance, edges and metrics equal per minute', async () => {
    expect(DEFAULT_BUFFER_CHANGELOG).toBe('source');
    run = await startFaultRun('sampling-rebalance');
    const { workers, traces } = run;
    const current = run;
    let sent = 0;
    /** Produces the workload in small paced chunks (spans arriving all along), until `done` has held for a few more of them. */
    const trickleUntil = async (done: () => boolean, what: string): Promise<void> => {
      for (let after = 0; after < 5; ) {
        if (sent >= traces.length) throw new Error(`workload used up before ${what}`);
        await current.produce(traces.slice(sent, sent + CHUNK));
        sent += CHUNK;
        if (done()) after++;
        await new Promise((r) => setTimeout(r, CHUNK_GAP_MS));
      }
    };
    const inFlight = (w: WorkerProcess) => (w.last as SamplingStatus).inFlight ?? 0;

    const a = workers.start();
    await a.waitFor((s) => s.partitions.length === PARTITIONS, 'a owns every partition');
    await current.produce(traces.slice(0, 300));
    sent = 300;
    await a.waitFor((s) => s.commits > 0 && inFlight(a) > 0, 'a buffering traces and committing');

    // b joins while spans keep arriving: half of a's tasks, traces in flight, move to b.
    const b = workers.start();
    await trickleUntil(() => b.last.partitions.length === PARTITIONS / 2 && a.last.partitions.length === PARTITIONS / 2, 'b taking half the partitions');
    await b.waitFor((s) => s.commits > 0 && inFlight(b) > 0, 'b buffering traces and committing');
    const joinedAt = sent;

    // b leaves cleanly while spans keep arriving: its tasks, traces in flight, move back to a.
    const leaving = b.kill('SIGTERM');
    await trickleUntil(() => a.last.partitions.length === PARTITIONS, 'a taking every partition back');
    expect(await leaving).toBe(0);
    expect(sent).toBeGreaterThan(joinedAt);
    expect(sent).toBeLessThan(traces.length);
    await current.produce(traces.slice(sent));

    await current.expectSameAsSingleInstance();
  }, 300_000);
});
