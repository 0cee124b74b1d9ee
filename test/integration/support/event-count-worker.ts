/**
 * A separate process running the event-count topology on KafkaRuntime, so integration tests
 * can SIGKILL an instance mid-stream. Settings come from env; it prints JSON status lines.
 */
// First: kafkajs must load with our fixes to it (see the module).
import '../../../src/streams/kafkajs-fixes.ts';
import { build } from '../../../topologies/event-count.ts';
import { KafkaRuntime, type ProcessingGuarantee } from '../../../src/streams/kafka-runtime.ts';
import { requireEnv, runWorker, WORKER_GROUP_TIMINGS, workerKafka } from '../../fixtures/worker-main.ts';

const env = requireEnv('worker');
const { kafka, topicAdmin } = workerKafka('worker');
const runtime = new KafkaRuntime({
  applicationId: env('APP_ID'),
  topology: build({ inputTopic: env('INPUT_TOPIC'), outputTopic: env('OUTPUT_TOPIC') }),
  kafka,
  topicAdmin,
  stateDir: env('STATE_DIR'),
  processingGuarantee: env('GUARANTEE') as ProcessingGuarantee,
  ...WORKER_GROUP_TIMINGS,
});
await runWorker('worker', runtime);
