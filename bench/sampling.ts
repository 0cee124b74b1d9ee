/**
 * Tail sampling benchmark, two figures the issues ask for:
 *
 * 1. Throughput: spans/s through the tail-sampling topology on a broker (KafkaRuntime,
 *    exactly-once, default policies, decision_wait 1 s) against a bare kafkajs
 *    consume→produce pipe over the same records, in the same run. Beside the wall-clock
 *    ratio, the CPU this process spent per span in each (`cpu_ratio`): the broker shares
 *    the machine, so wall time moves with it from run to run more than CPU time does.
 * 2. Memory: peak RSS of this process with N spans in flight (decision_wait 1 h, so nothing
 *    is decided), on the LocalRuntime over on-disk topics (a FileBroker, as embedded mode) so
 *    no broker RAM is counted: with the input topics as the buffer's changelog, raw-spans is
 *    kept back to the oldest in-flight trace, i.e. all of it here. Target: 10M spans < 1 GB.
 *
 * `npm run bench -- sampling [--traces=10000] [--in-flight=1000000] [--only=throughput|memory] [--compression=none,lz4] [--commit-interval=default,1000] [--buffer-changelog=source|store]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { MetricsRegistry } from '../src/metrics/registry.ts';
import { samplingMetrics, type SamplingMetrics } from '../src/sampling/assembly/metrics.ts';
import { DEFAULT_BUFFER_CHANGELOG, type BufferChangelog } from '../src/sampling/assembly/options.ts';
import { parseSamplingConfigText } from '../src/sampling/config.ts';
import { createPipelineSerdes, type PipelineSerdes } from '../src/serde/pipeline-serdes.ts';
import { InProcessRegistry } from '../src/serde/registry.ts';
import { FileBroker } from '../src/streams/log/file-broker.ts';
import { KafkaRuntime } from '../src/streams/kafka-runtime.ts';
import { LocalRuntime } from '../src/streams/local-runtime.ts';
import { createLogger } from '../src/util/log.ts';
import { generateWorkload } from '../src/workload/generator.ts';
import { exportRecords } from '../test/fixtures/workload-replay.ts';
import { build, DEFAULT_TOPICS, type TailSamplingTopics } from '../topologies/tail-sampling.ts';
import { barePipe, benchBroker, figure } from './_broker.ts';
import { CHUNK_BYTES, CHUNK_RECORDS } from '../src/streams/produce-chunks.ts';
import { isKafkaCompression, type KafkaCompression } from '../src/streams/compression-names.ts';
import { SAMPLING_COMMIT_INTERVAL_MS } from '../src/config/config.ts';

const PARTITIONS = 6;
const logger = createLogger('bench', process.env['LOG_LEVEL'] === 'debug' ? 'debug' : 'warn');

function arg(args: readonly string[], name: string, dflt: string): string {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : dflt;
}

const ASSEMBLY = { tickMs: 100, windowMs: 60_000, windowFlushDelayMs: 10_000, outputChunkSpans: 1000 } as const;
/** --buffer-changelog: what makes the span buffer durable (default: the product's). */
const changelog: { of: BufferChangelog } = { of: DEFAULT_BUFFER_CHANGELOG };

function topology(applicationId: string, topics: TailSamplingTopics, yaml: string, serdes: PipelineSerdes, metrics: SamplingMetrics, maxBytesInFlight = 4 * 1024 ** 3) {
  return build({ applicationId, topics, sampling: parseSamplingConfigText(yaml), assembly: { ...ASSEMBLY, maxBytesInFlight, bufferChangelog: changelog.of }, serdes, metrics });
}

/** Raw-spans records of a seeded workload: one Avro SpanBatch per trace per export request. */
function* workloadRecords(serdes: PipelineSerdes, traces: number, seed: string): Generator<{ key: string; value: Buffer; spans: number }> {
  const w = generateWorkload({ seed, traces, keepTraceTruth: false });
  for (const r of exportRecords(w.deliveries)) {
    yield { key: r.traceId, value: serdes.spanBatch.serialize(r.deliveries.map((d) => d.span)), spans: r.deliveries.length };
  }
}

// ---------------------------------------------------------------------------------------
// 1. Throughput on the broker

async function fill(kafka: Kafka, topic: string, serdes: PipelineSerdes, traces: number): Promise<{ records: number; spans: number }> {
  const producer = kafka.producer();
  await producer.connect();
  let records = 0;
  let spans = 0;
  let batch: { key: string; value: Buffer }[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length > 0) await producer.send({ topic, acks: -1, messages: batch });
    batch = [];
    bytes = 0;
    process.stderr.write(`  input: ${records} records, ${spans} spans\r`);
  };
  for (const r of workloadRecords(serdes, traces, 'bench-throughput')) {
    batch.push({ key: r.key, value: r.value });
    bytes += r.value.length;
    records++;
    spans += r.spans;
    if (batch.length >= CHUNK_RECORDS || bytes >= CHUNK_BYTES) await flush();
  }
  await flush();
  process.stderr.write('\n');
  await producer.disconnect();
  return { records, spans };
}

