import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalRunLoop, type SteppedRuntime } from '../../../src/streams/local-run-loop.ts';

/** A runtime whose steps finish only when the test says so. */
function gatedRuntime() {
  const release: (() => void)[] = [];
  let steps = 0;
  const runtime: SteppedRuntime = {
    drain: () => {
      steps++;
      return new Promise<void>((r) => release.push(r));
    },
    punctuate: () => Promise.resolve(),
  };
  const finishOne = async (): Promise<void> => {
    release.shift()?.();
    await vi.advanceTimersByTimeAsync(0);
  };
  return { runtime, finishOne, steps: () => steps };
}

describe('the local runtime run loop (fake time)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs one step at once, and wake-ups during a step make exactly one more', async () => {
    const g = gatedRuntime();
    const loop = new LocalRunLoop(g.runtime, 60_000);
    expect(g.steps()).toBe(1);
    loop.wake();
    loop.wake();
    expect(g.steps()).toBe(1);
    await g.finishOne();
    expect(g.steps()).toBe(2);
    await g.finishOne();
    expect(g.steps()).toBe(2);
    const stopping = loop.stop();
    await stopping;
  });

  it('steps on every interval; a failed step is reported and the loop goes on', async () => {
    let calls = 0;
    const failed: unknown[] = [];
    const runtime: SteppedRuntime = {
      drain: () => (++calls === 1 ? Promise.reject(new Error('boom')) : Promise.resolve()),
      punctuate: () => Promise.resolve(),
    };
    const loop = new LocalRunLoop(runtime, 100, { failed: (e) => failed.push(e) });
    await vi.advanceTimersByTimeAsync(0);
    expect(failed).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(250);
    expect(calls).toBe(3);
    await loop.stop();
  });

  it('stop waits for the running step and starts no other, even when woken meanwhile', async () => {
    const g = gatedRuntime();
    const loop = new LocalRunLoop(g.runtime, 100);
    loop.wake(); // queued behind the running step
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    await g.finishOne();
    await stopping;
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(g.steps()).toBe(1);
  });
});
