import { afterEach, describe, expect, it } from 'vitest';
import { jsonSerde, stringSerde } from '../../src/serde/serde.ts';
import { TopologyTestDriver } from '../../src/streams/test-driver.ts';
import { Topology } from '../../src/streams/topology.ts';
import type { ProcessorContext, PunctuationType } from '../../src/streams/processor.ts';
import { StreamRecord } from '../../src/streams/record.ts';

interface Tick {
  type: PunctuationType;
  at: number;
  seen: number;
}

/** Emits a tick on each punctuation, carrying how many records it saw since the last tick. */
function ticker(type: PunctuationType, intervalMs: number) {
  return new Topology()
    .addSource('in', 'in', stringSerde, stringSerde)
    .addProcessor(
      'ticker',
      {
        get: () => {
          let seen = 0;
          let ctx: ProcessorContext<string, Tick>;
          return {
            init(c: ProcessorContext<string, Tick>) {
              ctx = c;
              c.schedule(intervalMs, type, async (at) => {
                await ctx.forward(new StreamRecord('tick', { type, at, seen }, at));
                seen = 0;
              });
            },
            process() {
              seen++;
            },
          };
        },
      },
      'in',
    )
    .addSink('out', 'ticks', stringSerde, jsonSerde<Tick>(), 'ticker');
}

const drivers: TopologyTestDriver[] = [];
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.close();
});

describe('punctuation', () => {
  it('fires on stream time as record timestamps advance, not on the wall clock', async () => {
    const d = await TopologyTestDriver.create(ticker('stream-time', 1000));
    drivers.push(d);
    const ticks = () => d.readOutput('ticks', stringSerde, jsonSerde<Tick>()).map((r) => r.value);
    await d.pipe('in', stringSerde, stringSerde, 'k', 'v', 10_000); // starts stream time
    await d.pipe('in', stringSerde, stringSerde, 'k', 'v', 10_500);
    expect(ticks()).toEqual([]);
    await d.advanceWallClock(60_000);
    expect(ticks()).toEqual([]);
    await d.pipe('in', stringSerde, stringSerde, 'k', 'v', 11_000);
    expect(ticks()).toEqual([{ type: 'stream-time', at: 11_000, seen: 3 }]);
    await d.pipe('in', stringSerde, stringSerde, 'k', 'v', 10_200); // out of order: no advance
    await d.pipe('in', stringSerde, stringSerde, 'k', 'v', 15_500); // jump: one tick, not four
    expect(ticks()).toEqual([{ type: 'stream-time', at: 15_500, seen: 2 }]);
  });

  it('fires on wall-clock time only when the clock advances', async () => {
    const d = await TopologyTestDriver.create(ticker('wall-clock', 1000), { wallClockMs: 5_000 });
    drivers.push(d);
    const ticks = () => d.readOutput('ticks', stringSerde, jsonSerde<Tick>()).map((r) => r.value);
    await d.pipe('in', stringSerde, stringSerde, 'k', 'v', 99_999_999);
    expect(ticks()).toEqual([]);
    await d.advanceWallClock(999);
    expect(ticks()).toEqual([]);
    await d.advanceWallClock(1);
    expect(ticks()).toEqual([{ type: 'wall-clock', at: 6_000, seen: 1 }]);
    await d.advanceWallClock(3_500);
    expect(ticks()).toEqual([{ type: 'wall-clock', at: 9_500, seen: 0 }]);
    await d.advanceWallClock(500);
    expect(ticks()).toEqual([{ type: 'wall-clock', at: 10_000, seen: 0 }]);
  });
});
