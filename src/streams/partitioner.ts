import { Partitioners } from 'kafkajs';

/**
 * Key → partition exactly as kafkajs' default producer (Java-compatible murmur2), so the
 * in-process runtime places records where a Kafka cluster would.
 */
export function createKeyPartitioner(): (topic: string, key: Buffer | null, partitions: number) => number {
  const kafkajsPartitioner = Partitioners.DefaultPartitioner();
  const metadata = new Map<number, { partitionId: number; leader: number }[]>();
  return (topic, key, partitions) => {
    let m = metadata.get(partitions);
    if (!m) {
      m = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0 }));
      metadata.set(partitions, m);
    }
    return kafkajsPartitioner({ topic, partitionMetadata: m as never, message: { key, value: null } });
  };
}
