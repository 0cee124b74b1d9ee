import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const MOCK_DIR = join(here, '.kafka-mock');

export interface MockBroker {
  readonly bootstrap: string;
  /** Control FIFO: `create <topic> <partitions>` lines create topics. */
  readonly controlFifo: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

/** Builds librdkafka's mock cluster from the npm package when it is not built yet (~40 s). */
export function buildMockBroker(): string {
  const bin = join(MOCK_DIR, 'mockbroker');
  if (!existsSync(bin)) {
    execFileSync('bash', [join(here, 'build-mock.sh')], { stdio: 'inherit', env: { ...process.env, MOCK_DIR } });
  }
  return bin;
}

/** Starts a mock cluster (3 brokers); auto-created topics get `partitions` partitions. */
export async function startMockBroker(opts: { brokers?: number; partitions?: number } = {}): Promise<MockBroker> {
  const bin = buildMockBroker();
  const dir = mkdtempSync(join(tmpdir(), 'tailstream-mock-'));
  const bootstrapFile = join(dir, 'bootstrap');
  const controlFifo = join(dir, 'ctl');
  const logFile = join(dir, 'log');
  const log = openSync(logFile, 'w');
  const args = ['-b', String(opts.brokers ?? 3), '-p', String(opts.partitions ?? 6), '-d', '100', '-c', controlFifo, '-f', bootstrapFile];
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', log, log] });
  for (let i = 0; i < 100; i++) {
    if (existsSync(bootstrapFile) && readFileSync(bootstrapFile, 'utf8').trim() !== '') break;
    if (child.exitCode !== null) throw new Error(`mock broker exited with ${child.exitCode}; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const bootstrap = existsSync(bootstrapFile) ? readFileSync(bootstrapFile, 'utf8').trim() : '';
  if (!bootstrap) throw new Error(`mock broker wrote no bootstrap address; see ${logFile}`);
  return {
    bootstrap,
    controlFifo,
    logFile,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