/** CPU this process used since `since` (every thread: RocksDB's and the GC's too), in µs. */
function cpuMicros(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return d.user + d.system;
}

async function sampledRun(kafka: Kafka, admin: Awaited<ReturnType<typeof benchBroker>>['admin'], topics: TailSamplingTopics, serdes: PipelineSerdes, records: number, compression: KafkaCompression, commitIntervalMs: number | undefined) {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-sampling-'));
  const metrics = samplingMetrics(new MetricsRegistry());
  const applicationId = `bench-sampling-${Date.now()}`;
  const yaml = 'decision_wait: 1s\nroot_grace: 1s\n'; // default policies: errors, slow ≥ 1 s, 10 %
  const rt = new KafkaRuntime({ applicationId, topology: topology(applicationId, topics, yaml, serdes, metrics), kafka, topicAdmin: admin, stateDir, logger, processingGuarantee: 'exactly_once', compression, commitIntervalMs: commitIntervalMs ?? SAMPLING_COMMIT_INTERVAL_MS });
  const inFlight = () => rt.ownedPartitions().reduce((n, task) => n + metrics.tracesInFlight.get({ task }), 0);
  const started = Date.now();
  const cpu = process.cpuUsage();
  await rt.start();
  let consumedAt = 0;
  let consumedCpuUs = 0;
  for (let last = -1; ; ) {
    const err = rt.error();
    if (err) throw err;
    const n = rt.metrics.recordsIn.total();
    if (n >= records && consumedAt === 0) {
      consumedAt = Date.now();
      consumedCpuUs = cpuMicros(cpu);
    }
    if (consumedAt > 0 && inFlight() === 0) break;
    if (n !== last) process.stderr.write(`  topology: ${n}/${records} records in, ${inFlight()} traces in flight\r`);
    last = n;
    await new Promise((r) => setTimeout(r, 100));
  }
  const decidedAt = Date.now();
  process.stderr.write('\n');
  const decisions = metrics.decisions.total();
  await rt.stop();
  rmSync(stateDir, { recursive: true, force: true });
  return { consumedSeconds: (consumedAt - started) / 1000, consumedCpuUs, decidedSeconds: (decidedAt - started) / 1000, decisions };
}

async function throughput(serdes: PipelineSerdes, traces: number, compressions: readonly KafkaCompression[], intervals: readonly (number | undefined)[]): Promise<void> {
  const { kafka, admin, stop, kind } = await benchBroker();
  try {
    const stamp = Date.now();
    const topics: TailSamplingTopics = {
      rawSpans: `bench-raw-${stamp}`,
      deadLetter: `bench-dlq-${stamp}`,
      sampledSpans: `bench-sampled-${stamp}`,
      dependencyEdges: `bench-edges-${stamp}`,
      spanMetrics: `bench-metrics-${stamp}`,
      samplingDecisions: `bench-decisions-${stamp}`,
    };
    const bareOut = `bench-bare-out-${stamp}`;
    await admin.ensureTopics([...Object.values(topics), bareOut].map((topic) => ({ topic, partitions: PARTITIONS })));
    process.stderr.write(`broker: ${kind}; ${traces} traces, ${PARTITIONS} partitions\n`);
    const { records, spans } = await fill(kafka, topics.rawSpans, serdes, traces);
    const bareCpu = process.cpuUsage();
    const bare = await barePipe(kafka, topics.rawSpans, bareOut, records);
    const bareCpuUs = cpuMicros(bareCpu);
    figure('sampling.input_records', records, 'records');
    figure('sampling.input_spans', spans, 'spans');
    figure('sampling.bare_kafkajs', Math.round(spans / bare), 'spans/s');
    figure('sampling.bare_kafkajs_cpu', bareCpuUs / spans, 'µs/span');
    for (const compression of compressions) for (const interval of intervals) {
      // Each run reads the same input with its own group and writes its own output topics.
      const suffix = `${compression === 'none' ? '' : `.${compression}`}${interval === undefined ? '' : `.commit_${interval}ms`}`;
      const out = { ...topics, sampledSpans: `${topics.sampledSpans}${suffix}`, dependencyEdges: `${topics.dependencyEdges}${suffix}`, spanMetrics: `${topics.spanMetrics}${suffix}` };
      await admin.ensureTopics([out.sampledSpans, out.dependencyEdges, out.spanMetrics].map((topic) => ({ topic, partitions: PARTITIONS })));
      const run = await sampledRun(kafka, admin, out, serdes, records, compression, interval);
      figure(`sampling.topology${suffix}`, Math.round(spans / run.consumedSeconds), 'spans/s');
      figure(`sampling.ratio${suffix}`, bare / run.consumedSeconds);
      figure(`sampling.topology_cpu${suffix}`, run.consumedCpuUs / spans, 'µs/span');
      figure(`sampling.cpu_ratio${suffix}`, bareCpuUs / run.consumedCpuUs);
      figure(`sampling.all_decided_after${suffix}`, run.decidedSeconds, 's');
      figure(`sampling.decisions${suffix}`, run.decisions, 'traces');
    }
  } finally {
    await stop();
  }
}

