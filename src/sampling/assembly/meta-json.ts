import { SerdeError } from '../../serde/errors.ts';
import { errorMessage } from '../../util/errors.ts';
import type { TraceMeta } from './meta.ts';
import { saturatedSpanFilter, spanFilterFromHex } from './span-filter.ts';

/**
 * Reads a summary in the JSON form earlier versions stored (plain JSON, the longest span
 * as a decimal string, the filter as 64 hex chars), so a change-logged `trace-meta` store
 * is restored after an upgrade. The oldest summaries have no filter (every key may be
 * present) and no entry count (entries found by a prefix scan).
 */
export function traceMetaFromJson(bytes: Buffer): TraceMeta {
  let o: unknown;
  try {
    o = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new SerdeError('RECORD_FORMAT', `TraceMeta JSON value does not parse: ${errorMessage(err)}`);
  }
  if (typeof o !== 'object' || o === null) throw malformed('not an object');
  const v = o as Record<string, unknown>;
  const num = (k: string): number => {
    const x = v[k];
    if (typeof x !== 'number') throw malformed(`${k} is not a number`);
    return x;
  };
  const rootAt = v['rootAt'];
  if (rootAt !== null && typeof rootAt !== 'number') throw malformed('rootAt is neither a number nor null');
  const error = v['error'];
  if (typeof error !== 'boolean') throw malformed('error is not a boolean');
  const duration = v['maxDurationNs'];
  if (typeof duration !== 'string' || !/^\d+$/.test(duration)) throw malformed('maxDurationNs is not a decimal string');
  const filter = v['spanFilter'];
  const spanFilter = filter === undefined ? saturatedSpanFilter() : typeof filter === 'string' ? spanFilterFromHex(filter) : undefined;
  if (!spanFilter) throw malformed('spanFilter is not 64 hex chars');
  // null is a count that was NaN (JSON has no NaN): unknown as well.
  const entries = v['entries'] ?? undefined;
  if (entries !== undefined && !(Number.isInteger(entries) && (entries as number) >= 0)) throw malformed('entries is not a non-negative integer');
  return {
    first: num('first'),
    last: num('last'),
    spans: num('spans'),
    bytes: num('bytes'),
    rootAt,
    error,
    maxDurationNs: BigInt(duration),
    deadline: num('deadline'),
    indexedAt: num('indexedAt'),
    spanFilter,
    entries: entries as number | undefined,
  };
}

function malformed(what: string): SerdeError {
  return new SerdeError('RECORD_FORMAT', `TraceMeta JSON value: ${what}`);
}
