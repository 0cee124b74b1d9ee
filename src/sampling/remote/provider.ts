/**
 * Remote sampling: the strategy each service gets, and the adaptive recomputation. Explicitly
 * configured services get their configured strategy; every other service gets the default
 * strategy, or with `adaptive` on, the newest computed per-operation probabilities. A
 * computation reads only ClickHouse (span_metrics and the previous computation) and writes
 * its result there, so every instance computes, and serves, the same probabilities.
 */
import { createLogger } from '../../util/log.ts';
import { computeWindow, opKey, splitKey } from './adaptive-calc.ts';
import type { AdaptiveStore, ProbabilityRow } from './adaptive-store.ts';
import type { RemoteSamplingConfig } from './config.ts';
import { adaptiveStrategy, staticStrategy, type SamplingStrategyResponse } from './strategies.ts';

const WINDOW_MS = 60_000;
/** How long an instance reuses the newest probabilities before reading them again. */
const CACHE_MS = 5_000;
/** Margin after a window's span metrics are due before it is computed. */
const SETTLE_MS = 10_000;

export interface RemoteSamplingOptions {
  /** Adaptive mode's ClickHouse; without it only configured strategies are served. */
  readonly store?: AdaptiveStore;
  /** When the span metrics of a window are complete: the window flush delay. */
  readonly windowFlushDelayMs?: number;
  readonly nowMs?: () => number;
}

const log = createLogger('sampling.remote');

export class RemoteSampling {
  private cache: { atMs: number; byService: Map<string, ProbabilityRow[]> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;

  constructor(
    readonly config: RemoteSamplingConfig,
    private readonly opts: RemoteSamplingOptions = {},
  ) {
    this.now = opts.nowMs ?? Date.now;
  }

  get adaptive(): boolean {
    return this.config.adaptive !== undefined && this.opts.store !== undefined;
  }

  async strategy(service: string): Promise<SamplingStrategyResponse> {
    const a = this.config.adaptive;
    if (a === undefined || this.opts.store === undefined || this.config.services.has(service)) return staticStrategy(this.config, service);
    const rows = (await this.probabilities()).get(service) ?? [];
    const computed = rows.map((r) => ({ operation: r.operation, probability: r.probability }));
    return adaptiveStrategy(this.config, computed, a.minSamplesPerSecond, a.initialSamplingProbability);
  }

  /**
   * Computes the probabilities from one minute window of span metrics (its start, in ms) and
   * the computation before it, and stores them. Returns how many operations it wrote.
   */
  async recompute(windowStartMs: number): Promise<number> {
    const a = this.config.adaptive;
    const store = this.opts.store;
    if (a === undefined || store === undefined) return 0;
    const w = Math.floor(windowStartMs / WINDOW_MS) * WINDOW_MS;
    const [previous, seen] = await Promise.all([store.latest(w), store.counts(w, a.operationTtlWindows)]);
    const prev = new Map((previous?.rows ?? []).map((r) => [opKey(r.service, r.operation), r.probability]));
    const next = computeWindow(a, { previous: prev, counts: seen.counts, recent: seen.recent, windowSeconds: WINDOW_MS / 1000 });
    const rows = [...next].map(([key, v]) => ({ ...splitKey(key), probability: v.probability, qps: v.qps }));
    await store.write(w, rows);
    this.cache = undefined;
    return rows.length;
  }

  /** Recomputes each newly complete minute window, checked every quarter interval. */
  start(): void {
    const a = this.config.adaptive;
    if (a === undefined || this.opts.store === undefined || a.calculationIntervalMs === 0 || this.timer) return;
    const tick = async (): Promise<void> => {
      const due = this.now() - Math.max(0, this.opts.windowFlushDelayMs ?? 0) - SETTLE_MS - WINDOW_MS;
      const w = Math.floor(due / WINDOW_MS) * WINDOW_MS;
      const latest = await this.opts.store?.latest();
      if (latest !== undefined && latest.windowStartMs >= w) return;
      await this.recompute(w);
    };
    this.timer = setInterval(() => {
      this.running = tick().catch((err: unknown) => log.warn('adaptive sampling recomputation failed; retried next tick', {}, err));
    }, Math.max(1000, Math.floor(a.calculationIntervalMs / 4)));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async probabilities(): Promise<Map<string, ProbabilityRow[]>> {
    if (this.cache && this.now() - this.cache.atMs < CACHE_MS) return this.cache.byService;
    const latest = await this.opts.store?.latest();
    const byService = new Map<string, ProbabilityRow[]>();
    for (const r of latest?.rows ?? []) {
      const list = byService.get(r.service) ?? [];
      list.push(r);
      byService.set(r.service, list);
    }
    this.cache = { atMs: this.now(), byService };
    return byService;
  }
}
