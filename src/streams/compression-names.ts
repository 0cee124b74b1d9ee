/**
 * Kafka `compression.type` names our producers accept, apart from the codecs themselves so
 * that config validation does not load native libraries.
 */
export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

export function isKafkaCompression(s: string): s is KafkaCompression {
  return (KAFKA_COMPRESSIONS as readonly string[]).includes(s);
}
