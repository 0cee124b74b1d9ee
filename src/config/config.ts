import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseSamplingConfig, type SamplingConfig } from '../sampling/config.ts';
import { parseRemoteSamplingConfig, type RemoteSamplingConfig } from '../sampling/remote/config.ts';
import { parseRedactionConfig, type RedactionConfig } from '../redaction/config.ts';
import type { SqlLimits } from '../app/sql/limits.ts';
import { isKafkaCompression, KAFKA_COMPRESSIONS, type KafkaCompression } from '../streams/compression-names.ts';
import type { ProcessingGuarantee } from '../streams/kafka-runtime.ts';
import { prefixedTopics, type PipelineTopics } from '../model/topics.ts';
import { DEFAULT_BUFFER_CHANGELOG, type BufferChangelog } from '../sampling/assembly/options.ts';
import { ConfigError } from '../util/config-reader.ts';
import { errorMessage } from '../util/errors.ts';

/** Every configuration error, of a variable, the file or a field in it (util/config-reader.ts). */
export { ConfigError } from '../util/config-reader.ts';

/**
 * The one typed configuration: environment variables plus an optional YAML/JSON file
 * (TAILSTREAM_CONFIG) that also holds the sampling policies. Every key has a default that
 * works embedded. Only this module reads the environment.
 */
/** What one process runs; one image serves each (see TAILSTREAM_ROLES and docker-compose.yml). */
export type Role = 'ingest' | 'query' | 'workers';
export const ROLES: readonly Role[] = ['ingest', 'query', 'workers'];

/** Default commit interval of the tail-sampling topology on Kafka (see samplingCommitIntervalMs). */
export const SAMPLING_COMMIT_INTERVAL_MS = 2_000;

