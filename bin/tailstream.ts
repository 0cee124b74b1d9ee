#!/usr/bin/env -S node --import tsx
/**
 * tailstream CLI: `tailstream start` (the pipeline, as `npm start`), `tailstream migrate`
 * (apply the ClickHouse DDL in sql/migrations and exit), `tailstream demo`.
 */
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { openClickHouse } from '../src/sink/clickhouse.ts';
import { migrate } from '../src/sink/migrate.ts';

const [command = 'start'] = process.argv.slice(2);

async function runMigrate(): Promise<void> {
  const config = loadConfig();
  const ch = config.clickhouse;
  const client = await openClickHouse({
    ...(ch.url ? { url: ch.url } : { dataDir: join(config.dataDir, 'clickhouse') }),
    database: ch.database,
    ...(ch.username ? { username: ch.username } : {}),
    ...(ch.password ? { password: ch.password } : {}),
  });
  try {
    const r = await migrate(client, { database: ch.database, spansTtlDays: ch.spansTtlDays, errorTtlDays: ch.errorTtlDays });
    process.stdout.write(`migrations applied: ${r.applied.join(', ') || 'none'}; already applied: ${r.alreadyApplied.join(', ') || 'none'}\n`);
  } finally {
    await client.close();
  }
}

try {
  switch (command) {
    case 'start':
      await import('../src/main.ts');
      break;
    case 'migrate':
      await runMigrate();
      break;
    case 'demo':
      await import('../src/demo.ts');
      break;
    default:
      process.stderr.write(`usage: tailstream [start|migrate|demo]\n`);
      process.exitCode = 2;
  }
} catch (err) {
  process.stderr.write(`tailstream ${command}: ${err instanceof ConfigError ? 'configuration error: ' : ''}${(err as Error).message}\n`);
  process.exitCode = err instanceof ConfigError ? 2 : 1;
}
