import { Kafka, logLevel } from 'kafkajs';
import { startKafkaCluster, type KafkaCluster } from '../test/broker/kafka-broker.ts';
import { KafkaTopicAdmin, type TopicAdmin } from '../src/streams/topic-admin.ts';

/** The broker a benchmark runs on: KAFKA_BROKERS if set, else a fresh Apache Kafka node. */
export async function benchBroker(): Promise<{ kafka: Kafka; admin: TopicAdmin; stop: () => Promise<void>; kind: string; bootstrap: string; pids: () => number[] }> {
  const external = process.env['KAFKA_BROKERS'];
  let cluster: KafkaCluster | undefined;
  if (!external) cluster = await startKafkaCluster({ heapMb: 1024 });
  const brokers = (external ?? (cluster as KafkaCluster).bootstrap).split(',');
  const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
  const kind = cluster ? cluster.label : `external kafka ${external}`;
  process.stdout.write(`broker: ${kind}\n`);
  const pids = () => (cluster?.nodes ?? []).flatMap((n) => n.pid() ?? []);
  return { kafka, admin: new KafkaTopicAdmin(kafka), stop: async () => cluster?.stop(), kind, bootstrap: brokers.join(','), pids };
}

/** Sum of high watermarks: how many records a topic holds. */
export async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, o) => n + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}

export async function waitForSize(kafka: Kafka, topic: string, n: number, label: string): Promise<void> {
  for (let last = -1; ; ) {
    const size = await topicSize(kafka, topic);
    if (size >= n) return;
    if (size !== last) process.stderr.write(`  ${label}: ${size}/${n} at ${new Date().toISOString().slice(17, 23)}\n`);
    last = size;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export function figure(name: string, value: number, unit = ''): void {
  const v = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1);
  process.stdout.write(`${name} ${v}${unit ? ' ' + unit : ''}\n`);
}

/**
 * The baseline every broker benchmark compares against: a consumer group piping each
 * fetched batch to `output` with an idempotent producer. Returns seconds until `output`
 * holds `records` records.
 */
export async function barePipe(kafka: Kafka, input: string, output: string, records: number, label = 'bare kafkajs'): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bench-bare-${Date.now()}`, maxWaitTimeInMs: 100 });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([consumer.connect(), producer.connect()]);
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  const started = Date.now();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      await producer.send({ topic: output, acks: -1, messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) });
    },
  });
  await waitForSize(kafka, output, records, label);
  const seconds = (Date.now() - started) / 1000;
  await consumer.disconnect();
  await producer.disconnect();
  return seconds;
}