export interface AppConfig {
  /** ingest: OTLP/Zipkin receivers → raw-spans; query: Jaeger API, /sql, /metrics; workers: the topologies. */
  readonly roles: ReadonlySet<Role>;
  /** Set → Kafka runtime; unset → everything in-process (embedded). */
  /**
   * `compression`: how our ingest producer compresses raw-spans batches (KAFKA_COMPRESSION);
   * `partitions`: of the pipeline topics we create when missing (KAFKA_TOPIC_PARTITIONS), the
   * most worker tasks that can share the work.
   */
  readonly kafka: { readonly brokers: readonly string[]; readonly clientId: string; readonly compression: KafkaCompression; readonly partitions: number } | undefined;
  readonly schemaRegistryUrl: string | undefined;
  readonly clickhouse: {
    /** Set → ClickHouse server; unset → embedded chdb under dataDir/clickhouse. */
    readonly url: string | undefined;
    readonly username: string | undefined;
    readonly password: string | undefined;
    readonly database: string;
    readonly spansTtlDays: number;
    readonly errorTtlDays: number;
    /** Bytes the database may hold on disk before its oldest partitions are dropped; 0 = no budget. */
    readonly diskBudgetBytes: number;
    /** How often the budget is checked. */
    readonly diskBudgetCheckMs: number;
  };
  readonly dataDir: string;
  /** The RocksDB state under dataDir/state: bytes it may take on disk before tasks shed (0 = no budget), checked every `checkMs` (DISK_BUDGET_CHECK_MS). */
  readonly stateDisk: { readonly budgetBytes: number; readonly checkMs: number };
  /** Jaeger's: collector Thrift/HTTP 14268, agent UDP 6831 (compact) and 6832 (binary). */
  readonly ports: {
    readonly otlp: number;
    readonly zipkin: number;
    readonly query: number;
    readonly jaegerHttp: number;
    readonly jaegerCompact: number;
    readonly jaegerBinary: number;
    /** Jaeger agent's sampling port (`GET /sampling?service=`), 5778. */
    readonly sampling: number;
  };
  readonly host: string;
  readonly processingGuarantee: ProcessingGuarantee;
  /**
   * Kafka mode: how often the tail-sampling runtime commits (SAMPLING_COMMIT_INTERVAL_MS).
   * Each exactly-once commit is a transaction per task, so this sets how much of the broker's
   * and our time goes to transactions; a trace already waits decision_wait before its output.
   */
  readonly samplingCommitIntervalMs: number;
  readonly applicationIds: { readonly sampling: string; readonly sink: string };
  readonly topics: PipelineTopics;
  readonly sampling: SamplingConfig;
  /** Head-sampling strategies served on /api/sampling and :5778/sampling (`remote_sampling:`). */
  readonly remoteSampling: RemoteSamplingConfig;
  /** The file's `redaction:` section: applied to every span as it is decoded, before anything stores it. Unset: spans are stored as sent. */
  readonly redaction: RedactionConfig | undefined;
  readonly assembly: {
    readonly tickMs: number;
    readonly windowMs: number;
    readonly windowFlushDelayMs: number;
    readonly maxBytesInFlight: number;
    readonly outputChunkSpans: number;
    /** SAMPLING_BUFFER_CHANGELOG: `source` (the input topics are the span buffer's changelog) or `store`. */
    readonly bufferChangelog: BufferChangelog;
  };
  readonly sink: { readonly batchRows: number; readonly flushIntervalMs: number };
  readonly sql: {
    /** Set → `/sql` needs `Authorization: Bearer <token>`; unset → it answers loopback clients only. */
    readonly token: string | undefined;
    readonly limits: SqlLimits;
  };
  /** Embedded mode's on-disk topics (DATA_DIR/log). */
  readonly embeddedLog: {
    /** Bytes all topics but the dead-letter one may hold before ingest answers 503 + Retry-After instead of acknowledging. */
    readonly maxBytes: number;
    /** Segment file size: the unit in which consumed records are deleted. */
    readonly segmentBytes: number;
  };
  /** /healthz turns unhealthy when records wait and no commit succeeded for this long. */
  readonly healthStallMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function bufferChangelogOf(raw: string | undefined): BufferChangelog {
  if (raw === undefined || raw === '') return DEFAULT_BUFFER_CHANGELOG;
  if (raw !== 'source' && raw !== 'store') throw new ConfigError('SAMPLING_BUFFER_CHANGELOG', `expected source or store, got "${raw}"`);
  return raw;
}

function int(env: Env, key: string, fallback: number, min = 0): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(key, `expected an integer ≥ ${min}, got "${raw}"`);
  return n;
}

