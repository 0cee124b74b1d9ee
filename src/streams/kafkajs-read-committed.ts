/**
 * Installs `committedRecords` as kafkajs' aborted-transaction filter. kafkajs (2.2.4) lets
 * records of aborted transactions through to read_committed consumers when the
 * transactions of several producers interleave in a partition (it takes one aborted
 * transaction per record, in the order the broker lists them): our tasks each have their
 * own transactional producer writing the same output partitions, so a commit that fails
 * and aborts would reach the sink anyway. kafkajs' batch module binds the filter when it
 * loads, so this module must be imported before kafkajs is: every entry point imports it
 * first, and `assertReadCommittedFilter()` fails a runtime that would read with the old one.
 */
import { createRequire, Module } from 'node:module';
import { committedRecords, type AbortedTransaction, type FetchedRecord } from './read-committed.ts';

const require = createRequire(import.meta.url);
const FILTER = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
const BATCH = require.resolve('kafkajs/src/consumer/batch.js');

type KafkajsFilter = (args: { messages: readonly FetchedRecord[]; abortedTransactions?: readonly AbortedTransaction[] }) => FetchedRecord[];
const filter: KafkajsFilter = ({ messages, abortedTransactions }) => committedRecords(messages, abortedTransactions);

if (require.cache[BATCH] === undefined) {
  const m = new Module(FILTER);
  m.filename = FILTER;
  m.loaded = true;
  m.exports = filter;
  require.cache[FILTER] = m;
}

type BatchClass = new (topic: string, fetchedOffset: string, partitionData: unknown) => { messages: FetchedRecord[] };

/**
 * Throws unless kafkajs filters aborted records with `committedRecords`: a fetch starting
 * inside two aborted transactions of two producers must yield nothing.
 */
export function assertReadCommittedFilter(): void {
  const Batch = require(BATCH) as BatchClass;
  const record = (offset: string, producerId: string): FetchedRecord & { isControlRecord: boolean } => ({
    offset,
    key: Buffer.from('k'),
    isControlRecord: false,
    batchContext: { firstOffset: offset, lastOffsetDelta: 0, producerId, inTransaction: true, isControlBatch: false },
  });
  const batch = new Batch('check', '2', {
    partition: 0,
    highWatermark: '4',
    abortedTransactions: [
      { producerId: '7', firstOffset: '0' },
      { producerId: '8', firstOffset: '1' },
    ],
    messages: [record('2', '8'), record('3', '7')],
  });
  if (batch.messages.length > 0) {
    throw new Error('kafkajs was loaded before src/streams/kafkajs-read-committed.ts: its read_committed consumers would return records of aborted transactions; import that module before kafkajs');
  }
}
