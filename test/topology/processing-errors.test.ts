/**
 * No single record can stop a task (issue 12): a record a processor throws on goes to the
 * topology's dead-letter topic with the reason and source, its neighbours go on; a
 * punctuator that throws does not stop the others or its own next run; fatal errors
 * (store I/O, task errors) still fail the task.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stringSerde } from '../../src/serde/serde.ts';
import type { ProcessorContext } from '../../src/streams/processor.ts';
import { StreamRecord } from '../../src/streams/record.ts';
import { TaskError } from '../../src/streams/task.ts';
import { TopologyTestDriver } from '../../src/streams/test-driver.ts';
import { Topology } from '../../src/streams/topology.ts';

const drivers: TopologyTestDriver[] = [];
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.close().catch(() => undefined);
});

/** Upper-cases values; throws on 'bad', and a TaskError on 'fatal'. Punctuation forwards 'tick' and throws on odd runs. */
function topology(): Topology {
  return new Topology()
    .addSource('in', 'in', stringSerde, stringSerde)
    .addProcessor(
      'upper',
      {
        get: () => {
          let ctx: ProcessorContext<string, string>;
          let runs = 0;
          return {
            init(c: ProcessorContext<string, string>) {
              ctx = c;
              c.schedule(100, 'wall-clock', async (at) => {
                runs++;
                if (runs % 2 === 1) throw new RangeError(`window start must be an integer ms, got ${at}`);
                await ctx.forward(new StreamRecord('tick', `tick ${runs}`, at));
              });
            },
            async process(r) {
              const v = r.value as string;
              if (v === 'bad') throw new RangeError('cannot upper-case "bad"');
              if (v === 'fatal') throw new TaskError('store write failed');
              await ctx.forward(new StreamRecord(r.key as string, v.toUpperCase(), r.timestamp));
            },
          };
        },
      },
      'in',
    )
    .addSink('out', 'out', stringSerde, stringSerde, 'upper')
    .withDeadLetterTopic('in.dlq');
}

const text = (h: Readonly<Record<string, Buffer>>, k: string) => h[k]?.toString();

describe('processing exceptions', () => {
  it('dead-letters the record a processor throws on, with reason and source; neighbours land', async () => {
    const d = await TopologyTestDriver.create(topology());
    drivers.push(d);
    for (const v of ['a', 'bad', 'c']) await d.pipe('in', stringSerde, stringSerde, 'k', v, 1);
    expect(d.readOutput('out', stringSerde, stringSerde).map((r) => r.value)).toEqual(['A', 'C']);
    const dlq = d.readOutput('in.dlq', stringSerde, stringSerde);
    expect(dlq.map((r) => r.value)).toEqual(['bad']);
    expect(text(dlq[0]?.headers ?? {}, 'error.reason')).toMatch(/^processor upper failed on in\/0@1: RangeError: cannot upper-case "bad"$/);
    expect(text(dlq[0]?.headers ?? {}, 'error.source')).toBe('processor:upper');
    expect(d.runtime.metrics.deadLetters.get({ app: 'test-app', topic: 'in.dlq', cause: 'process' })).toBe(1);
  });

  it('still fails the task on a fatal error', async () => {
    const d = await TopologyTestDriver.create(topology());
    drivers.push(d);
    await expect(d.pipe('in', stringSerde, stringSerde, 'k', 'fatal', 1)).rejects.toThrow(/store write failed/);
  });

  it('a punctuator that throws is counted and runs again at its next interval', async () => {
    const d = await TopologyTestDriver.create(topology());
    drivers.push(d);
    for (let i = 0; i < 4; i++) await d.advanceWallClock(100);
    expect(d.readOutput('out', stringSerde, stringSerde).map((r) => r.value)).toEqual(['tick 2', 'tick 4']);
    expect(d.runtime.metrics.processingErrors.get({ app: 'test-app', node: 'upper', cause: 'punctuate' })).toBe(2);
    await d.pipe('in', stringSerde, stringSerde, 'k', 'after', 1);
    expect(d.readOutput('out', stringSerde, stringSerde).map((r) => r.value)).toEqual(['AFTER']);
  });
});
