import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueryApp } from '../../src/query/app.ts';
import { openTestClickHouse, type TestClickHouse } from '../fixtures/clickhouse.ts';
import { ids, loadQueryDataSet, queryDataSet, serve } from '../fixtures/query.ts';
import { loadWorkload, type LoadedWorkload } from '../fixtures/query-workload.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = 'test-output/screenshots';
let ch: TestClickHouse;
let http: { url: string; close(): Promise<void> };
let browser: Browser;
let page: Page;
let wl: LoadedWorkload;

describe.skipIf(!existsSync(CHROMIUM))(`query UI in headless Chromium (skipped: ${CHROMIUM} is absent)`, () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ch = await openTestClickHouse({ spansTtlDays: 0, errorTtlDays: 0 });
    wl = await loadWorkload(ch.client, { seed: 11, traces: 30, startMs: Date.now() - 20 * 60_000, edges: true });
    await loadQueryDataSet(ch, queryDataSet(Date.now()), { edges: false });
    http = await serve(createQueryApp({ client: ch.client, database: 'tailstream' }));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (err) => { throw err; });
  });
  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await ch?.close();
  });

  /** The biggest trace of the workload: the hardest waterfall. */
  const biggest = () => [...wl.truth.traces.values()].sort((a, b) => b.spanCount - a.spanCount)[0]!;

  it('search finds the trace by service, operation and time range, with its summary', async () => {
    const t = biggest();
    const rootName = await rootOperationName(t.traceId);
    await page.goto(`${http.url}/#/search`);
    await page.selectOption('select[name=service]', t.rootService);
    await page.locator('select[name=operation] option', { hasText: rootName }).first().waitFor({ state: 'attached' });
    await page.selectOption('select[name=operation]', rootName);
    await page.selectOption('select[name=lookback]', '1h');
    await page.click('button[type=submit]');
    const card = page.locator(`[data-testid=result][data-trace-id="${t.traceId}"]`);
    await card.waitFor();
    expect(await card.textContent()).toContain(`${t.spanCount} spans`);
    expect(await card.textContent()).toContain('kept by');
    await page.screenshot({ path: `${SHOTS}/search.png`, fullPage: true });
    await card.click();
    await page.locator('[data-testid=waterfall]').waitFor();
    expect(page.url()).toContain(`#/trace/${t.traceId}`);
  });

  it('the waterfall shows every span once, each under its parent, in depth-first order', async () => {
    const t = biggest();
    const res = await fetch(`${http.url}/api/traces/${t.traceId}`);
    const spans = ((await res.json()) as { data: { spans: { spanID: string; references: { refType: string; spanID: string }[] }[] }[] }).data[0]!.spans;
    await page.goto(`${http.url}/#/trace/${t.traceId}`);
    await page.locator('[data-testid=span-row]').first().waitFor();
    const rows = await page.$$eval('[data-testid=span-row]', (els) => els.map((e) => ({ id: e.getAttribute('data-span-id')!, parent: e.getAttribute('data-parent-id')!, depth: Number(e.getAttribute('data-depth')) })));
    expect(rows).toHaveLength(t.spanCount);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(spans.map((s) => s.spanID)));
    const seen = new Map<string, number>();
    for (const r of rows) {
      const parent = spans.find((s) => s.spanID === r.id)!.references.find((x) => x.refType === 'CHILD_OF')?.spanID ?? '';
      expect(r.parent).toBe(parent);
      expect(r.depth).toBe(parent === '' ? 0 : seen.get(parent)! + 1); // the parent came earlier
      seen.set(r.id, r.depth);
    }
    expect(await page.textContent('[data-testid=kept-by]')).toMatch(/kept by (errors|latency>1s|probabilistic-10%)/);
    await page.screenshot({ path: `${SHOTS}/waterfall.png`, fullPage: true });
    await page.locator('[data-testid=span-row]').nth(1).click();
    await page.locator('[data-testid=span-details]').waitFor();
    expect(await page.textContent('[data-testid=span-details]')).toContain('Attributes');
    await page.screenshot({ path: `${SHOTS}/span-details.png`, fullPage: true });
  });

  it('highlights errors and draws a clock-skewed child inside its parent, flagged', async () => {
    await page.goto(`${http.url}/#/trace/${ids.C}`);
    await page.locator('[data-testid=skew-note]').waitFor();
    const box = async (id: string) => page.locator(`[data-span-id="${id}"] .wf-bar`).boundingBox();
    const parent = await box('0000000000000016');
    const child = await box('0000000000000017');
    expect(child!.x).toBeGreaterThanOrEqual(parent!.x - 0.5);
    expect(child!.x + child!.width).toBeLessThanOrEqual(parent!.x + parent!.width + 0.5);
    expect(await page.getAttribute('[data-span-id="0000000000000017"]', 'class')).toContain('skewed');
    await page.screenshot({ path: `${SHOTS}/clock-skew.png`, fullPage: true });
    await page.goto(`${http.url}/#/trace/${ids.A}`);
    await page.locator('[data-testid=span-row]').first().waitFor();
    expect(await page.$$eval('.wf-row.error', (els) => els.map((e) => e.getAttribute('data-span-id')))).toEqual(['0000000000000001', '0000000000000002', '0000000000000003']);
    await page.locator('[data-span-id="0000000000000003"]').click();
    const details = await page.textContent('[data-testid=span-details]');
    expect(details).toContain('CardDeclined');
    expect(details).toContain('card declined');
    await page.screenshot({ path: `${SHOTS}/errors.png`, fullPage: true });
  });

  it('the service map shows exactly the known edges with their call counts', async () => {
    await page.goto(`${http.url}/#/map?lookback=3600000`);
    await page.locator('[data-testid=service-map]').waitFor();
    const drawn = await page.$$eval('[data-edge]', (els) => els.map((e) => [e.getAttribute('data-edge')!, Number(e.getAttribute('data-calls'))] as const));
    const sum = (pairs: Iterable<readonly [string, number]>): Map<string, number> => {
      const m = new Map<string, number>();
      for (const [k, n] of pairs) m.set(k, (m.get(k) ?? 0) + n);
      return m;
    };
    const known = sum([...wl.truth.edges].map(([k, n]) => { const [p, c] = k.split('|'); return [`${p}>${c}`, n] as const; }));
    expect(sum(drawn)).toEqual(known);
    const nodes = await page.$$eval('[data-node]', (els) => els.map((e) => e.getAttribute('data-node')));
    expect(new Set(nodes)).toEqual(new Set([...known.keys()].flatMap((k) => k.split('>'))));
    await page.screenshot({ path: `${SHOTS}/service-map.png`, fullPage: true });
  });
});

async function rootOperationName(traceId: string): Promise<string> {
  const res = await fetch(`${http.url}/api/traces/${traceId}`);
  const spans = ((await res.json()) as { data: { spans: { operationName: string; references: unknown[] }[] }[] }).data[0]!.spans;
  return spans.find((s) => s.references.length === 0)!.operationName;
}
