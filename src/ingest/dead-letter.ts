import type { RawRecord } from '../streams/record.ts';

/** The dead-letter topic for raw-spans: nothing is dropped silently. */
export const RAW_SPANS_DLQ = 'raw-spans.dlq';

/**
 * The `raw-spans.dlq` record for a value that could not be processed: original key, value,
 * timestamp and headers, plus `error.reason` and `error.source` (which stage gave up).
 */
export function toDeadLetter(raw: RawRecord, reason: string, source: string): RawRecord {
  return {
    key: raw.key,
    value: raw.value,
    timestamp: raw.timestamp,
    headers: Object.freeze({
      ...raw.headers,
      'error.reason': Buffer.from(reason, 'utf8'),
      'error.source': Buffer.from(source, 'utf8'),
    }),
  };
}
