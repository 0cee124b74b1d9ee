import type { SamplingConfig } from '../config.ts';
import type { AssemblyChildren } from './commands.ts';
import type { StateBudgetSource } from './state-budget.ts';

export type BufferChangelog = 'source' | 'store';
export const DEFAULT_BUFFER_CHANGELOG: BufferChangelog = 'source';

export interface AssemblyOptions {
  readonly sampling: SamplingConfig;
  /** How often due traces, expired decisions and closed windows are looked at. */
  readonly tickMs: number;
  readonly windowMs: number;
  /** A window is emitted this long after it ends (most of its traces are decided by then). */
  readonly windowFlushDelayMs: number;
  /** In-flight bytes before the oldest traces are decided early. */
  readonly maxBytesInFlight: number;
  /** Spans per SampledTrace record, so a huge trace never makes one huge Kafka record. */
  readonly outputChunkSpans: number;
  /**
   * What makes the span buffer durable. `store`: its stores are change-logged (a put per
   * input record, a tombstone at the decision). `source`: nothing of it is logged; the
   * input topics are its changelog — offsets are committed only up to each in-flight
   * trace's first record and a restart replays from there (docs/sampling-data-path.md).
   */
  readonly bufferChangelog?: BufferChangelog;
  /** The RocksDB state's disk budget (STATE_DISK_BUDGET_BYTES); absent: none. */
  readonly stateBudget?: StateBudgetSource;
  /** Child node names to forward to. */
  readonly children: AssemblyChildren;
}

/** What makes the span buffer durable under these options (`source` unless they say). */
export function bufferChangelogOf(opts: Pick<AssemblyOptions, 'bufferChangelog'>): BufferChangelog {
  return opts.bufferChangelog ?? DEFAULT_BUFFER_CHANGELOG;
}
