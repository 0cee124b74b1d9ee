/**
 * Splits what goes to Kafka into produce requests the broker accepts. A partition's records
 * in one request form one batch, refused over `message.max.bytes` (1 MiB by default); and
 * kafkajs and the broker slow down sharply on huge requests.
 */

/** Records per produce request. */
export const CHUNK_RECORDS = 2000;
/** Bytes (keys, values, headers) per produce request, under the broker's default batch limit. */
export const CHUNK_BYTES = 900 * 1024;

/** What a record adds to a request: its key, value and headers plus the record framing. */
export function messageBytes(m: { readonly key?: Buffer | string | null; readonly value: Buffer | string | null; readonly headers?: Readonly<Record<string, Buffer | string | undefined>> }): number {
  let n = 70 + (m.key?.length ?? 0) + (m.value?.length ?? 0);
  for (const [k, v] of Object.entries(m.headers ?? {})) n += k.length + (v?.length ?? 0);
  return n;
}

/** Consecutive slices of at most CHUNK_RECORDS records and CHUNK_BYTES bytes (a larger record goes alone). */
export function* produceChunks<T>(records: readonly T[], bytesOf: (r: T) => number): Generator<readonly T[]> {
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < records.length; i++) {
    const b = bytesOf(records[i] as T);
    if (i > start && (i - start >= CHUNK_RECORDS || bytes + b > CHUNK_BYTES)) {
      yield records.slice(start, i);
      start = i;
      bytes = 0;
    }
    bytes += b;
  }
  if (start < records.length) yield records.slice(start);
}
