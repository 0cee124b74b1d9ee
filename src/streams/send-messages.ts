/**
 * kafkajs' producer `sendMessages` (2.2.4), with what was sent tracked per partition instead
 * of per broker. kafkajs, on a retry, skips every broker that already answered: a partition
 * whose leader moved (its broker killed mid-send) to a broker that had answered for other
 * partitions was never sent again, and the send resolved as if it had been written. Inside
 * a transaction the partition had been added, so the commit marker landed without the
 * records: a committed transaction with part of its output and changelog missing.
 *
 * Here each partition's records are grouped once (a retry sends the same records to the
 * same partition), a retry sends every partition without an answer to its leader now, and
 * a retry starts only after every request of the attempt has ended (a request still in
 * flight must not be sent a second time under a new sequence number).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { KafkaJSMetadataNotLoaded } = require('kafkajs/src/errors') as { KafkaJSMetadataNotLoaded: new (message: string) => Error };
const { staleMetadata } = require('kafkajs/src/protocol/error') as { staleMetadata: (e: unknown) => boolean };
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition') as (args: {
  topic: string;
  partitionMetadata: readonly PartitionMetadata[];
  messages: readonly unknown[];
  partitioner: unknown;
}) => Record<string, unknown[]>;
const responseSerializer = require('kafkajs/src/producer/responseSerializer') as (response: unknown) => PartitionAnswer[];

interface PartitionMetadata {
  readonly partitionId: number;
  readonly leader: number;
}

/** One partition's line of a produce response, as kafkajs hands it to the caller. */
interface PartitionAnswer {
  readonly topicName: string;
  readonly partition: number;
}

interface TopicData {
  topic: string;
  partitions: { partition: number; messages: unknown[]; firstSequence?: number }[];
}

interface Broker {
  readonly nodeId: number;
  produce(request: Record<string, unknown>): Promise<unknown>;
}

