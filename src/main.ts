/**
 * `npm start`: the whole pipeline in one process. With no settings it is embedded —
 * in-process topologies, RocksDB and ClickHouse (chdb) under ./data; KAFKA_BROKERS and
 * CLICKHOUSE_URL move it onto a cluster with the same code.
 */
import { ConfigError, loadConfig } from './config/config.ts';
import { startPipeline } from './app/pipeline.ts';
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
  process.stderr.write(`tailstream: starting (${config.kafka ? `Kafka at ${config.kafka.brokers.join(',')}` : 'embedded'}; data in ${config.dataDir}) ...\n`);
  const pipeline = await startPipeline(config, logger);
  const host = 'localhost';
  const db = config.clickhouse.database;
  process.stdout.write(
    [
      '',
      `tailstream is running (${pipeline.mode === 'embedded' ? 'embedded: in-process topologies, RocksDB and ClickHouse under ' + config.dataDir : 'on Kafka'})`,
      '',
      `  send OTLP/HTTP traces to   http://${host}:${pipeline.ports.otlp}/v1/traces   (protobuf or JSON)`,
      `  send Zipkin v2 spans to    http://${host}:${pipeline.ports.zipkin}/api/v2/spans`,
      `  search and view traces     http://${host}:${pipeline.ports.query}/            (Jaeger API under /api)`,
      `  query with SQL             curl -s localhost:${pipeline.ports.query}/sql${config.sql.token ? ` -H "Authorization: Bearer $SQL_TOKEN"` : ''} --data 'SELECT service_name, count() FROM ${db}.spans GROUP BY 1'`,
      `  metrics                    http://${host}:${pipeline.ports.query}/metrics`,
      '',
      '  no traffic yet? in another terminal: npm run demo',
      '',
    ].join('\n'),
  );
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

main().catch((err: unknown) => {
  logger.error('tailstream failed to start', {}, err);
  process.exit(1);
});
