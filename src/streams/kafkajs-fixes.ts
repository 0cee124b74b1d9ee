/**
 * Three kafkajs (2.2.4) bugs, fixed by putting our versions of its modules in
 * Node's module cache before kafkajs loads (its modules bind each other at load time, so
 * this module must be imported before kafkajs is: every entry point imports it first, and
 * `assertKafkajsFixed()` fails a runtime that would read with the originals):
 * - read_committed let records of aborted transactions through when the transactions of
 *   several producers interleave in a partition — as our tasks' producers do in every
 *   output partition — so a commit that failed and aborted reached the next reader
 *   (`read-committed.ts`);
 * - a record batch the log cleaner emptied (a compacted changelog's aborted transaction)
 *   was fetched again forever: the consumer never moved past it (`fetched-record-sets.ts`);
 * - a producer's send retried after a broker failure skipped the partitions that had moved
 *   to a broker which had already answered, and resolved without writing them: a
 *   transaction committed with part of its records missing (`send-messages.ts`).
 */
import { createRequire, Module } from 'node:module';
import { decodeFetchedRecords } from './fetched-record-sets.ts';
import { committedRecords, type AbortedTransaction, type FetchedRecord } from './read-committed.ts';
import { createSendMessages } from './send-messages.ts';

const require = createRequire(import.meta.url);
const BATCH = require.resolve('kafkajs/src/consumer/batch.js');

type KafkajsFilter = (args: { messages: readonly FetchedRecord[]; abortedTransactions?: readonly AbortedTransaction[] }) => FetchedRecord[];
const abortedFilter: KafkajsFilter = ({ messages, abortedTransactions }) => committedRecords(messages, abortedTransactions);

function replaceModule(path: string, exports: unknown): void {
  const file = require.resolve(path);
  const m = new Module(file);
  m.filename = file;
  m.loaded = true;
  m.exports = exports;
  require.cache[file] = m;
}

if (require.cache[BATCH] === undefined) {
  replaceModule('kafkajs/src/consumer/filterAbortedMessages.js', abortedFilter);
  replaceModule('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js', decodeFetchedRecords);
  replaceModule('kafkajs/src/producer/sendMessages.js', createSendMessages);
}

type BatchClass = new (topic: string, fetchedOffset: string, partitionData: unknown) => { messages: FetchedRecord[] };

/**
 * Throws unless kafkajs runs with all three fixes: a fetch starting inside two aborted
 * transactions of two producers must yield nothing, fetch responses must be decoded by
 * `decodeFetchedRecords`, and producers must send through `createSendMessages`.
 */
export function assertKafkajsFixed(): void {
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
  const decoder = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js') as unknown;
  const sender = require('kafkajs/src/producer/sendMessages.js') as unknown;
  if (batch.messages.length > 0 || decoder !== decodeFetchedRecords || sender !== createSendMessages) {
    throw new Error(
      'kafkajs was loaded before src/streams/kafkajs-fixes.ts: its consumers would return records of aborted transactions and stall on emptied batches, and its producers could lose records when a leader moves; import that module before kafkajs',
    );
  }
}
