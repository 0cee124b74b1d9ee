import { startMockBroker, type MockBroker } from './mock-broker.ts';

let broker: MockBroker | undefined;

/**
 * Vitest global setup: integration tests need a Kafka-protocol broker. With KAFKA_BROKERS
 * set they use that cluster unchanged; otherwise we build (once) and start librdkafka's
 * mock cluster and hand its address and control FIFO to the test workers through env.
 */
export async function setup(): Promise<void> {
  if (process.env['KAFKA_BROKERS']) {
    console.log(`[broker] using KAFKA_BROKERS=${process.env['KAFKA_BROKERS']}`);
    return;
  }
  broker = await startMockBroker();
  process.env['KAFKA_BROKERS'] = broker.bootstrap;
  process.env['KAFKA_TOPIC_CONTROL_FIFO'] = broker.controlFifo;
  console.log(`[broker] librdkafka mock cluster at ${broker.bootstrap} (log ${broker.logFile})`);
}

export async function teardown(): Promise<void> {
  await broker?.stop();
}
