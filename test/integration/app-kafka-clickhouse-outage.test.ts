import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startPipeline } from '../../src/app/pipeline.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { MetricsRegistry } from '../../src/metrics/registry.ts';
import { createLogger } from '../../src/util/log.ts';
import { EPHEMERAL_PORTS, keepAllConfig, kafkaRunEnv } from '../fixtures/app-env.ts';
import { until } from '../fixtures/app-process.ts';
import { openSwitchableClickHouse } from '../fixtures/clickhouse-outage.ts';
import { testBrokerLabel, uniqueName } from '../fixtures/kafka.ts';
import { jaegerShape, sendCheckoutTraces, sentShapes, waitForWholeTraces } from '../fixtures/otel-traces.ts';

/** Sum of every series of a counter in the Prometheus exposition. */
function total(registry: MetricsRegistry, name: string): number {
  return registry
    .exposition()
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

describe(`the Kafka pipeline (${testBrokerLabel()}) while ClickHouse is unreachable`, () => {
  it('keeps accepting OTLP (into Kafka) and deciding traces; once ClickHouse is back every trace is stored whole and once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailstream-outage-app-'));
    const config = loadConfig({
      ...kafkaRunEnv(uniqueName('outage-app')),
      ...EPHEMERAL_PORTS,
      DATA_DIR: dir,
      TAILSTREAM_CONFIG: keepAllConfig(dir, { decisionWait: '1s', rootGrace: '200ms' }),
      SAMPLING_TICK_MS: '100',
      SINK_FLUSH_MS: '200',
      WINDOW_FLUSH_DELAY_MS: '-60000',
    });
    const started = Date.now();
    const ch = await openSwitchableClickHouse();
    const logs: string[] = [];
    // The app's own ClickHouse path (client, migrations, sink, query server) over the switchable connection.
    const pipeline = await startPipeline(config, createLogger('outage-app', 'warn', (l) => logs.push(l)), { clickhouse: ch.client });
    console.log(`[outage-app] pipeline started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const { otlp, query } = pipeline.ports;
    if (otlp === undefined || query === undefined) throw new Error('every role runs here: OTLP and query ports expected');
    const t0 = Date.now();
    const phase = (what: string) => console.log(`[outage-app] ${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
    const state = () => `refused: ${ch.refused()}; logs: ${logs.slice(-4).join('\n')}`;
    try {
      const first = await sendCheckoutTraces(otlp, 4);
      await waitForWholeTraces(query, sentShapes(first.spans), 60_000, state);

      phase('first traces whole; ClickHouse down');
      ch.down();
      const decidedBefore = total(pipeline.registry, 'tailstream_sampling_decisions_total');
      const during = await sendCheckoutTraces(otlp, 8, 4);
      expect(during.exportCodes.length).toBeGreaterThan(0);
      expect(during.exportCodes.every((c) => c === 0), `OTLP exports while ClickHouse is down: ${during.exportCodes.join(',')}`).toBe(true);
      await until('the outage traces decided by tail sampling', async () => (total(pipeline.registry, 'tailstream_sampling_decisions_total') >= decidedBefore + 8 ? true : undefined), 30_000, state);
      const refusedAt = ch.refused();
      await until('the sink to be refused by ClickHouse again after the decisions', async () => (ch.refused() > refusedAt ? true : undefined), 30_000, state);
      expect(await ch.count(`SELECT count() FROM tailstream.spans WHERE trace_id IN (${[...sentShapes(during.spans).keys()].map((id) => `'${id}'`).join(',')})`)).toBe(0);

      phase('outage traces decided and refused by ClickHouse; ClickHouse up');
      ch.up();
      const all = sentShapes([...first.spans, ...during.spans]);
      const traces = await waitForWholeTraces(query, all, 90_000, state);
      for (const [traceId, t] of traces) expect(jaegerShape(t), `trace ${traceId}`).toEqual(all.get(traceId));
      phase('every trace whole');
      const spans = first.spans.length + during.spans.length;
      expect(await ch.count('SELECT count() FROM tailstream.spans'), 'span rows (a doubled batch would show)').toBe(spans);
      expect(await ch.count('SELECT uniqExact(trace_id) FROM tailstream.traces')).toBe(12);
    } finally {
      await pipeline.stop();
      await ch.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000); // each wait is bounded and named; alone ~30 s, next to another pipeline on 2 busy cores ~80 s
});
