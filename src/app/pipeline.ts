import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { AppConfig } from '../config/config.ts';
import { createOtlpHttpApp } from '../ingest/http-otlp.ts';
import { createZipkinApp } from '../ingest/http-zipkin.ts';
import { KafkaSpanPublisher } from '../ingest/kafka-publisher.ts';
import type { SpanPublisher } from '../ingest/publisher.ts';
import { listen, type Listening } from '../ingest/server.ts';
import { MetricsRegistry } from '../metrics/registry.ts';
import { samplingMetrics } from '../sampling/assembly/metrics.ts';
import { createPipelineSerdes } from '../sampling/pipeline-serdes.ts';
import { createAvroRegistry } from '../serde/avro-serde.ts';
import { openClickHouse } from '../sink/clickhouse.ts';
import { migrate } from '../sink/migrate.ts';
import { InMemoryBroker } from '../streams/in-memory-broker.ts';
import { KafkaRuntime } from '../streams/kafka-runtime.ts';
import { LocalRuntime } from '../streams/local-runtime.ts';
import { FifoTopicAdmin, KafkaTopicAdmin, type TopicAdmin } from '../streams/topic-admin.ts';
import type { Topology } from '../streams/topology.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { build as buildSink } from '../../topologies/clickhouse-sink.ts';
import { build as buildTailSampling } from '../../topologies/tail-sampling.ts';
import type { Span } from '../model/span.ts';
import type { AvroSerde } from '../serde/avro-serde.ts';
import { EmbeddedSpanPublisher } from './embedded-publisher.ts';
import { startQueryServer } from './query-server.ts';

/** The running pipeline: receivers, topologies, ClickHouse and the query server. */
export interface Pipeline {
  readonly mode: 'embedded' | 'kafka';
  readonly ports: { readonly otlp: number; readonly zipkin: number; readonly query: number };
  readonly clickhouse: ClickHouseClient;
  readonly registry: MetricsRegistry;
  stop(): Promise<void>;
}

interface Runtimes {
  readonly publisher: SpanPublisher;
  stop(): Promise<void>;
}

/** What either runtime set-up needs. */
interface Parts {
  readonly config: AppConfig;
  readonly sampling: Topology;
  readonly sink: Topology;
  readonly registry: MetricsRegistry;
  readonly logger: Logger;
  readonly spanBatch: AvroSerde<Span[]>;
}

/** The configured ClickHouse: a server with CLICKHOUSE_URL, else chdb under the data directory. */
export function openConfiguredClickHouse(config: AppConfig): Promise<ClickHouseClient> {
  const ch = config.clickhouse;
  return openClickHouse({
    ...(ch.url ? { url: ch.url } : { dataDir: join(config.dataDir, 'clickhouse') }),
    database: ch.database,
    ...(ch.username ? { username: ch.username } : {}),
    ...(ch.password ? { password: ch.password } : {}),
  });
}

/**
 * Starts everything in one process. Without Kafka settings the topologies run on the
 * in-process runtime and ClickHouse is chdb under the data directory: `npm start` and go.
 */
