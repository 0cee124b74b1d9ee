/** Tumbling windows for edges and span metrics: one minute unless configured otherwise. */

/** Window length of the `dependency-edges` and `span-metrics` topics. */
export const DEFAULT_WINDOW_MS = 60_000;

/**
 * Start (ms since the epoch) of the tumbling window holding `ms`. Windows align to the
 * epoch, not to the first record, so every task and every rollup agrees on boundaries.
 * Throws RangeError on a non-positive or fractional window or a non-finite time: those
 * are bugs in the caller, never data to route to a DLQ.
 */
export function windowStart(ms: number, windowMs: number = DEFAULT_WINDOW_MS): number {
  if (!Number.isSafeInteger(windowMs) || windowMs <= 0) {
    throw new RangeError(`window length must be a positive integer of ms, got ${windowMs}`);
  }
  if (!Number.isFinite(ms)) throw new RangeError(`time must be finite, got ${ms}`);
  return Math.floor(ms / windowMs) * windowMs;
}
