/**
 * kafkajs' decoder of a fetch response's record set, with one change: a record batch that
 * holds no records (the log cleaner empties a compacted topic's batches of aborted
 * transactions but keeps their headers) yields one control-record placeholder at the
 * batch's last offset. kafkajs hands a consumer only records, so after such a batch it
 * fetched the same offset forever; with the placeholder it moves past the batch as it does
 * past transaction markers, as Apache Kafka's consumer does. A changelog restore stalled on
 * exactly this.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** What kafkajs' record-batch decoder returns (the fields used here). */
interface DecodedRecordBatch {
  readonly firstOffset: string;
  readonly lastOffsetDelta: number;
  readonly maxTimestamp: string;
  readonly records: unknown[];
}

interface KafkajsDecoder {
  readInt32(): number;
  canReadBytes(n: number): boolean;
  readBytes(n: number): Buffer;
}

type DecoderClass = new (buffer: Buffer) => KafkajsDecoder;

const Decoder = require('kafkajs/src/protocol/decoder.js') as DecoderClass;
const decodeMessageSet = require('kafkajs/src/protocol/messageSet/decoder.js') as (decoder: KafkajsDecoder, size: number) => unknown[];
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: KafkajsDecoder) => Promise<DecodedRecordBatch>;
const { MAGIC_BYTE } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { MAGIC_BYTE: number };

// As kafkajs: the magic byte sits at the same place in every message format.
const MAGIC_OFFSET = 16;
const RECORD_BATCH_OVERHEAD = 49;

/** The placeholder for an emptied batch: a control record (never handed to a consumer) at its last offset. */
function emptyBatchMarker(batch: DecodedRecordBatch): unknown {
  const { records: _none, ...context } = batch;
  return {
    offset: (BigInt(batch.firstOffset) + BigInt(batch.lastOffsetDelta)).toString(),
    timestamp: batch.maxTimestamp,
    key: null,
    value: null,
    headers: {},
    isControlRecord: true,
    batchContext: { ...context, isControlBatch: true },
  };
}

/** Drop-in for kafkajs' `protocol/requests/fetch/v4/decodeMessages.js`. */
export async function decodeFetchedRecords(decoder: KafkajsDecoder): Promise<unknown[]> {
  const size = decoder.readInt32();
  if (size <= 0 || !decoder.canReadBytes(size)) return [];
  const bytes = decoder.readBytes(size);
  const batches = new Decoder(bytes);
  if (bytes.readInt8(MAGIC_OFFSET) !== MAGIC_BYTE) return decodeMessageSet(batches, size);
  const records: unknown[] = [];
  while (batches.canReadBytes(RECORD_BATCH_OVERHEAD)) {
    let batch: DecodedRecordBatch;
    try {
      batch = await decodeRecordBatch(batches);
    } catch (err) {
      // A fetch's last batch can be cut short by its size limit: it comes again in the next fetch.
      if ((err as { name?: string }).name === 'KafkaJSPartialMessageError') break;
      throw err;
    }
    if (batch.records.length === 0) records.push(emptyBatchMarker(batch));
    else for (const r of batch.records) records.push(r);
  }
  return records;
}