function readFileConfig(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('TAILSTREAM_CONFIG', `cannot read ${path}: ${errorMessage(err)}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(path, `not valid YAML or JSON: ${errorMessage(err)}`, { cause: err });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(path, 'expected a mapping at the top level');
  const known = new Set(['sampling', 'remote_sampling', 'redaction']);
  for (const k of Object.keys(doc)) if (!known.has(k)) throw new ConfigError(path, `unknown key "${k}" (known: ${[...known].join(', ')})`);
  return doc as Record<string, unknown>;
}

/**
 * TAILSTREAM_ROLES, default all three. Split roles only make sense across processes that
 * share a cluster: embedded raw-spans and chdb live inside one process, so anything less
 * than all roles needs KAFKA_BROKERS, and query apart from workers needs CLICKHOUSE_URL.
 */
export function parseRoles(env: Env): ReadonlySet<Role> {
  const raw = env['TAILSTREAM_ROLES'];
  if (raw === undefined || raw.trim() === '') return new Set(ROLES);
  const roles = new Set<Role>();
  for (const part of raw.split(',').map((r) => r.trim())) {
    if (!(ROLES as readonly string[]).includes(part)) {
      throw new ConfigError('TAILSTREAM_ROLES', `unknown role "${part}" in "${raw}" (known: ${ROLES.join(', ')})`);
    }
    roles.add(part as Role);
  }
  if (roles.size < ROLES.length && !env['KAFKA_BROKERS']?.trim()) {
    throw new ConfigError('TAILSTREAM_ROLES', `"${raw}" splits the pipeline across processes, which needs KAFKA_BROKERS (embedded topics live in one process)`);
  }
  if (roles.has('query') !== roles.has('workers') && !env['CLICKHOUSE_URL']) {
    throw new ConfigError('TAILSTREAM_ROLES', `"${raw}" runs query and workers in different processes, which needs CLICKHOUSE_URL (embedded chdb lives in one process)`);
  }
  return roles;
}

/** Parses the environment (and the file it names) once; the result is frozen. */
export function loadConfig(env: Env = process.env): AppConfig {
  const file = readFileConfig(env['TAILSTREAM_CONFIG']);
  const brokers = env['KAFKA_BROKERS']?.split(',').map((b) => b.trim()).filter(Boolean);
  const guarantee = env['PROCESSING_GUARANTEE'] ?? 'exactly_once';
  if (guarantee !== 'at_least_once' && guarantee !== 'exactly_once') {
    throw new ConfigError('PROCESSING_GUARANTEE', `expected at_least_once or exactly_once, got "${guarantee}"`);
  }
  const compression = env['KAFKA_COMPRESSION'] ?? 'none';
  if (!isKafkaCompression(compression)) {
    throw new ConfigError('KAFKA_COMPRESSION', `expected one of ${KAFKA_COMPRESSIONS.join(', ')}, got "${compression}"`);
  }
  let sampling: SamplingConfig;
  try {
    sampling = parseSamplingConfig(file['sampling'] ?? {}, 'sampling');
  } catch (err) {
    throw new ConfigError(env['TAILSTREAM_CONFIG'] ?? 'sampling config', errorMessage(err), { cause: err });
  }
  let remoteSampling: RemoteSamplingConfig;
  try {
    remoteSampling = parseRemoteSamplingConfig(file['remote_sampling']);
  } catch (err) {
    throw new ConfigError(env['TAILSTREAM_CONFIG'] ?? 'remote sampling config', errorMessage(err), { cause: err });
  }
  let redaction: RedactionConfig | undefined;
  try {
    redaction = file['redaction'] === undefined || file['redaction'] === null ? undefined : parseRedactionConfig(file['redaction'], 'redaction', env['REDACTION_HMAC_KEY'] || undefined);
  } catch (err) {
    throw new ConfigError(env['TAILSTREAM_CONFIG'] ?? 'redaction config', errorMessage(err), { cause: err });
  }
  const dataDir = resolve(env['DATA_DIR'] ?? './data');
  const config: AppConfig = {
    roles: parseRoles(env),
    kafka: brokers && brokers.length > 0 ? { brokers, clientId: env['KAFKA_CLIENT_ID'] ?? 'tailstream', compression, partitions: int(env, 'KAFKA_TOPIC_PARTITIONS', 6, 1) } : undefined,
    schemaRegistryUrl: env['SCHEMA_REGISTRY_URL'] || undefined,
    clickhouse: {
      url: env['CLICKHOUSE_URL'] || undefined,
      username: env['CLICKHOUSE_USER'] || undefined,
      password: env['CLICKHOUSE_PASSWORD'] || undefined,
      database: env['CLICKHOUSE_DATABASE'] ?? 'tailstream',
      spansTtlDays: int(env, 'TTL_DAYS', 7),
      errorTtlDays: int(env, 'ERROR_TTL_DAYS', 30),
      diskBudgetBytes: int(env, 'CLICKHOUSE_DISK_BUDGET_BYTES', 0),
      diskBudgetCheckMs: int(env, 'DISK_BUDGET_CHECK_MS', 30_000, 100),
    },
    dataDir,
    stateDisk: { budgetBytes: int(env, 'STATE_DISK_BUDGET_BYTES', 0), checkMs: int(env, 'DISK_BUDGET_CHECK_MS', 30_000, 100) },
    ports: {
      otlp: int(env, 'OTLP_HTTP_PORT', 4318),
      zipkin: int(env, 'ZIPKIN_PORT', 9411),
      query: int(env, 'QUERY_PORT', 16686),
      jaegerHttp: int(env, 'JAEGER_HTTP_PORT', 14268),
      jaegerCompact: int(env, 'JAEGER_AGENT_COMPACT_PORT', 6831),
      jaegerBinary: int(env, 'JAEGER_AGENT_BINARY_PORT', 6832),
      sampling: int(env, 'SAMPLING_PORT', 5778),
    },
    host: env['HOST'] ?? '0.0.0.0',
    processingGuarantee: guarantee,
    samplingCommitIntervalMs: int(env, 'SAMPLING_COMMIT_INTERVAL_MS', SAMPLING_COMMIT_INTERVAL_MS, 1),
    applicationIds: { sampling: env['SAMPLING_APP_ID'] ?? 'tailstream-sampling', sink: env['SINK_APP_ID'] ?? 'tailstream-sink' },
    topics: prefixed(env['KAFKA_TOPIC_PREFIX'] ?? ''),
    sampling,
    remoteSampling,
    redaction,
    assembly: {
      tickMs: int(env, 'SAMPLING_TICK_MS', 500, 1),
      windowMs: 60_000,
      // Negative: emit the current window early as partial sums (ClickHouse sums rows per key).
      windowFlushDelayMs: int(env, 'WINDOW_FLUSH_DELAY_MS', sampling.decisionWaitMs + 5_000, -60_000),
      maxBytesInFlight: int(env, 'MAX_BYTES_IN_FLIGHT', 512 * 1024 * 1024, 1),
      outputChunkSpans: 1000,
      bufferChangelog: bufferChangelogOf(env['SAMPLING_BUFFER_CHANGELOG']),
    },
    sink: { batchRows: int(env, 'SINK_BATCH_ROWS', 10_000, 1), flushIntervalMs: int(env, 'SINK_FLUSH_MS', 1_000, 1) },
    sql: {
      token: env['SQL_TOKEN'] || undefined,
      limits: {
        timeoutMs: int(env, 'SQL_TIMEOUT_MS', 10_000, 1),
        maxMemoryBytes: int(env, 'SQL_MAX_MEMORY_BYTES', 512 * 1024 * 1024, 1),
        maxRowsToRead: int(env, 'SQL_MAX_ROWS_TO_READ', 1_000_000_000, 1),
        maxResultRows: int(env, 'SQL_MAX_RESULT_ROWS', 10_000, 1),
        maxResultBytes: int(env, 'SQL_MAX_RESULT_BYTES', 64 * 1024 * 1024, 1),
        // Half the cores: a heavy query leaves the rest to the pipeline.
        maxThreads: int(env, 'SQL_MAX_THREADS', Math.max(1, Math.floor(availableParallelism() / 2)), 1),
      },
    },
    embeddedLog: {
      maxBytes: int(env, 'EMBEDDED_LOG_MAX_BYTES', 1024 * 1024 * 1024, 1),
      segmentBytes: int(env, 'EMBEDDED_LOG_SEGMENT_BYTES', 16 * 1024 * 1024, 1024),
    },
    healthStallMs: int(env, 'HEALTH_STALL_MS', 60_000, 1),
  };
  return deepFreeze(config);
}

/** The pipeline's topics, each name prefixed (e.g. per tenant or per test run on a shared cluster). */
function prefixed(prefix: string): PipelineTopics {
  if (!/^[A-Za-z0-9._-]*$/.test(prefix)) throw new ConfigError('KAFKA_TOPIC_PREFIX', `only letters, digits, '.', '_' and '-' are allowed in topic names, got "${prefix}"`);
  return prefixedTopics(prefix);
}

function deepFreeze<T>(o: T): T {
  // A frozen RegExp cannot be used: matching writes its lastIndex.
  if (o && typeof o === 'object' && !(o instanceof RegExp)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
