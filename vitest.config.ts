import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/broker/global-setup.ts'],
    // Before any test file loads kafkajs (see the module).
    setupFiles: ['src/streams/kafkajs-fixes.ts'],
    // 2 cores: integration tests each start consumers and RocksDB; keep parallelism modest.
    maxWorkers: 2,
    // Generous bounds: the workload and failover tests take 30-40 s on 2 busy cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
