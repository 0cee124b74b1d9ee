import type { MetricsRegistry } from '../metrics/registry.ts';
import type { Clock } from './clock.ts';
import { errorMessage } from '../util/errors.ts';

/** Health as /healthz reports it. */
export type Health = { readonly healthy: true } | { readonly healthy: false; readonly reason: string };

/** Kafka mode: unhealthy while a topology's runtime has stopped on an error (named by application id). */
export function runtimesHealth(runtimes: readonly { readonly applicationId: string; error(): Error | undefined }[]): Health {
  for (const rt of runtimes) {
    const err = rt.error();
    if (err) return { healthy: false, reason: `topology ${rt.applicationId} stopped: ${err.message}` };
  }
  return { healthy: true };
}

/** What the monitor watches: a runtime's commit time and backlog. */
export interface ProgressSource {
  lastCommitMs(): number;
  /** Records waiting in source topics, not yet committed. */
  lag(): number;
}

/**
 * Says whether the in-process runtime is doing its job: unhealthy when its last step
 * failed (a task threw) or when records wait and no commit succeeded for `stallMs`
 * (a sink that cannot write, a task rewinding forever). Exports
 * `tailstream_task_failed` and `tailstream_last_commit_age_seconds`.
 */
export class ProgressMonitor {
  private failure: string | undefined;
  private idleSince: number;

  constructor(
    private readonly source: ProgressSource,
    private readonly clock: Clock,
    private readonly stallMs: number,
    registry: MetricsRegistry,
  ) {
    this.idleSince = clock.now();
    const failed = registry.gauge('tailstream_task_failed', '1 while the last pipeline step failed (see /healthz for the reason)');
    failed.onCollect(() => failed.set(this.failure === undefined ? 0 : 1));
    const age = registry.gauge('tailstream_last_commit_age_seconds', 'Seconds since the last commit, counted only while records wait');
    age.onCollect(() => age.set(this.stalledForMs() / 1000));
  }

  /** After each successful step: clears a failure, and an empty backlog restarts the stall clock. */
  stepSucceeded(): void {
    this.failure = undefined;
    if (this.source.lag() === 0) this.idleSince = this.clock.now();
  }

  stepFailed(err: unknown): void {
    this.failure = errorMessage(err);
  }

  health(): Health {
    if (this.failure !== undefined) return { healthy: false, reason: `a pipeline task failed: ${this.failure}` };
    const stalled = this.stalledForMs();
    if (stalled >= this.stallMs) {
      return { healthy: false, reason: `no commit for ${Math.round(stalled / 1000)} s while ${this.source.lag()} records wait` };
    }
    return { healthy: true };
  }

  /** Time since the last commit, or 0 while nothing waits (an idle pipeline is not stalled). */
  private stalledForMs(): number {
    if (this.source.lag() === 0) return 0;
    return this.clock.now() - Math.max(this.source.lastCommitMs(), this.idleSince);
  }
}
