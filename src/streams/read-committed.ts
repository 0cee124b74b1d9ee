/** The batch fields of a record as kafkajs decodes it that tell whether it was aborted. */
export interface FetchedRecordBatch {
  readonly firstOffset: string;
  readonly lastOffsetDelta: number;
  readonly producerId: string;
  readonly inTransaction: boolean;
  readonly isControlBatch?: boolean;
}

/** A record of a fetch response (kafkajs shape). */
export interface FetchedRecord {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly batchContext: FetchedRecordBatch;
}

/** An aborted transaction a read_committed fetch response lists for a partition. */
export interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: string;
}

// A control record's key: version (int16) then type (int16); type 0 is ABORT.
const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]);

/**
 * The records of a read_committed fetch without those of aborted transactions, as Apache
 * Kafka's Java consumer decides it: the aborted transactions in order of their first
 * offset, each taking effect from the first batch that ends at or past that offset (the
 * fetch may start mid-transaction, and several may start before it), until its producer's
 * ABORT marker. Control records are kept (the caller drops them after).
 */
export function committedRecords<R extends FetchedRecord>(records: readonly R[], aborted: readonly AbortedTransaction[] | undefined): R[] {
  if (!aborted || aborted.length === 0) return [...records];
  const pending = [...aborted].sort((a, b) => compareOffsets(a.firstOffset, b.firstOffset));
  const abortedProducers = new Set<string>();
  let next = 0;
  const out: R[] = [];
  for (const r of records) {
    const batch = r.batchContext;
    if (!batch.inTransaction) {
      out.push(r);
      continue;
    }
    if (next < pending.length) {
      const batchLast = BigInt(batch.firstOffset) + BigInt(batch.lastOffsetDelta);
      for (let t = pending[next]; t !== undefined && BigInt(t.firstOffset) <= batchLast; t = pending[++next]) abortedProducers.add(t.producerId);
    }
    if (batch.isControlBatch === true) {
      if (r.key !== null && ABORT_MARKER_KEY.equals(r.key)) abortedProducers.delete(batch.producerId);
      out.push(r);
    } else if (!abortedProducers.has(batch.producerId)) {
      out.push(r);
    }
  }
  return out;
}

function compareOffsets(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
