/**
 * Undo steps of a benchmark (stop a child process, remove a data directory), run last in,
 * first out: when the run ends, when it fails, and on Ctrl-C or SIGTERM.
 */
export class Cleanup {
  private readonly steps: { readonly what: string; readonly run: () => Promise<unknown> }[] = [];
  private running: Promise<void> | undefined;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    // A terminal's Ctrl-C reaches npm, tsx and this process; tsx relays it once more.
    if (this.running) return void process.stderr.write(`\n${signal}: still cleaning up ...\n`);
    process.stderr.write(`\n${signal}: cleaning up ...\n`);
    void this.all().finally(() => process.exit(130));
  };

  /** Runs the steps on SIGINT/SIGTERM too, until `all` has finished. */
  constructor() {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  /** Registers a step; the returned function runs it now (once) instead of at the end. */
  add(what: string, run: () => Promise<unknown>): () => Promise<void> {
    const step = { what, run };
    this.steps.push(step);
    return async () => {
      const i = this.steps.indexOf(step);
      if (i < 0) return;
      this.steps.splice(i, 1);
      await step.run();
    };
  }

  /** Runs every remaining step; a failing step is reported and the others still run. A second call waits for the first. */
  all(): Promise<void> {
    this.running ??= this.runAll();
    return this.running;
  }

  private async runAll(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.run();
      } catch (err) {
        process.stderr.write(`cleanup: ${step.what} failed: ${(err as Error).message}\n`);
      }
    }
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}
