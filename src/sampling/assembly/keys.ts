/**
 * Store keys of trace assembly. Time-ordered indexes put a 13-digit zero-padded ms first so
 * "everything due by now" is one range scan.
 */
const pad = (ms: number): string => String(Math.max(0, Math.floor(ms))).padStart(13, '0');

/**
 * `traceId|spanId|kind`: a retried span lands on the same key, so it is stored once; the
 * kind keeps Zipkin's shared client/server spans (one id, two sides) apart.
 */
export const spanKey = (traceId: string, spanId: string, kind: number): string => `${traceId}|${spanId}|${kind}`;
export const spanPrefix = (traceId: string): string => `${traceId}|`;

/** Deadline index entry: `<deadline ms>|traceId`. */
export const deadlineKey = (ms: number, traceId: string): string => `${pad(ms)}|${traceId}`;
/** Decision-cache expiry index entry: `<expiry ms>|traceId`. */
export const expiryKey = deadlineKey;
/** Upper bound (exclusive) of index keys due at or before `ms`. */
export const dueBefore = (ms: number): string => `${pad(ms + 1)}|`;
export const INDEX_START = `${pad(0)}|`;

export function traceIdOfIndexKey(key: string): string {
  return key.slice(14);
}
