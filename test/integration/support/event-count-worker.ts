/**
 * A separate process running the event-count topology on KafkaRuntime, so integration tests
 * can SIGKILL an instance mid-stream. Settings come from env; it prints JSON status lines.
 */
import { Kafka, logLevel } from 'kafkajs';
import { build } from '../../../topologies/event-count.ts';
import { KafkaRuntime, type ProcessingGuarantee } from '../../../src/streams/kafka-runtime.ts';
import { FifoTopicAdmin, KafkaTopicAdmin } from '../../../src/streams/topic-admin.ts';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`worker: ${k} is not set`);
  return v;
};
const kafka = new Kafka({ clientId: 'worker', brokers: env('KAFKA_BROKERS').split(','), logLevel: logLevel.NOTHING });
const fifo = process.env['KAFKA_TOPIC_CONTROL_FIFO'];
const runtime = new KafkaRuntime({
  applicationId: env('APP_ID'),
  topology: build({ inputTopic: env('INPUT_TOPIC'), outputTopic: env('OUTPUT_TOPIC') }),
  kafka,
  topicAdmin: fifo ? new FifoTopicAdmin(kafka, fifo) : new KafkaTopicAdmin(kafka),
  stateDir: env('STATE_DIR'),
  processingGuarantee: env('GUARANTEE') as ProcessingGuarantee,
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 500,
});
const status = (event: string) =>
  process.stdout.write(
    JSON.stringify({
      event,
      partitions: runtime.ownedPartitions(),
      in: runtime.metrics.recordsIn.total(),
      restored: runtime.metrics.restoredRecords.total(),
      commits: runtime.metrics.commits.total(),
    }) + '\n',
  );
const shutdown = () => {
  void runtime.stop().then(() => {
    status('stopped');
    process.exit(0);
  });
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
await runtime.start();
status('started');
setInterval(() => {
  const err = runtime.error();
  if (err) {
    process.stderr.write(`worker failed: ${err.message}\n`);
    process.exit(1);
  }
  status('progress');
}, 250);
