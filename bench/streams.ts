/**
 * Streams runtime throughput: the stateful pass-through topology (read, put in RocksDB,
 * forward, at-least-once commits with changelog) against bare kafkajs consume→produce on
 * the same broker, same input, in one run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { build } from '../topologies/pass-through.ts';
import { KafkaRuntime } from '../src/streams/kafka-runtime.ts';
import { createLogger } from '../src/util/log.ts';
import { barePipe, benchBroker, figure, waitForSize } from './_broker.ts';

const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 300_000);
const KEYS = 10_000;
const PARTITIONS = 6;

async function fill(kafka: Kafka, topic: string): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const value = Buffer.alloc(200, 'x');
  for (let i = 0; i < RECORDS; i += 10_000) {
    const messages = Array.from({ length: Math.min(10_000, RECORDS - i) }, (_, j) => ({ key: `key-${(i + j) % KEYS}`, value }));
    await producer.send({ topic, messages, acks: -1 });
    process.stderr.write(`  input: ${i + messages.length}/${RECORDS}\r`);
  }
  process.stderr.write('\n');
  await producer.disconnect();
}

async function topology(kafka: Kafka, admin: Awaited<ReturnType<typeof benchBroker>>['admin'], input: string, output: string): Promise<number> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-streams-'));
  const rt = new KafkaRuntime({
    applicationId: `bench-topology-${Date.now()}`,
    topology: build({ inputTopic: input, outputTopic: output }),
    kafka,
    topicAdmin: admin,
    stateDir,
    logger: createLogger('bench', process.env['LOG_LEVEL'] === 'debug' ? 'debug' : 'warn'),
  });
  const started = Date.now();
  await rt.start();
  await waitForSize(kafka, output, RECORDS, 'topology');
  const seconds = (Date.now() - started) / 1000;
  await rt.stop();
  rmSync(stateDir, { recursive: true, force: true });
  return RECORDS / seconds;
}

export default async function run(): Promise<void> {
  const { kafka, admin, stop, kind } = await benchBroker();
  try {
    const stamp = Date.now();
    const input = `bench-in-${stamp}`;
    await admin.ensureTopics([input, `bench-out-bare-${stamp}`, `bench-out-topo-${stamp}`].map((topic) => ({ topic, partitions: PARTITIONS })));
    process.stderr.write(`broker: ${kind}; ${RECORDS} records of 200 B, ${KEYS} keys, ${PARTITIONS} partitions\n`);
    await fill(kafka, input);
    const bare = RECORDS / (await barePipe(kafka, input, `bench-out-bare-${stamp}`, RECORDS));
    const topo = await topology(kafka, admin, input, `bench-out-topo-${stamp}`);
    figure('streams.bare_kafkajs', Math.round(bare), 'records/s');
    figure('streams.topology', Math.round(topo), 'records/s');
    figure('streams.ratio', topo / bare);
  } finally {
    await stop();
  }
}
