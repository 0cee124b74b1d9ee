import type { ClickHouseClient } from '@clickhouse/client';
import type { MetricsRegistry } from '../metrics/registry.ts';
import type { Logger } from '../util/log.ts';
import { ClickHouseDiskBudget } from './clickhouse-budget.ts';

export interface DiskBudgetLoopOptions {
  readonly client: ClickHouseClient;
  readonly database: string;
  readonly budgetBytes: number;
  readonly intervalMs: number;
  readonly registry: MetricsRegistry;
  readonly logger: Logger;
}

/**
 * Checks the ClickHouse disk budget every `intervalMs` (one check at a time) beside the
 * pipeline; a failed check is logged and tried again at the next tick, never stopping
 * ingest or sampling.
 */
export function startDiskBudget(opts: DiskBudgetLoopOptions): { stop(): Promise<void> } {
  const log = opts.logger.child('disk-budget');
  const budget = new ClickHouseDiskBudget({ client: opts.client, database: opts.database, budgetBytes: opts.budgetBytes, registry: opts.registry, log });
  let running: Promise<void> | undefined;
  const check = (): void => {
    running ??= budget
      .enforce()
      .then(
        () => undefined,
        (err: unknown) => log.error('disk budget check failed; trying again at the next interval', {}, err),
      )
      .finally(() => (running = undefined));
  };
  const timer = setInterval(check, opts.intervalMs);
  timer.unref();
  check();
  log.info('disk budget on', { budgetBytes: opts.budgetBytes, intervalMs: opts.intervalMs });
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
