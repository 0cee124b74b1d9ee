import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { AppConfig, Role } from '../config/config.ts';
import { createOtlpHttpApp } from '../ingest/http-otlp.ts';
import { createZipkinApp } from '../ingest/http-zipkin.ts';
import { createJaegerCollectorApp } from '../ingest/http-jaeger.ts';
import { startJaegerAgent, type ListeningAgent } from '../ingest/udp-jaeger.ts';
import { AdaptiveStore } from '../sampling/remote/adaptive-store.ts';
import { RemoteSampling } from '../sampling/remote/provider.ts';
import { listenSamplingPort } from './sampling-routes.ts';
import { KafkaSpanPublisher } from '../ingest/kafka-publisher.ts';
import type { SpanPublisher } from '../ingest/publisher.ts';
import { listen, type Listening } from '../ingest/server.ts';
import { MetricsRegistry } from '../metrics/registry.ts';
import { samplingMetrics } from '../sampling/assembly/metrics.ts';
import { createPipelineSerdes } from '../serde/pipeline-serdes.ts';
import { startDiskBudget } from '../storage/budget-loop.ts';
import { StateDiskBudget } from '../storage/state-budget.ts';
import { createAvroRegistry } from '../serde/avro-serde.ts';
import { openClickHouse, openSeparateClickHouse, type ClickHouseOptions } from '../clickhouse/client.ts';
import { migrate } from '../clickhouse/migrate.ts';
import { KafkaRuntime } from '../streams/kafka-runtime.ts';
import { KafkaTopicAdmin, type TopicAdmin } from '../streams/topic-admin.ts';
import type { Topology } from '../streams/topology.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { build as buildSink } from '../../topologies/clickhouse-sink.ts';
import { build as buildTailSampling } from '../../topologies/tail-sampling.ts';
import type { Span } from '../model/span.ts';
import type { AvroSerde } from '../serde/avro-serde.ts';
import { startEmbedded } from './embedded-runtime.ts';
import { startQueryServer } from './query-server.ts';
import { redactedHeaders, Redactor } from '../redaction/redactor.ts';
import { runtimesHealth, type Health } from '../streams/progress-monitor.ts';

/**
 * The running pipeline: what its roles start of receivers (ingest), query server (query),
 * topologies (workers) and ClickHouse (query or workers).
 */
export interface Pipeline {
  readonly mode: 'embedded' | 'kafka';
  readonly roles: ReadonlySet<Role>;
  /** Bound ports; none for a role this process does not run. */
  readonly ports: {
    readonly otlp?: number;
    readonly zipkin?: number;
    readonly query?: number;
    readonly jaegerHttp?: number;
    readonly jaegerCompact?: number;
    readonly jaegerBinary?: number;
    readonly sampling?: number;
  };
  /** Head-sampling strategies (query role): tests call `recompute` on it. */
  readonly remoteSampling: RemoteSampling | undefined;
  /** Application ids of the topologies running here (none without the workers role). */
  readonly topologies: readonly string[];
  /** Undefined for an ingest-only process, which never touches ClickHouse. */
  readonly clickhouse: ClickHouseClient | undefined;
  readonly registry: MetricsRegistry;
  stop(): Promise<void>;
}

/** What a runtime set-up hands the receivers and the query server. */
export interface Runtimes {
  /** Undefined without the ingest role. */
  readonly publisher: SpanPublisher | undefined;
  /** The runtime's own health (embedded: failed or stalled tasks); ClickHouse is checked apart. */
  readonly health?: () => Health;
  readonly topologies: readonly string[];
  stop(): Promise<void>;
}

/** What either runtime set-up needs. */
export interface Parts {
  readonly config: AppConfig;
  /** Undefined without the workers role. */
  readonly topologies: { readonly sampling: Topology; readonly sink: Topology } | undefined;
  readonly registry: MetricsRegistry;
  readonly logger: Logger;
  readonly spanBatch: AvroSerde<Span[]>;
  /** The `redaction:` config, compiled once; ingest and the raw-spans decoder share it. */
  readonly redactor: Redactor | undefined;
}

/** The configured ClickHouse: a server with CLICKHOUSE_URL, else chdb under the data directory. */
export function openConfiguredClickHouse(config: AppConfig): Promise<ClickHouseClient> {
  return openClickHouse(clickHouseOptions(config));
}