interface Cluster {
  refreshMetadataIfNecessary(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  findTopicPartitionMetadata(topic: string): PartitionMetadata[];
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(query: { nodeId: string }): Promise<Broker>;
  removeBroker(address: { host: string; port: number }): void;
  isConnected(): boolean;
  connect(): Promise<void>;
}

interface EosManager {
  isTransactional(): boolean;
  acquireBrokerLock(broker: Broker): Promise<void>;
  releaseBrokerLock(broker: Broker): Promise<void>;
  addPartitionsToTransaction(topicData: TopicData[]): Promise<void>;
  getSequence(topic: string, partition: number): number;
  updateSequence(topic: string, partition: number, increment: number): void;
  getTransactionalId(): string;
  getProducerId(): unknown;
  getProducerEpoch(): unknown;
}

interface Logger {
  debug(message: string, extra?: object): void;
  error(message: string, extra?: object): void;
}

type Retrier = <T>(attempt: (bail: (err: Error) => void, retryCount: number, retryTime: number) => Promise<T>) => Promise<T>;

interface SendArgs {
  acks: number;
  timeout: number;
  compression: number;
  topicMessages: readonly { topic: string; messages: readonly unknown[] }[];
}

interface ProducerParts {
  logger: Logger;
  cluster: Cluster;
  partitioner: unknown;
  eosManager: EosManager;
  retrier: Retrier;
}

type ErrorLike = Error & { host?: string; port?: number; retriable?: boolean };

/** Drop-in for kafkajs' `producer/sendMessages.js`. */
export function createSendMessages({ logger, cluster, partitioner, eosManager, retrier }: ProducerParts): (args: SendArgs) => Promise<PartitionAnswer[]> {
  return async ({ acks, timeout, compression, topicMessages }) => {
    /** Records per partition per topic, grouped once. */
    const grouped = new Map<string, Record<string, unknown[]>>();
    /** `topic/partition` → its answer (null with acks 0: written, nothing to report). */
    const answered = new Map<string, PartitionAnswer | null>();

    /** Topic data per leader for every partition not answered yet. */
    const pendingPerLeader = (): Map<string, TopicData[]> => {
      const perLeader = new Map<string, TopicData[]>();
      for (const { topic, messages } of topicMessages) {
        const metadata = cluster.findTopicPartitionMetadata(topic);
        if (metadata.length === 0) throw new KafkaJSMetadataNotLoaded('Producing to topic without metadata');
        let parts = grouped.get(topic);
        if (!parts) grouped.set(topic, (parts = groupMessagesPerPartition({ topic, partitionMetadata: metadata, messages, partitioner })));
        const pending = Object.keys(parts)
          .map(Number)
          .filter((p) => !answered.has(`${topic}/${p}`));
        if (pending.length === 0) continue;
        const leaders = cluster.findLeaderForPartitions(topic, pending);
        const led = Object.values(leaders).reduce((n, ps) => n + ps.length, 0);
        if (led < pending.length) throw new KafkaJSMetadataNotLoaded(`Producing to partitions of ${topic} without metadata`);
        for (const [nodeId, partitions] of Object.entries(leaders)) {
          const list = perLeader.get(nodeId) ?? [];
          list.push({ topic, partitions: partitions.map((partition) => ({ partition, messages: parts[String(partition)] ?? [] })) });
          perLeader.set(nodeId, list);
        }
      }
      return perLeader;
    };

    const produceTo = async (nodeId: string, topicData: TopicData[]): Promise<void> => {
      const broker = await cluster.findBroker({ nodeId });
      await eosManager.acquireBrokerLock(broker);
      try {
        if (eosManager.isTransactional()) await eosManager.addPartitionsToTransaction(topicData);
        for (const { topic, partitions } of topicData) {
          for (const entry of partitions) {
            entry.firstSequence = eosManager.getSequence(topic, entry.partition);
            eosManager.updateSequence(topic, entry.partition, entry.messages.length);
          }
        }
        let response: unknown;
        try {
          response = await broker.produce({
            transactionalId: eosManager.isTransactional() ? eosManager.getTransactionalId() : undefined,
            producerId: eosManager.getProducerId(),
            producerEpoch: eosManager.getProducerEpoch(),
            acks,
            timeout,
            compression,
            topicData,
          });
        } catch (err) {
          for (const { topic, partitions } of topicData) for (const entry of partitions) eosManager.updateSequence(topic, entry.partition, -entry.messages.length);
          throw err;
        }
        if (acks === 0) {
          for (const { topic, partitions } of topicData) for (const { partition } of partitions) answered.set(`${topic}/${partition}`, null);
        } else {
          for (const answer of responseSerializer(response)) answered.set(`${answer.topicName}/${answer.partition}`, answer);
        }
      } finally {
        await eosManager.releaseBrokerLock(broker);
      }
    };

    return retrier(async (bail, retryCount, retryTime) => {
      await cluster.addMultipleTargetTopics(topicMessages.map(({ topic }) => topic));
      try {
        await cluster.refreshMetadataIfNecessary();
        const requests = [...pendingPerLeader()].map(([nodeId, topicData]) => produceTo(nodeId, topicData));
        const failed = (await Promise.allSettled(requests)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
        return [...answered.values()].filter((a): a is PartitionAnswer => a !== null);
      } catch (caught) {
        const e = caught as ErrorLike;
        // From here on as kafkajs: which errors refresh metadata, reconnect, retry or give up.
        if (e.name === 'KafkaJSConnectionClosedError' && e.host !== undefined && e.port !== undefined) cluster.removeBroker({ host: e.host, port: e.port });
        if (!cluster.isConnected()) {
          logger.debug(`Cluster has disconnected, reconnecting: ${e.message}`, { retryCount, retryTime });
          await cluster.connect();
          await cluster.refreshMetadata();
          throw e;
        }
        if (
          staleMetadata(e) ||
          e.name === 'KafkaJSMetadataNotLoaded' ||
          e.name === 'KafkaJSConnectionError' ||
          e.name === 'KafkaJSConnectionClosedError' ||
          (e.name === 'KafkaJSProtocolError' && e.retriable === true)
        ) {
          logger.error(`Failed to send messages: ${e.message}`, { retryCount, retryTime });
          await cluster.refreshMetadata();
          throw e;
        }
        logger.error(e.message, { retryCount, retryTime });
        if (e.retriable === true) throw e;
        bail(e); // rejects the send; what this attempt returns is ignored
        return [];
      }
    });
  };
}
