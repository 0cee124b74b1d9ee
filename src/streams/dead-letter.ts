import type { Headers, RawRecord } from './record.ts';

/** Header naming why a record was dead-lettered. */
export const REASON_HEADER = 'error.reason';
/** Header naming which stage gave up on it (`decode`, `processor:<node>`, `source:<node>`, …) and where. */
export const SOURCE_HEADER = 'error.source';

/** Reasons are for people; a few KB is plenty and keeps one header from growing a record past its limit. */
const MAX_REASON_CHARS = 4096;

/** The one convention for dead-letter headers: the original headers plus reason and source. */
export function deadLetterHeaders(headers: Headers, reason: string, source: string): Headers {
  const text = reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason;
  return Object.freeze({ ...headers, [REASON_HEADER]: Buffer.from(text, 'utf8'), [SOURCE_HEADER]: Buffer.from(source, 'utf8') });
}

/** A dead-letter record: the original key, value, timestamp and headers, plus reason and source. */
export function toDeadLetter(raw: RawRecord, reason: string, source: string): RawRecord {
  return { key: raw.key, value: raw.value, timestamp: raw.timestamp, headers: deadLetterHeaders(raw.headers, reason, source) };
}
