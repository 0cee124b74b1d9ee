/**
 * tailstream CLI: `tailstream start` (the pipeline, as `npm start`), `tailstream migrate`
 * (apply the ClickHouse DDL in sql/migrations and exit), `tailstream demo`.
 */
// First: kafkajs must load with our fixes to it (see the module).
import './streams/kafkajs-fixes.ts';
import { openConfiguredClickHouse } from './app/pipeline.ts';
import { ConfigError, loadConfig } from './config/config.ts';
import { migrate } from './clickhouse/migrate.ts';
import { errorMessage } from './util/errors.ts';

const [command = 'start'] = process.argv.slice(2);

async function runMigrate(): Promise<void> {
  const config = loadConfig();
  const ch = config.clickhouse;
  const client = await openConfiguredClickHouse(config);
  try {
    const r = await migrate(client, { database: ch.database, spansTtlDays: ch.spansTtlDays, errorTtlDays: ch.errorTtlDays });
    process.stdout.write(`migrations applied: ${r.applied.join(', ') || 'none'}; already applied: ${r.alreadyApplied.join(', ') || 'none'}\n`);
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  switch (command) {
    case 'start':
      await import('./main.ts');
      return;
    case 'migrate':
      return runMigrate();
    case 'demo':
      await import('./demo.ts');
      return;
    default:
      process.stderr.write('usage: tailstream [start|migrate|demo]\n');
      process.exitCode = 2;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`tailstream ${command}: ${err instanceof ConfigError ? 'configuration error: ' : ''}${errorMessage(err)}\n`);
  process.exitCode = err instanceof ConfigError ? 2 : 1;
});