export async function startPipeline(config: AppConfig, logger: Logger = createLogger('tailstream')): Promise<Pipeline> {
  const registry = new MetricsRegistry();
  const serdes = await createPipelineSerdes(createAvroRegistry(config.schemaRegistryUrl));
  const ch = config.clickhouse;
  const clickhouse = await openConfiguredClickHouse(config);
  const applied = await migrate(clickhouse, { database: ch.database, spansTtlDays: ch.spansTtlDays, errorTtlDays: ch.errorTtlDays });
  logger.info('clickhouse ready', { target: ch.url ?? join(config.dataDir, 'clickhouse'), migrationsApplied: applied.applied });

  const metrics = samplingMetrics(registry);
  const sampling = buildTailSampling({
    applicationId: config.applicationIds.sampling,
    topics: config.topics,
    sampling: config.sampling,
    assembly: config.assembly,
    serdes,
    metrics,
  });
  const sink = buildSink({
    applicationId: config.applicationIds.sink,
    topics: config.topics,
    serdes,
    client: clickhouse,
    database: ch.database,
    batchRows: config.sink.batchRows,
    flushIntervalMs: config.sink.flushIntervalMs,
    registry,
    logger: logger.child('sink'),
    deadLetterTopic: config.topics.deadLetter,
  });
  const parts: Parts = { config, sampling, sink, registry, logger, spanBatch: serdes.spanBatch };
  const runtimes = config.kafka ? await startOnKafka(parts) : await startEmbedded(parts);

  const servers: Listening[] = [];
  try {
    servers.push(await listen(createOtlpHttpApp({ publisher: runtimes.publisher }), config.ports.otlp, config.host));
    servers.push(await listen(createZipkinApp({ publisher: runtimes.publisher }), config.ports.zipkin, config.host));
    servers.push(await startQueryServer({ clickhouse, database: ch.database, registry, port: config.ports.query, host: config.host }));
  } catch (err) {
    for (const s of servers) await s.close();
    await runtimes.stop();
    await clickhouse.close();
    throw err;
  }
  const [otlp, zipkin, query] = servers as [Listening, Listening, Listening];
  return {
    mode: config.kafka ? 'kafka' : 'embedded',
    ports: { otlp: otlp.port, zipkin: zipkin.port, query: query.port },
    clickhouse,
    registry,
    stop: async () => {
      for (const s of servers) await s.close().catch(() => undefined);
      await runtimes.stop();
      await clickhouse.close();
      logger.info('pipeline stopped');
    },
  };
}

async function startEmbedded({ config, sampling, sink, registry, logger, spanBatch }: Parts): Promise<Runtimes> {
  const broker = new InMemoryBroker(1);
  const runtime = new LocalRuntime({ broker, stateDir: join(config.dataDir, 'state'), registry, logger: logger.child('streams'), changelogs: false });
  await runtime.add(config.applicationIds.sampling, sampling);
  await runtime.add(config.applicationIds.sink, sink);
  const queueDepth = registry.gauge('tailstream_embedded_queue_records', 'Records waiting in embedded in-memory topics');
  queueDepth.onCollect(() => {
    for (const t of broker.topicNames()) queueDepth.set(broker.depth(t), { topic: t });
  });
  let running: Promise<void> | undefined;
  let again = false;
  const pump = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = runtime
      .drain()
      .then(() => runtime.punctuate())
      .catch((err: unknown) => logger.error('embedded pipeline step failed', {}, err))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          pump();
        }
      });
  };
  const timer = setInterval(pump, Math.min(250, config.assembly.tickMs));
  const publisher = new EmbeddedSpanPublisher(broker, config.topics.rawSpans, spanBatch, config.embeddedMaxQueuedRecords, pump);
  return {
    publisher,
    stop: async () => {
      clearInterval(timer);
      await running;
      await runtime.close();
    },
  };
}

async function startOnKafka({ config, sampling, sink, registry, logger, spanBatch }: Parts): Promise<Runtimes> {
  const k = config.kafka as NonNullable<AppConfig['kafka']>;
  const kafkaLog = logger.child('kafkajs');
  const kafka = new Kafka({
    clientId: k.clientId,
    brokers: [...k.brokers],
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...rest } = entry.log;
      if (entry.level <= logLevel.ERROR) kafkaLog.error(message, rest);
      else kafkaLog.warn(message, rest);
    },
  });
  const admin: TopicAdmin = k.topicControlFifo ? new FifoTopicAdmin(kafka, k.topicControlFifo) : new KafkaTopicAdmin(kafka);
  const partitions = 6;
  const t = config.topics;
  await admin.ensureTopics([t.rawSpans, t.sampledSpans, t.dependencyEdges, t.spanMetrics, t.deadLetter].map((topic) => ({ topic, partitions })));
  const common = { kafka, topicAdmin: admin, stateDir: join(config.dataDir, 'state'), processingGuarantee: config.processingGuarantee, registry };
  const samplingRt = new KafkaRuntime({ ...common, applicationId: config.applicationIds.sampling, topology: sampling, logger: logger.child('sampling') });
  const sinkRt = new KafkaRuntime({ ...common, applicationId: config.applicationIds.sink, topology: sink, logger: logger.child('sink') });
  await samplingRt.start();
  await sinkRt.start();
  const publisher = new KafkaSpanPublisher(kafka, spanBatch, { topic: t.rawSpans });
  return {
    publisher,
    stop: async () => {
      await samplingRt.stop();
      await sinkRt.stop();
      await publisher.close?.();
    },
  };
}
