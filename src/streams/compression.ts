/**
 * The Kafka record-batch codecs kafkajs leaves out (it has gzip only): snappy, lz4 and zstd,
 * as Apache Kafka's Java client writes and reads them. Producers we do not control (an OTel
 * Collector's Kafka exporter, a topic with `compression.type`) may use any of them, and a
 * consumer that cannot decompress a batch cannot read past it.
 */
import { compress as zstdCompress, decompress as zstdDecompress } from '@cloudpss/zstd';
import kafkajs from 'kafkajs';
import { compressFrame as lz4CompressFrame, decompressFrame as lz4DecompressFrame } from 'lz4-napi';
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy';
import type { KafkaCompression } from './compression-names.ts';
import { errorMessage } from '../util/errors.ts';

// kafkajs is CommonJS and Node's ESM loader cannot see these two among its named exports.
const { CompressionCodecs, CompressionTypes } = kafkajs;

/** What kafkajs calls with a batch's records (an Encoder; we only need its bytes). */
export interface CodecInput {
  readonly buffer: Buffer;
}

/** A kafkajs compression codec. */
export interface KafkaCodec {
  compress(encoder: CodecInput): Promise<Buffer>;
  decompress(compressed: Buffer): Promise<Buffer>;
}

export type CodecName = 'snappy' | 'lz4' | 'zstd';

// snappy-java's stream header: Kafka's Java producer frames its snappy blocks this way.
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = XERIAL_MAGIC.length + 8; // + version, compatible version

async function snappyBlock(block: Buffer): Promise<Buffer> {
  return (await snappyUncompress(block, { asBuffer: true })) as Buffer;
}

/** Raw snappy (librdkafka, Sarama, franz-go) or xerial-framed chunks (the Java client). */
async function snappyDecompress(data: Buffer): Promise<Buffer> {
  if (data.length < XERIAL_HEADER_BYTES || !data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) return snappyBlock(data);
  const chunks: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at < data.length) {
    if (at + 4 > data.length) throw new Error(`xerial chunk length cut off at byte ${at} of ${data.length}`);
    const size = data.readInt32BE(at);
    at += 4;
    if (size < 0 || at + size > data.length) throw new Error(`xerial chunk of ${size} bytes at byte ${at} overruns the ${data.length}-byte batch`);
    chunks.push(await snappyBlock(data.subarray(at, at + size)));
    at += size;
  }
  return Buffer.concat(chunks);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function named(name: CodecName, codec: KafkaCodec): KafkaCodec {
  const wrap = (op: string, e: unknown): Error =>
    new Error(`${name}: cannot ${op} a record batch: ${errorMessage(e)}`, { cause: e });
  return {
    compress: (encoder) => codec.compress(encoder).catch((e: unknown) => Promise.reject(wrap('compress', e))),
    decompress: (data) => codec.decompress(data).catch((e: unknown) => Promise.reject(wrap('decompress', e))),
  };
}

/**
 * The codecs. We write raw snappy blocks, as librdkafka and Sarama do (the Java consumer reads
 * both), LZ4 frames (the format of KIP-57, which record batches use) and zstd frames.
 */
export const kafkaCodecs: Readonly<Record<CodecName, KafkaCodec>> = {
  snappy: named('snappy', {
    compress: async (e) => snappyCompress(e.buffer),
    decompress: snappyDecompress,
  }),
  lz4: named('lz4', {
    compress: async (e) => lz4CompressFrame(e.buffer),
    decompress: async (data) => lz4DecompressFrame(data),
  }),
  zstd: named('zstd', {
    compress: async (e) => asBuffer(zstdCompress(e.buffer)),
    decompress: async (data) => asBuffer(zstdDecompress(data)),
  }),
};

/** The kafkajs attribute for a compression name. */
export function compressionType(name: KafkaCompression): number {
  switch (name) {
    case 'none': return CompressionTypes.None;
    case 'gzip': return CompressionTypes.GZIP;
    case 'snappy': return CompressionTypes.Snappy;
    case 'lz4': return CompressionTypes.LZ4;
    case 'zstd': return CompressionTypes.ZSTD;
  }
}

/**
 * Registers the codecs in kafkajs's process-wide table (kafkajs has no per-client option).
 * Idempotent; every product path that builds a producer or consumer calls it.
 */
export function registerCompressionCodecs(): void {
  CompressionCodecs[CompressionTypes.Snappy] = () => kafkaCodecs.snappy;
  CompressionCodecs[CompressionTypes.LZ4] = () => kafkaCodecs.lz4;
  CompressionCodecs[CompressionTypes.ZSTD] = () => kafkaCodecs.zstd;
}
