import { Kafka, logLevel } from 'kafkajs';
import { startMockBroker, type MockBroker } from '../test/broker/mock-broker.ts';
import { FifoTopicAdmin, KafkaTopicAdmin, type TopicAdmin } from '../src/streams/topic-admin.ts';

/** The broker a benchmark runs on: KAFKA_BROKERS if set, else a fresh mock cluster. */
export async function benchBroker(): Promise<{ kafka: Kafka; admin: TopicAdmin; stop: () => Promise<void>; kind: string }> {
  const external = process.env['KAFKA_BROKERS'];
  let mock: MockBroker | undefined;
  if (!external) {
    process.stderr.write('starting the librdkafka mock broker...\n');
    mock = await startMockBroker();
  }
  const brokers = (external ?? (mock as MockBroker).bootstrap).split(',');
  const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
  const admin = mock ? new FifoTopicAdmin(kafka, mock.controlFifo) : new KafkaTopicAdmin(kafka);
  return { kafka, admin, stop: async () => mock?.stop(), kind: mock ? 'librdkafka-mock' : 'kafka' };
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