function clickHouseOptions(config: AppConfig): ClickHouseOptions {
  const ch = config.clickhouse;
  return {
    ...(ch.url ? { url: ch.url } : { dataDir: join(config.dataDir, 'clickhouse') }),
    database: ch.database,
    ...(ch.username ? { username: ch.username } : {}),
    ...(ch.password ? { password: ch.password } : {}),
  };
}

export interface PipelineOptions {
  /**
   * An open ClickHouse client to use instead of the configured one (e.g. a fault test's);
   * the caller closes it. Its session's default database must be `config.clickhouse.database`.
   */
  readonly clickhouse?: ClickHouseClient;
}

/**
 * Starts this process's roles (all three by default). Without Kafka settings the topologies
 * run on the in-process runtime and ClickHouse is chdb under the data directory: `npm start`
 * and go. With Kafka, TAILSTREAM_ROLES splits the pipeline across processes.
 */
export async function startPipeline(config: AppConfig, logger: Logger = createLogger('tailstream'), opts: PipelineOptions = {}): Promise<Pipeline> {
  const { roles } = config;
  const registry = new MetricsRegistry();
  const serdes = await createPipelineSerdes(createAvroRegistry(config.schemaRegistryUrl));
  const ch = config.clickhouse;
  let clickhouse: ClickHouseClient | undefined;
  if (roles.has('query') || roles.has('workers')) {
    clickhouse = opts.clickhouse ?? (await openConfiguredClickHouse(config));
    const applied = await migrate(clickhouse, { database: ch.database, spansTtlDays: ch.spansTtlDays, errorTtlDays: ch.errorTtlDays });
    logger.info('clickhouse ready', { target: ch.url ?? join(config.dataDir, 'clickhouse'), migrationsApplied: applied.applied });
  }
  const redactor = config.redaction ? new Redactor(config.redaction, registry) : undefined;
  const topologies = roles.has('workers') && clickhouse ? buildTopologies(config, serdes, clickhouse, registry, logger, redactor) : undefined;
  const parts: Parts = { config, topologies, registry, logger, spanBatch: serdes.spanBatch, redactor };
  const runtimes = config.kafka ? await startOnKafka(parts) : await startEmbedded(parts);

  const budget = roles.has('workers') && clickhouse && ch.diskBudgetBytes > 0
    ? startDiskBudget({ client: clickhouse, database: ch.database, budgetBytes: ch.diskBudgetBytes, intervalMs: ch.diskBudgetCheckMs, registry, logger })
    : undefined;
  const servers: Partial<Record<'otlp' | 'zipkin' | 'query' | 'jaegerHttp' | 'sampling', Listening>> = {};
  const remoteSampling = roles.has('query') && clickhouse
    ? new RemoteSampling(config.remoteSampling, { store: new AdaptiveStore(clickhouse, ch.database), windowFlushDelayMs: config.assembly.windowFlushDelayMs })
    : undefined;
  const agents: Partial<Record<'jaegerCompact' | 'jaegerBinary', ListeningAgent>> = {};
  const closeAll = async (): Promise<void> => {
    for (const s of Object.values(servers)) await s.close().catch(() => undefined);
    for (const a of Object.values(agents)) await a.close().catch(() => undefined);
    await remoteSampling?.stop();
    await budget?.stop();
    await runtimes.stop();
    if (!opts.clickhouse) await clickhouse?.close();
  };
  try {
    const { publisher } = runtimes;
    if (publisher) {
      // Spans the tables' TTL would delete on arrival are rejected at the door, not acknowledged.
      const ingest = { publisher, retention: { spansDays: ch.spansTtlDays, errorDays: ch.errorTtlDays }, ...(redactor ? { redaction: redactor } : {}) };
      servers.otlp = await listen(createOtlpHttpApp(ingest), config.ports.otlp, config.host);
      servers.zipkin = await listen(createZipkinApp(ingest), config.ports.zipkin, config.host);
      servers.jaegerHttp = await listen(createJaegerCollectorApp(ingest), config.ports.jaegerHttp, config.host);
      const agent = { ...ingest, host: config.host, registry };
      agents.jaegerCompact = await startJaegerAgent({ ...agent, protocol: 'compact', port: config.ports.jaegerCompact });
      agents.jaegerBinary = await startJaegerAgent({ ...agent, protocol: 'binary', port: config.ports.jaegerBinary });
    }
    if (roles.has('query') && clickhouse) {
      const sql = {
        open: () => openSeparateClickHouse(clickHouseOptions(config)),
        database: ch.database,
        limits: config.sql.limits,
        cancellable: ch.url !== undefined,
        token: config.sql.token,
        logger: logger.child('sql'),
      };
      servers.query = await startQueryServer({ clickhouse, database: ch.database, decodeRecord: (b) => serdes.sampledTrace.deserializeAsync(b), registry, port: config.ports.query, host: config.host, sql, remoteSampling, ...(runtimes.health ? { health: runtimes.health } : {}) });
      if (remoteSampling) {
        servers.sampling = await listenSamplingPort(remoteSampling, config.ports.sampling, config.host);
        remoteSampling.start();
      }
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return {
    mode: config.kafka ? 'kafka' : 'embedded',
    roles,
    ports: {
      otlp: servers.otlp?.port,
      zipkin: servers.zipkin?.port,
      query: servers.query?.port,
      jaegerHttp: servers.jaegerHttp?.port,
      jaegerCompact: agents.jaegerCompact?.port,
      jaegerBinary: agents.jaegerBinary?.port,
      sampling: servers.sampling?.port,
    },
    remoteSampling,
    topologies: runtimes.topologies,
    clickhouse,
    registry,
    stop: async () => {
      await closeAll();
      logger.info('pipeline stopped');
    },
  };
}

/** The workers' two topologies: tail sampling, and the sink into ClickHouse. */
function buildTopologies(
  config: AppConfig,
  serdes: Awaited<ReturnType<typeof createPipelineSerdes>>,
  clickhouse: ClickHouseClient,
  registry: MetricsRegistry,
  logger: Logger,
  redactor: Redactor | undefined,
): NonNullable<Parts['topologies']> {
  const metrics = samplingMetrics(registry);
  const { budgetBytes, checkMs } = config.stateDisk;
  const stateBudget = budgetBytes > 0
    ? new StateDiskBudget({ stateDir: join(config.dataDir, 'state'), budgetBytes, checkMs, registry, log: logger.child('state-budget') })
    : undefined;
  if (stateBudget) logger.info('state disk budget on', { budgetBytes, checkMs });
  const sampling = buildTailSampling({
    applicationId: config.applicationIds.sampling,
    topics: config.topics,
    sampling: config.sampling,
    assembly: { ...config.assembly, ...(stateBudget ? { stateBudget } : {}) },
    serdes,
    metrics,
    ...(redactor ? { redaction: redactor } : {}),
  });
  const sink = buildSink({
    applicationId: config.applicationIds.sink,
    topics: config.topics,
    serdes,
    client: clickhouse,
    database: config.clickhouse.database,
    batchRows: config.sink.batchRows,
    flushIntervalMs: config.sink.flushIntervalMs,
    registry,
    logger: logger.child('sink'),
    deadLetterTopic: config.topics.deadLetter,
  });
  return { sampling, sink };
}

/** Kafka: receivers publish to raw-spans (ingest), topologies consume it (workers); query needs no Kafka. */
async function startOnKafka({ config, topologies, registry, logger, spanBatch, redactor }: Parts): Promise<Runtimes> {
  const ingest = config.roles.has('ingest');
  if (!ingest && !topologies) return { publisher: undefined, topologies: [], stop: async () => undefined };
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
  const admin: TopicAdmin = new KafkaTopicAdmin(kafka);
  const partitions = k.partitions;
  const t = config.topics;
  await admin.ensureTopics([t.rawSpans, t.sampledSpans, t.dependencyEdges, t.spanMetrics, t.samplingDecisions, t.deadLetter].map((topic) => ({ topic, partitions })));
  const common = { kafka, topicAdmin: admin, stateDir: join(config.dataDir, 'state'), processingGuarantee: config.processingGuarantee, registry };
  const ids = config.applicationIds;
  const runtimes = topologies
    ? [
        new KafkaRuntime({ ...common, applicationId: ids.sampling, topology: topologies.sampling, commitIntervalMs: config.samplingCommitIntervalMs, logger: logger.child('sampling') }),
        new KafkaRuntime({ ...common, applicationId: ids.sink, topology: topologies.sink, logger: logger.child('sink') }),
      ]
    : [];
  for (const rt of runtimes) await rt.start();
  const publisher = ingest ? new KafkaSpanPublisher(kafka, spanBatch, { topic: t.rawSpans, compression: k.compression, headers: redactedHeaders(redactor) }) : undefined;
  return {
    publisher,
    health: () => runtimesHealth(runtimes),
    topologies: topologies ? [ids.sampling, ids.sink] : [],
    stop: async () => {
      for (const rt of runtimes) await rt.stop();
      await publisher?.close?.();
    },
  };
}
