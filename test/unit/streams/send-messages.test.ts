import { createRequire } from 'node:module';
import { KafkaJSConnectionError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createSendMessages } from '../../../src/streams/send-messages.ts';

const require = createRequire(import.meta.url);
type SendMessagesFactory = typeof createSendMessages;
const createRetry = require('kafkajs/src/retry') as (opts: object) => Parameters<SendMessagesFactory>[0]['retrier'];
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, namespace: () => quiet };

/** kafkajs' own sendMessages, loaded past the fixed module in Node's cache. */
function kafkajsOriginal(): SendMessagesFactory {
  const file = require.resolve('kafkajs/src/producer/sendMessages.js');
  const fixed = require.cache[file];
  delete require.cache[file];
  try {
    return require(file) as SendMessagesFactory;
  } finally {
    if (fixed) require.cache[file] = fixed;
  }
}

interface Produced {
  readonly broker: number;
  readonly partition: number;
  readonly values: string[];
  readonly firstSequence: number | undefined;
}

/**
 * Two brokers; partition 0 led by broker 1, partition 1 by broker 2. Broker 2 dies at its
 * first produce, and the next metadata refresh names broker 1 the leader of partition 1.
 */
function leaderMovesMidSend(opts: { slowBroker1?: boolean } = {}) {
  const leaders = new Map([
    [0, 1],
    [1, 2],
  ]);
  const produced: Produced[] = [];
  const sequences = new Map<string, number>();
  const broker = (nodeId: number) => ({
    nodeId,
    async produce(req: { topicData: { topic: string; partitions: { partition: number; messages: { value: string }[]; firstSequence?: number }[] }[] }) {
      if (nodeId === 2) {
        leaders.set(1, 1);
        throw new KafkaJSConnectionError('connect ECONNREFUSED', { broker: 'broker-2' });
      }
      if (opts.slowBroker1) await new Promise((r) => setTimeout(r, 20));
      for (const t of req.topicData) for (const p of t.partitions) produced.push({ broker: nodeId, partition: p.partition, values: p.messages.map((m) => m.value), firstSequence: p.firstSequence });
      return {
        topics: req.topicData.map((t) => ({ topicName: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: 0, baseOffset: '0' })) })),
      };
    },
  });
  const brokers = new Map([
    [1, broker(1)],
    [2, broker(2)],
  ]);
  const cluster = {
    refreshMetadataIfNecessary: async () => {},
    refreshMetadata: async () => {},
    addMultipleTargetTopics: async () => {},
    findTopicPartitionMetadata: () => [...leaders].map(([partitionId, leader]) => ({ partitionId, leader })),
    findLeaderForPartitions: (_topic: string, partitions: number[]) => {
      const out: Record<string, number[]> = {};
      for (const p of partitions) (out[String(leaders.get(Number(p)))] ??= []).push(Number(p));
      return out;
    },
    findBroker: async ({ nodeId }: { nodeId: string }) => brokers.get(Number(nodeId)) as ReturnType<typeof broker>,
    removeBroker: () => {},
    isConnected: () => true,
    connect: async () => {},
  };
  const eosManager = {
    isTransactional: () => false,
    acquireBrokerLock: async () => {},
    releaseBrokerLock: async () => {},
    addPartitionsToTransaction: async () => {},
    getSequence: (topic: string, partition: number) => sequences.get(`${topic}/${partition}`) ?? 0,
    updateSequence: (topic: string, partition: number, n: number) => sequences.set(`${topic}/${partition}`, (sequences.get(`${topic}/${partition}`) ?? 0) + n),
    getTransactionalId: () => 'tx',
    getProducerId: () => 7,
    getProducerEpoch: () => 0,
  };
  const parts = {
    logger: quiet,
    cluster,
    partitioner: ({ message }: { message: { partition: number } }) => message.partition,
    eosManager,
    retrier: createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 2 }),
  };
  const send = (factory: SendMessagesFactory) =>
    factory(parts as unknown as Parameters<SendMessagesFactory>[0])({
      acks: -1,
      timeout: 1000,
      compression: 0,
      topicMessages: [
        {
          topic: 't',
          messages: [
            { partition: 0, value: 'a' },
            { partition: 1, value: 'b' },
          ],
        },
      ],
    });
  return { produced, send };
}

describe('producer send when a partition leader moves mid-send', () => {
  it('sends the moved partition to its new leader even when that broker already answered', async () => {
    const { produced, send } = leaderMovesMidSend();
    const answers = await send(createSendMessages);
    expect(produced.map((p) => [p.broker, p.partition, p.values])).toEqual([
      [1, 0, ['a']],
      [1, 1, ['b']],
    ]);
    expect(answers.map((a) => a.partition).sort()).toEqual([0, 1]);
  });

  it("kafkajs' own send resolves without having written the moved partition (the bug fixed)", async () => {
    const { produced, send } = leaderMovesMidSend();
    await send(kafkajsOriginal());
    expect(produced.map((p) => p.partition)).toEqual([0]);
  });

  it('retries only after every request of the attempt ended, so none is sent twice', async () => {
    const { produced, send } = leaderMovesMidSend({ slowBroker1: true });
    await send(createSendMessages);
    const partition0 = produced.filter((p) => p.partition === 0);
    expect(partition0).toHaveLength(1);
    // The failed request's sequence was given back: partition 1 goes out at sequence 0.
    expect(produced.find((p) => p.partition === 1)?.firstSequence).toBe(0);
  });
});
