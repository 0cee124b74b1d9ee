import { windowStart } from '../../edges/window.ts';
import { plainJsonSerde, stringSerde } from '../../serde/serde.ts';
import { storeSpec, type KeyValueStore } from '../../state/store.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../streams/processor.ts';
import { isFatal } from '../../streams/processing-errors.ts';
import { StreamRecord } from '../../streams/record.ts';
import { deadLetterRow } from '../assembly/dead-letter-trace.ts';
import type { PolicyConfig } from '../config-policy-types.ts';
import { mergeStatsRows, statsKey, statsKeysFrom, statsRowOf, statsTopicKey } from './stats-row.ts';
import { policyTargets } from './targets.ts';
import type { DecisionStat, PolicyTarget, SamplingStatsRow } from '../../model/sampling-stats.ts';

export const STATS_STORE = 'sampling-stats-windows';

export interface SamplingStatsOptions {
  /** Top-level policies, for their configured targets. */
  readonly policies: readonly PolicyConfig[];
  readonly windowMs: number;
  /** How often closed windows are looked for. */
  readonly tickMs: number;
  /** Child node the closed window rows go to. */
  readonly sink: string;
}

/**
 * Folds decisions into per-minute rows (by decision time) in a change-logged store and emits
 * each window once it has ended, inside the task's commit: the same exactly-once path as the
 * edge and RED windows. Decisions are stamped with the task's clock, so a window is complete
 * when the clock passes its end.
 */
export function samplingStats(opts: SamplingStatsOptions): ProcessorSupplier<string, DecisionStat, string, SamplingStatsRow> {
  return {
    // In memory, restored from its changelog on open: each decision reads its row, and a read
    // of a row not written lately (a new window's) would wait on RocksDB's thread pool.
    stores: [storeSpec(STATS_STORE, stringSerde, plainJsonSerde<SamplingStatsRow>(), { residentBytes: 8 * 1024 * 1024 })],
    get: () => new SamplingStatsProcessor(opts, policyTargets(opts.policies)),
  };
}

class SamplingStatsProcessor implements Processor<string, DecisionStat, string, SamplingStatsRow> {
  private ctx!: ProcessorContext<string, SamplingStatsRow>;
  private store!: KeyValueStore<string, SamplingStatsRow>;
  /** Windows before this were emitted: scans start here, not at their tombstones. */
  private scanFromMs = 0;

  constructor(
    private readonly opts: SamplingStatsOptions,
    private readonly targetOf: (policy: string) => PolicyTarget,
  ) {}

  init(ctx: ProcessorContext<string, SamplingStatsRow>): void {
    this.ctx = ctx;
    this.store = ctx.getStateStore(STATS_STORE);
    ctx.schedule(this.opts.tickMs, 'wall-clock', (now) => this.flush(now));
  }


  async process(record: StreamRecord<string, DecisionStat>): Promise<void> {
    const row = statsRowOf(record.value, this.targetOf(record.value.policy), this.opts.windowMs);
    const key = statsKey(row);
    const prev = await this.store.get(key);
    await this.store.put(key, prev === undefined ? row : mergeStatsRows(prev, row));
    this.scanFromMs = Math.min(this.scanFromMs, row.windowStartMs);
  }

  private async flush(now: number): Promise<void> {
    const firstOpen = windowStart(now, this.opts.windowMs);
    if (this.scanFromMs >= firstOpen) return;
    for await (const { key, value } of this.store.range(statsKeysFrom(this.scanFromMs), statsKeysFrom(firstOpen))) {
      await this.store.delete(key);
      try {
        await this.ctx.forward(new StreamRecord(statsTopicKey(value), value, value.windowStartMs), this.opts.sink);
      } catch (err) {
        if (isFatal(err)) throw err;
        deadLetterRow(this.ctx, key, value, 'sampling stats row could not be emitted', err, now);
      }
    }
    this.scanFromMs = firstOpen;
  }
}
