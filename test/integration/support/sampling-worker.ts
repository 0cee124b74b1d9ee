/**
 * A separate process running the tail-sampling topology on KafkaRuntime, so the kill test
 * can SIGKILL an instance mid-stream. Settings come from env (topics as JSON, the sampling
 * config as YAML); it prints JSON status lines like the event-count worker.
 */
// First: kafkajs must load with our fixes to it (see the module).
import '../../../src/streams/kafkajs-fixes.ts';
import { SAMPLING_COMMIT_INTERVAL_MS } from '../../../src/config/config.ts';
import { MetricsRegistry } from '../../../src/metrics/registry.ts';
import { samplingMetrics } from '../../../src/sampling/assembly/metrics.ts';
import { parseSamplingConfigText } from '../../../src/sampling/config.ts';
import { createPipelineSerdes } from '../../../src/serde/pipeline-serdes.ts';
import { InProcessRegistry } from '../../../src/serde/registry.ts';
import { KafkaRuntime, type ProcessingGuarantee } from '../../../src/streams/kafka-runtime.ts';
import { build, type TailSamplingTopics } from '../../../topologies/tail-sampling.ts';
import { requireEnv, runWorker, WORKER_GROUP_TIMINGS, workerKafka } from '../../fixtures/worker-main.ts';

const env = requireEnv('sampling worker');
const { kafka, topicAdmin } = workerKafka('sampling-worker');
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
  topicAdmin,
  stateDir: env('STATE_DIR'),
  processingGuarantee: env('GUARANTEE') as ProcessingGuarantee,
  commitIntervalMs: SAMPLING_COMMIT_INTERVAL_MS, // as the app runs it: the fault tests cover the product setting
  ...WORKER_GROUP_TIMINGS,
  registry,
});
await runWorker('sampling worker', runtime, () => ({
  inFlight: runtime.ownedPartitions().reduce((n, task) => n + metrics.tracesInFlight.get({ task }), 0),
  decisions: metrics.decisions.total(),
}));