// ---------------------------------------------------------------------------------------
// 2. Peak RSS with N spans in flight (LocalRuntime over on-disk topics: no broker RAM)

async function memory(serdes: PipelineSerdes, target: number): Promise<void> {
  const metrics = samplingMetrics(new MetricsRegistry());
  // root_grace too: punctuators fire between records, so a trace would be decided 2 s (the
  // default grace) after its root arrived and the spans would not stay in flight.
  const yaml = 'decision_wait: 1h\nroot_grace: 1h\nmax_trace_age: 1h\nnum_traces: 100000000\nmax_trace_bytes: 1073741824\n';
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-sampling-mem-'));
  const broker = new FileBroker({ dir: join(stateDir, 'log'), external: [DEFAULT_TOPICS.rawSpans] });
  const runtime = new LocalRuntime({ broker, stateDir, changelogs: false, logger });
  // ~800 buffered bytes a span: the byte limit must not decide traces early (10 M ≈ 8 GB).
  await runtime.add('bench-memory', topology('bench-memory', DEFAULT_TOPICS, yaml, serdes, metrics, Math.max(4 * 1024 ** 3, target * 2048)));
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const timer = setInterval(sample, 100);
  const started = Date.now();
  let spans = 0;
  let pending = 0;
  let half: { spans: number; rss: number } | undefined;
  // About 25 spans per trace: ask for enough traces, stop at the target.
  for (const r of workloadRecords(serdes, Math.ceil(target / 20) + 10, 'bench-memory')) {
    broker.append(DEFAULT_TOPICS.rawSpans, { key: Buffer.from(r.key), value: r.value, timestamp: Date.now(), headers: {} });
    spans += r.spans;
    if (++pending >= 2000) {
      await broker.sync(DEFAULT_TOPICS.rawSpans);
      await runtime.drain();
      pending = 0;
      sample();
      if (!half && spans >= target / 2) half = { spans: metrics.spansBuffered.get(), rss: process.memoryUsage().rss };
      process.stderr.write(`  memory: ${spans}/${target} spans in, ${metrics.spansBuffered.get()} in flight, rss ${Math.round(process.memoryUsage().rss / 1e6)} MB\r`);
    }
    if (spans >= target) break;
  }
  await broker.sync(DEFAULT_TOPICS.rawSpans);
  await runtime.drain();
  await runtime.commitAll();
  sample();
  clearInterval(timer);
  process.stderr.write('\n');
  const seconds = (Date.now() - started) / 1000;
  const buffered = metrics.spansBuffered.get();
  const traces = metrics.tracesInFlight.get({ task: 0 });
  const bytes = metrics.bytesInFlight.get({ task: 0 });
  const decided = metrics.decisions.total();
  const end = process.memoryUsage().rss;
  await runtime.close();
  broker.close();
  rmSync(stateDir, { recursive: true, force: true });
  figure('sampling.memory.spans_in_flight', buffered, 'spans');
  figure('sampling.memory.traces_in_flight', traces, 'traces');
  figure('sampling.memory.bytes_in_flight', Math.round(bytes / 1e6), 'MB');
  figure('sampling.memory.decided_early', decided, 'traces');
  figure('sampling.memory.rss_baseline', Math.round(baseline / 1e6), 'MB');
  figure('sampling.memory.rss_peak', Math.round(peak / 1e6), 'MB');
  figure('sampling.memory.rss_per_span', (peak - baseline) / Math.max(1, buffered), 'B');
  // Growth over the second half: RocksDB's memtables and caches fill first, then level off.
  if (half && buffered > half.spans) figure('sampling.memory.rss_marginal_per_span', (end - half.rss) / (buffered - half.spans), 'B');
  figure('sampling.memory.fill_rate', Math.round(spans / seconds), 'spans/s');
}

export default async function run(args: string[]): Promise<void> {
  const only = arg(args, 'only', 'all');
  const mode = arg(args, 'buffer-changelog', DEFAULT_BUFFER_CHANGELOG);
  if (mode !== 'source' && mode !== 'store') throw new Error(`--buffer-changelog: expected source or store, got "${mode}"`);
  changelog.of = mode;
  const serdes = await createPipelineSerdes(InProcessRegistry.fromDir());
  // Memory first: after the broker run the heap holds kafkajs' leftovers, which would blur the RSS figures.
  if (only === 'all' || only === 'memory') await memory(serdes, Number(arg(args, 'in-flight', '1000000')));
  // --compression=none,lz4: one topology run per codec of its produced batches, same input and baseline.
  const compressions = arg(args, 'compression', 'none').split(',').map((c) => {
    if (!isKafkaCompression(c)) throw new Error(`--compression: expected none, gzip, snappy, lz4 or zstd, got "${c}"`);
    return c;
  });
  // --commit-interval=100: the runtime's commit interval (default: the app's, SAMPLING_COMMIT_INTERVAL_MS).
  const intervals = arg(args, 'commit-interval', 'default').split(',').map((v) => (v === 'default' ? undefined : Number(v)));
  if (only === 'all' || only === 'throughput') await throughput(serdes, Number(arg(args, 'traces', '10000')), compressions, intervals);
}
