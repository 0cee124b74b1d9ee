/**
 * The Sampling page in headless Chromium over stats a seeded workload produced through the
 * tail-sampling and sink topologies (adaptive policy included): the tables show the ground
 * truth, the adaptive policy's actual rate beside its target, and a screenshot is kept.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueryApp } from '../../src/query/app.ts';
import type { SamplingStats } from '../../src/query/sampling-stats.ts';
import { openTestClickHouse, type TestClickHouse } from '../fixtures/clickhouse.ts';
import { serve } from '../fixtures/query.ts';
import { statsPipeline, statsWorkload, truthBy, type PlannedTrace } from '../fixtures/sampling-stats.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = 'test-output/screenshots';
const TARGET = 0.5;
const CONFIG = `
decision_wait: 2s
root_grace: 1s
policies:
  - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
  - { name: adaptive, type: adaptive, adaptive: { target_traces_per_second: ${TARGET}, key_fields: [service.name], adjustment_interval: 5s } }
`;

let ch: TestClickHouse;
let http: { url: string; close(): Promise<void> };
let browser: Browser;
let page: Page;
let plan: PlannedTrace[];
let kept: Map<string, string>;
let stats: SamplingStats;

describe.skipIf(!existsSync(CHROMIUM))(`Sampling page in headless Chromium (skipped: ${CHROMIUM} is absent)`, () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ch = await openTestClickHouse({ spansTtlDays: 0, errorTtlDays: 0, minuteTtlDays: 0, hourTtlDays: 0 });
    const startMs = Date.now() - 20 * 60_000;
    plan = statsWorkload(1_200, 240, 'sampling-ui');
    const pipe = await statsPipeline(ch.client, { startMs, config: CONFIG });
    await pipe.run(plan);
    kept = pipe.keptTraces();
    await pipe.close();
    http = await serve(createQueryApp({ client: ch.client, database: 'tailstream' }));
    stats = ((await (await fetch(`${http.url}/api/sampling/stats?from=${Date.now() - 3_600_000}&to=${Date.now()}`)).json()) as { data: SamplingStats }).data;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (err) => { throw err; });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await ch?.close();
  });

  it('shows seen and kept per policy and per service exactly, and which policy kept what', async () => {
    await page.goto(`${http.url}/#/sampling?lookback=3600000`);
    await page.locator('[data-testid=policy-row]').first().waitFor();
    const rows = (sel: string, key: string) => page.$$eval(sel, (els, k) => els.map((e) => [e.getAttribute(k), Number(e.getAttribute('data-seen')), Number(e.getAttribute('data-kept'))]), key);
    const keptBy = (policyOf: (t: PlannedTrace) => string | undefined, key: (t: PlannedTrace) => string) => {
      const m = new Map<string, number>();
      for (const t of plan) if (policyOf(t) !== undefined) m.set(key(t), (m.get(key(t)) ?? 0) + 1);
      return m;
    };
    const seenByPolicy = truthBy(plan, (e) => e.policy === 'errors' ? 'errors' : 'adaptive');
    const keptByPolicy = keptBy((t) => kept.get(t.traceId), (t) => kept.get(t.traceId) as string);
    expect(new Map((await rows('[data-testid=policy-row]', 'data-policy')).map(([p, seen, k]) => [p, [seen, k]]))).toEqual(
      new Map([...seenByPolicy].map(([p, v]) => [p, [v.traces, keptByPolicy.get(p) ?? 0]])),
    );
    const seenByService = truthBy(plan, (e) => e.service);
    const keptByService = keptBy((t) => kept.get(t.traceId), (t) => t.expected.service);
    expect(new Map((await rows('[data-testid=service-row]', 'data-service')).map(([s, seen, k]) => [s, [seen, k]]))).toEqual(
      new Map([...seenByService].map(([s, v]) => [s, [v.traces, keptByService.get(s) ?? 0]])),
    );
    const badges = await page.$$eval('[data-testid=service-row]', (els) => els.map((e) => [e.getAttribute('data-service'), Object.fromEntries([...e.querySelectorAll('[data-testid=kept-by] .kept')].map((b) => [b.getAttribute('data-policy'), Number(b.getAttribute('data-count'))]))]));
    for (const [service, by] of badges) {
      const truth: Record<string, number> = {};
      for (const t of plan) if (t.expected.service === service && kept.has(t.traceId)) truth[kept.get(t.traceId) as string] = (truth[kept.get(t.traceId) as string] ?? 0) + 1;
      expect(by).toEqual(truth);
    }
  });

  it("shows the adaptive policy's actual rate beside its target, and the two over time", async () => {
    const adaptive = page.locator('[data-testid=policy-row][data-policy=adaptive]');
    expect(await adaptive.locator('[data-testid=target]').textContent()).toBe('0.50 traces/s per key');
    const api = stats.policies.find((p) => p.policy === 'adaptive');
    expect(api).toMatchObject({ targetKind: 'traces_per_second_per_key', target: TARGET, services: 3 });
    expect(await adaptive.locator('[data-testid=actual]').textContent()).toBe(`${(api?.actual ?? NaN).toFixed(2)} traces/s per key`);
    // Whole minutes in the middle of the run: the adaptive policy holds its target (each of
    // the two tasks aims at half of it) within 30 %. It reads low by about the errors
    // policy's share: error traces it would keep count as kept by errors, listed first.
    const minutes = stats.series.filter((s) => s.policy === 'adaptive').slice(1, -1);
    expect(minutes.length).toBeGreaterThanOrEqual(2);
    for (const m of minutes) expect(Math.abs((m.actual ?? 0) - TARGET) / TARGET).toBeLessThan(0.3);
    const chart = page.locator('[data-testid=rate-chart][data-policy=adaptive]');
    expect(await chart.locator('path[data-series=actual]').getAttribute('d')).toMatch(/^M.+L/);
    expect(await chart.locator('path[data-series=target]').getAttribute('d')).toMatch(/^M.+L/);
    await page.screenshot({ path: `${SHOTS}/sampling.png`, fullPage: true });
  });

  it('filters by service through the selector', async () => {
    await page.selectOption('select[name=service]', 'checkout');
    await page.waitForFunction("document.querySelectorAll('[data-testid=service-row]').length === 1");
    const seen = await page.getAttribute('[data-testid=service-row]', 'data-seen');
    expect(Number(seen)).toBe(truthBy(plan, (e) => e.service).get('checkout')?.traces);
    await page.screenshot({ path: `${SHOTS}/sampling-checkout.png`, fullPage: true });
  });
});
