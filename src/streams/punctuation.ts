import type { Cancellable, PunctuationType, Punctuator } from './processor.ts';

interface Scheduled {
  readonly node: string;
  readonly type: PunctuationType;
  readonly interval: number;
  readonly fn: Punctuator;
  /** Next due time; -1 = stream time not started yet (set on the first record). */
  next: number;
  cancelled: boolean;
}

/**
 * A task's punctuators. Like Kafka Streams, each fires at most once per advance of its
 * time, then moves to the next multiple of its interval past the current time, so a clock
 * jump does not replay every missed tick.
 */
export class PunctuationSchedule {
  private readonly items: Scheduled[] = [];

  /**
   * `onError` decides what a punctuator's exception means: rethrow to fail the task, or
   * return to go on with the other punctuators (this one runs again at its next interval).
   */
  constructor(private readonly onError: (node: string, err: unknown) => void = (_node, err) => { throw err; }) {}

  add(node: string, type: PunctuationType, interval: number, startMs: number, fn: Punctuator): Cancellable {
    const s: Scheduled = { node, type, interval, fn, next: startMs < 0 ? -1 : startMs + interval, cancelled: false };
    this.items.push(s);
    return {
      cancel: () => {
        s.cancelled = true;
        this.items.splice(this.items.indexOf(s), 1);
      },
    };
  }

  fireStreamTime(streamTime: number): Promise<boolean> {
    return this.fire('stream-time', streamTime);
  }

  fireWallClock(nowMs: number): Promise<boolean> {
    return this.fire('wall-clock', nowMs);
  }

  private async fire(type: PunctuationType, now: number): Promise<boolean> {
    if (now < 0 || !this.items.some((s) => s.type === type && (s.next === -1 || now >= s.next))) return false; // checked after every record
    let fired = false;
    for (const s of [...this.items]) {
      if (s.type !== type || s.cancelled || now < 0) continue;
      if (s.next === -1) {
        s.next = now + s.interval;
        continue;
      }
      if (now < s.next) continue;
      s.next += Math.max(1, Math.floor((now - s.next) / s.interval) + 1) * s.interval;
      fired = true;
      try {
        await s.fn(now);
      } catch (err) {
        this.onError(s.node, err);
      }
    }
    return fired;
  }
}
