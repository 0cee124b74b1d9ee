// First: kafkajs must load with our fixes to it (see the module).
import '../../src/streams/kafkajs-fixes.ts';
import { startKafkaCluster, type KafkaCluster } from './kafka-broker.ts';

let cluster: KafkaCluster | undefined;

/**
 * Vitest global setup: integration tests need a Kafka broker. With KAFKA_BROKERS set they
 * use that cluster unchanged; otherwise we start Apache Kafka (jars from Maven Central,
 * fetched once) and hand its address to the test workers through env.
 */
export async function setup(): Promise<void> {
  if (process.env['KAFKA_BROKERS']) {
    console.log(`[broker] using KAFKA_BROKERS=${process.env['KAFKA_BROKERS']}`);
    process.env['TEST_BROKER_LABEL'] ??= 'external kafka';
    return;
  }
  cluster = await startKafkaCluster({ log: (l) => console.log(l) });
  process.env['KAFKA_BROKERS'] = cluster.bootstrap;
  process.env['TEST_BROKER_LABEL'] = cluster.label;
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}
