/**
 * `npm start`: the whole pipeline in one process. With no settings it is embedded —
 * in-process topologies, RocksDB and ClickHouse (chdb) under ./data; KAFKA_BROKERS and
 * CLICKHOUSE_URL move it onto a cluster with the same code, and TAILSTREAM_ROLES (ingest,
 * query, workers; default all) splits it across processes of the same image.
 */
// First: kafkajs must load with our fixes to it (see the module).
import './streams/kafkajs-fixes.ts';
import { ConfigError, loadConfig } from './config/config.ts';
import { startPipeline, type Pipeline } from './app/pipeline.ts';
import { createLogger } from './util/log.ts';

const logger = createLogger('tailstream');

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tailstream: configuration error: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  const roles = [...config.roles].join(',');
  process.stderr.write(`tailstream: starting ${roles} (${config.kafka ? `Kafka at ${config.kafka.brokers.join(',')}` : 'embedded'}; data in ${config.dataDir}) ...\n`);
  const pipeline = await startPipeline(config, logger);
  process.stdout.write(banner(pipeline, config.dataDir, config.clickhouse.database, config.sql.token !== undefined));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`tailstream: ${signal} received, committing and shutting down ...\n`);
    pipeline.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', {}, err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** What this process serves: only the lines of the roles it runs. */
function banner(pipeline: Pipeline, dataDir: string, db: string, token: boolean): string {
  const host = 'localhost';
  const { otlp, zipkin, query, jaegerHttp, jaegerCompact, jaegerBinary, sampling } = pipeline.ports;
  const where = pipeline.mode === 'embedded' ? 'embedded: in-process topologies, RocksDB and ClickHouse under ' + dataDir : 'on Kafka';
  const lines = ['', `tailstream is running (${where}; roles ${[...pipeline.roles].join(',')})`, ''];
  if (otlp !== undefined) lines.push(`  send OTLP/HTTP traces to   http://${host}:${otlp}/v1/traces   (protobuf or JSON)`);
  if (zipkin !== undefined) lines.push(`  send Zipkin v2 spans to    http://${host}:${zipkin}/api/v2/spans`);
  if (jaegerHttp !== undefined) lines.push(`  send Jaeger Thrift to      http://${host}:${jaegerHttp}/api/traces   (agent UDP: ${jaegerCompact} compact, ${jaegerBinary} binary)`);
  if (query !== undefined) {
    lines.push(
      `  search and view traces     http://${host}:${query}/            (Jaeger API under /api)`,
      `  query with SQL             curl -s localhost:${query}/sql${token ? ` -H "Authorization: Bearer $SQL_TOKEN"` : ''} --data 'SELECT service_name, count() FROM ${db}.spans GROUP BY 1'`,
      `  metrics                    http://${host}:${query}/metrics`,
    );
    if (sampling !== undefined) lines.push(`  head-sampling strategies   http://${host}:${sampling}/sampling?service=NAME   (also /api/sampling on ${query})`);
  }
  if (pipeline.topologies.length > 0) lines.push(`  stream topologies          ${pipeline.topologies.join(', ')}`);
  if (pipeline.mode === 'embedded') lines.push('', '  no traffic yet? in another terminal: npm run demo');
  return [...lines, '', ''].join('\n');
}

main().catch((err: unknown) => {
  logger.error('tailstream failed to start', {}, err);
  process.exit(1);
});
