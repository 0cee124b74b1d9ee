import { describe, expect, it } from 'vitest';
import { ADAPTIVE_DEFAULTS, AdaptiveSampler, rootSpan, traceKey } from '../../../src/sampling/adaptive.ts';
import type { AdaptiveConfig } from '../../../src/sampling/adaptive.ts';
import { trace, traceIds } from './fixtures.ts';

const config = (over: Partial<AdaptiveConfig> = {}): AdaptiveConfig => ({
  ...ADAPTIVE_DEFAULTS,
  target_traces_per_second: 5,
  adjustment_interval: 10_000,
  ...over,
});

const ids = traceIds(200_000, 99);
let nextId = 0;
/** A one-span trace of `service` / `name`, with a fresh random trace id. */
const rootTrace = (service: string, name: string) =>
  trace([{ service, name }], { traceId: ids[nextId++ % ids.length] ?? '' });

describe('adaptive key', () => {
  it('defaults to the root span service and name', () => {
    const t = trace([
      { service: 'frontend', name: 'GET /cart', spanId: 'a'.repeat(16), startMs: 5 },
      { service: 'db', name: 'SELECT', spanId: 'b'.repeat(16), parent: 'a'.repeat(16), startMs: 0 },
    ]);
    expect(traceKey(t, ADAPTIVE_DEFAULTS.key_fields).split('\u001f')).toEqual(['frontend', 'GET /cart']);
  });
  it('falls back to the earliest span when the root is missing, and reads root attributes', () => {
    const t = trace([
      { name: 'late', parent: '1'.repeat(16), startMs: 9 },
      { name: 'early', parent: '1'.repeat(16), startMs: 1, attributes: { 'http.route': '/x' }, resource: { env: 'prod' } },
    ]);
    expect(rootSpan(t.spans)?.name).toBe('early');
    expect(traceKey(t, ['span.name', 'http.route', 'env', 'missing']).split('\u001f')).toEqual(['early', '/x', 'prod', '']);
  });
});

describe('AdaptiveSampler', () => {
  it('converges each busy key to its target rate and keeps quiet keys whole', () => {
    const s = new AdaptiveSampler('adaptive', config());
    const offered = { hot: 100, warm: 20, cold: 2 } as const; // traces/s
    const kept = { hot: 0, warm: 0, cold: 0 };
    const events: { at: number; key: keyof typeof offered }[] = [];
    for (const key of Object.keys(offered) as (keyof typeof offered)[]) {
      const gap = 1000 / offered[key];
      for (let at = 0; at < 300_000; at += gap) events.push({ at, key });
    }
    events.sort((a, b) => a.at - b.at);
    for (const { at, key } of events) {
      const v = s.evaluate(rootTrace('svc', key), at);
      if (at >= 100_000 && v.outcome === 'sampled') kept[key]++;
    }
    const perSecond = (n: number) => n / 200;
    expect(perSecond(kept.hot)).toBeGreaterThan(4.5);
    expect(perSecond(kept.hot)).toBeLessThan(5.5);
    expect(perSecond(kept.warm)).toBeGreaterThan(4.5);
    expect(perSecond(kept.warm)).toBeLessThan(5.5);
    expect(kept.cold).toBe(2 * 200);
    expect(s.rateFor(['svc', 'hot'])).toBeCloseTo(20, 5);
    expect(s.rateFor(['svc', 'warm'])).toBeCloseTo(4, 5);
    expect(s.rateFor(['svc', 'cold'])).toBe(1);
  });

  it('reports the key rate on every verdict, kept or not, and decides deterministically', () => {
    const a = new AdaptiveSampler('a', config({ target_traces_per_second: 1, adjustment_interval: 1000 }));
    const b = new AdaptiveSampler('b', config({ target_traces_per_second: 1, adjustment_interval: 1000 }));
    const traces = Array.from({ length: 400 }, () => rootTrace('svc', 'op'));
    const run = (s: AdaptiveSampler) => traces.map((t, i) => s.evaluate(t, i * 10)); // 100/s
    const va = run(a);
    expect(run(b)).toEqual(va);
    const later = va.slice(100);
    expect(new Set(later.map((v) => v.sampleRate))).toEqual(new Set([100]));
    expect(later.some((v) => v.outcome === 'not_sampled')).toBe(true);
  });

  it('follows a drop in traffic through the EMA', () => {
    const s = new AdaptiveSampler('a', config({ target_traces_per_second: 5, adjustment_interval: 1000 }));
    let at = 0;
    const run = (perSecond: number, seconds: number) => {
      for (const end = at + seconds * 1000; at < end; at += 1000 / perSecond) s.evaluate(rootTrace('svc', 'op'), at);
    };
    run(100, 5);
    const rates: number[] = [];
    for (let i = 0; i < 5; i++) {
      run(10, 1);
      rates.push(s.rateFor(['svc', 'op']));
    }
    // ema_k = 10 + 90 × 0.5^k traces/s once the 10/s seconds are folded in; rate = ema / 5
    const want = [100, 55, 32.5, 21.25, 15.625].map((ema) => ema / 5);
    rates.forEach((r, i) => expect(r).toBeCloseTo(want[i] ?? 0, 5));
  });

  it('bounds its key map, evicting the least recently seen key', () => {
    const s = new AdaptiveSampler('a', config({ target_traces_per_second: 1, adjustment_interval: 1000, max_keys: 3 }));
    for (let i = 0; i < 10; i++) for (const k of ['a', 'b', 'c']) s.evaluate(rootTrace('svc', k), i * 10);
    s.evaluate(rootTrace('svc', 'a'), 1000); // folds the interval: a, b, c at 10 traces/s
    s.evaluate(rootTrace('svc', 'd'), 1000); // evicts b, the least recently seen
    expect(s.size).toBe(3);
    expect(s.stateSize()).toBe(3);
    expect(s.rateFor(['svc', 'b'])).toBe(1);
    expect(s.rateFor(['svc', 'c'])).toBeCloseTo(10, 5);
    expect(s.rateFor(['svc', 'a'])).toBeCloseTo(10, 5);
    for (let i = 0; i < 1000; i++) s.evaluate(rootTrace('svc', `k${i}`), 1000);
    expect(s.size).toBe(3);
  });

  it('forgets keys that went quiet', () => {
    const s = new AdaptiveSampler('a', config({ target_traces_per_second: 1, adjustment_interval: 1000 }));
    for (let i = 0; i < 10; i++) s.evaluate(rootTrace('svc', 'gone'), i * 10);
    s.evaluate(rootTrace('svc', 'new'), 30_000);
    expect(s.size).toBe(1);
    expect(s.rateFor(['svc', 'gone'])).toBe(1);
  });
});
