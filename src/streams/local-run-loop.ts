/** What a run loop steps: the local runtime's drain, then its wall-clock punctuation. */
export interface SteppedRuntime {
  drain(): Promise<void>;
  punctuate(): Promise<void>;
}

export interface RunLoopHooks {
  /** Every step that finished (progress for a stall monitor). */
  readonly succeeded?: () => void;
  /** A failed step; the loop goes on with the next wake-up or tick. */
  readonly failed?: (err: unknown) => void;
}

/**
 * Drives a local runtime: one step (drain, then punctuate) at a time, on every `wake()` (a
 * publish) and every `intervalMs`; a wake-up during a step runs one more step after it.
 * `stop()` waits for the running step and starts no other.
 */
export class LocalRunLoop {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly runtime: SteppedRuntime,
    intervalMs: number,
    private readonly hooks: RunLoopHooks = {},
  ) {
    this.timer = setInterval(() => this.wake(), intervalMs);
    this.wake(); // what was acknowledged before a restart and not yet processed
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runtime
      .drain()
      .then(() => this.runtime.punctuate())
      .then(
        () => this.hooks.succeeded?.(),
        (err: unknown) => this.hooks.failed?.(err),
      )
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    while (this.running) await this.running;
  }
}
