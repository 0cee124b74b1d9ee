/**
 * Runs async work one piece at a time, in call order: a runtime's polls, ticks, commits and
 * close never interleave. A failed piece fails its caller only; the next one still runs.
 */
export class Serial {
  private tail: Promise<void> = Promise.resolve();

  run(fn: () => Promise<void>): Promise<void> {
    const next = this.tail.then(fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
