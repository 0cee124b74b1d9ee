import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodeFetchedRecords } from '../../../src/streams/fetched-record-sets.ts';

const require = createRequire(import.meta.url);
type KafkajsDecoder = Parameters<typeof decodeFetchedRecords>[0];
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => KafkajsDecoder;
const Batch = require('kafkajs/src/consumer/batch.js') as new (topic: string, fetchedOffset: string, data: unknown) => {
  messages: unknown[];
  lastOffset(): string;
  isEmptyDueToFiltering(): boolean;
};

/** A record set holding one record batch header with no records, as the log cleaner leaves an aborted transaction's batch. */
function emptiedBatch(firstOffset: bigint, lastOffsetDelta: number, producerId: bigint): Buffer {
  const b = Buffer.alloc(61);
  b.writeBigInt64BE(firstOffset, 0);
  b.writeInt32BE(49, 8); // length after this field
  b.writeInt32BE(0, 12); // partition leader epoch
  b.writeInt8(2, 16); // magic
  b.writeInt32BE(0, 17); // crc (kafkajs does not check it)
  b.writeInt16BE(0x10, 21); // attributes: transactional
  b.writeInt32BE(lastOffsetDelta, 23);
  b.writeBigInt64BE(1_700_000_000_000n, 27);
  b.writeBigInt64BE(1_700_000_000_000n, 35);
  b.writeBigInt64BE(producerId, 43);
  b.writeInt16BE(0, 51);
  b.writeInt32BE(0, 53);
  b.writeInt32BE(0, 57); // no records
  const set = Buffer.alloc(4);
  set.writeInt32BE(b.length, 0);
  return Buffer.concat([set, b]);
}

describe('decodeFetchedRecords (kafkajs record sets)', () => {
  it('turns a batch the cleaner emptied into a control placeholder at its last offset, so the consumer moves past it', async () => {
    const records = await decodeFetchedRecords(new Decoder(emptiedBatch(0n, 9, 3n)));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ offset: '9', key: null, isControlRecord: true, batchContext: { producerId: '3', isControlBatch: true } });

    // What kafkajs does with it: nothing for the consumer, and the fetch position past offset 9.
    const batch = new Batch('changelog', '0', { partition: 0, highWatermark: '11', abortedTransactions: [{ producerId: '3', firstOffset: '0' }], messages: records });
    expect(batch.messages).toEqual([]);
    expect(batch.isEmptyDueToFiltering()).toBe(true);
    expect(batch.lastOffset()).toBe('9');
  });

  it('kafkajs\' own decoder returns nothing for it (the consumer fetched offset 0 again forever)', async () => {
    const original = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js') as typeof decodeFetchedRecords;
    // The module cache holds ours (src/streams/kafkajs-fixes.ts); check the bug against a fresh copy of kafkajs' file.
    const path = require.resolve('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js');
    const cached = require.cache[path];
    delete require.cache[path];
    try {
      const kafkajsOwn = require(path) as typeof decodeFetchedRecords;
      expect(await kafkajsOwn(new Decoder(emptiedBatch(0n, 9, 3n)))).toEqual([]);
    } finally {
      if (cached) require.cache[path] = cached;
    }
    expect(original).toBe(decodeFetchedRecords);
  });
});
