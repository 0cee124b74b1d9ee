/**
 * A separate process running the tail-sampling topology on KafkaRuntime, so the kill test
 * can SIGKILL an instance mid-stream. Settings come from env (topics as JSON, the sampling
 * config as YAML); it prints JSON status lines like the event-count worker.
 */
import { Kafka, logLevel } from 'kafkajs';
import { MetricsRegistry } from '../../../src/metrics/registry.ts';
import { samplingMetrics } from '../../../src/sampling/assembly/metrics.ts';
import { parseSamplingConfigText } from '../../../src/sampling/config.ts';
import { createPipelineSerdes } from '../../../src/sampling/pipeline-serdes.ts';
import { InProcessRegistry } from '../../../src/serde/registry.ts';
import { KafkaRuntime, type ProcessingGuarantee } from '../../../src/streams/kafka-runtime.ts';
import { FifoTopicAdmin, KafkaTopicAdmin } from '../../../src/streams/topic-admin.ts';
import { build, type TailSamplingTopics } from '../../../topologies/tail-sampling.ts';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`sampling worker: ${k} is not set`);
  return v;
};
const kafka = new Kafka({ clientId: 'sampling-worker', brokers: env('KAFKA_BROKERS').split(','), logLevel: logLevel.NOTHING });
const fifo = process.env['KAFKA_TOPIC_CONTROL_FIFO'];
const registry = new MetricsRegistry();
const metrics = samplingMetrics(registry);
const applicationId = env('APP_ID');
const runtime = new KafkaRuntime({
  applicationId,
  topology: build({
    applicationId,
    topics: JSON.parse(env('TOPICS')) as TailSamplingTopics,
    sampling: parseSamplingConfigText(env('SAMPLING_YAML')),
    assembly: { tickMs: 100, windowMs: 60_000, windowFlushDelayMs: 0, maxBytesInFlight: 256 * 1024 * 1024, outputChunkSpans: 1000 },
    serdes: await createPipelineSerdes(InProcessRegistry.fromDir()),
    metrics,
  }),
  kafka,
  topicAdmin: fifo ? new FifoTopicAdmin(kafka, fifo) : new KafkaTopicAdmin(kafka),
  stateDir: env('STATE_DIR'),
  processingGuarantee: env('GUARANTEE') as ProcessingGuarantee,
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 500,
  registry,
});
const status = (event: string) =>
  process.stdout.write(
    JSON.stringify({
      event,
      partitions: runtime.ownedPartitions(),
      in: runtime.metrics.recordsIn.total(),
      restored: runtime.metrics.restoredRecords.total(),
      commits: runtime.metrics.commits.total(),
      inFlight: runtime.ownedPartitions().reduce((n, task) => n + metrics.tracesInFlight.get({ task }), 0),
      decisions: metrics.decisions.total(),
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
    process.stderr.write(`sampling worker failed: ${err.message}\n`);
    process.exit(1);
  }
  status('progress');
}, 250);
