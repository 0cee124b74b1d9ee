import { describe, expect, it } from 'vitest';
import { stringSerde } from '../../src/serde/serde.ts';
import { TopologyTestDriver } from '../../src/streams/test-driver.ts';
import { Topology } from '../../src/streams/topology.ts';

/** A sink-like processor: buffers values outside Kafka and writes them out in its commit hook. */
function externalSink(written: string[], failures: { left: number }) {
  return new Topology().addSource('in', 'in', stringSerde, stringSerde).addProcessor(
    'external',
    {
      get: () => {
        let buffer: string[] = [];
        return {
          process(r: { value: string }) {
            buffer.push(r.value);
          },
          async commit() {
            if (failures.left > 0) {
              failures.left--;
              buffer = [];
              throw new Error('external system unavailable');
            }
            written.push(...buffer);
            buffer = [];
          },
        };
      },
    },
    'in',
  );
}

describe('commit failure on the in-process runtime', () => {
  it('rolls the task back and processes the uncommitted records again: nothing lost, nothing doubled', async () => {
    const written: string[] = [];
    const failures = { left: 2 };
    const d = await TopologyTestDriver.create(externalSink(written, failures));
    try {
      for (const v of ['a', 'b', 'c']) await d.pipe('in', stringSerde, stringSerde, 'k', v, 0);
      // Two failed commits, each retried on the next drain; the third succeeds.
      await d.runtime.drain();
      await d.runtime.drain();
      expect(written).toEqual(['a', 'b', 'c']);
      expect(d.runtime.metrics.commitFailures.total()).toBe(2);
    } finally {
      await d.close();
    }
  });
});
