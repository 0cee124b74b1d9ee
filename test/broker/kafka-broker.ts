/**
 * Apache Kafka as the test broker: the jars pinned in `pom.xml` come from Maven Central once
 * (into `.kafka/`, git-ignored), each node is a KRaft process (combined broker + controller)
 * on 127.0.0.1 with a small heap, and readiness is the port answering plus a warm-up round
 * trip through the group and transaction coordinators, never a sleep.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { warmUp } from './warm-up.ts';

const here = dirname(fileURLToPath(import.meta.url));
const POM = join(here, 'pom.xml');
const CACHE = join(here, '.kafka');

/** The Kafka version `pom.xml` pins. */
export function kafkaVersion(): string {
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM, 'utf8'));
  if (!m?.[1]) throw new Error(`${POM}: no <kafka.version> property`);
  return m[1];
}

/** Copies the pinned broker jars (and their dependencies) into the cache once; returns the folder. */
export function ensureKafkaJars(log: (line: string) => void = (l) => process.stderr.write(l + '\n')): string {
  const version = kafkaVersion();
  const lib = join(CACHE, `lib-${version}`);
  const done = join(lib, '.complete');
  if (existsSync(done)) return lib;
  log(`[broker] fetching Apache Kafka ${version} jars from Maven Central into ${lib} (first run only)`);
  rmSync(lib, { recursive: true, force: true });
  try {
    execFileSync('mvn', ['-B', '-ntp', '-q', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`], { stdio: 'inherit' });
  } catch (err) {
    throw new Error(`[broker] mvn could not fetch org.apache.kafka:kafka_2.13:${version} (${POM}): ${(err as Error).message}`);
  }
  writeFileSync(done, version + '\n');
  return lib;
}

/**
 * A random KRaft cluster id (base64url of 16 bytes). Like Kafka's Uuid.randomUuid it never
 * starts with '-': StorageTool would read such an id as an option and print its usage.
 */
export function newClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** A port nothing listens on now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export interface KafkaNode {
  readonly id: number;
  readonly port: number;
  readonly logFile: string;
  /** True while the node's process runs. */
  running(): boolean;
  /** The node's process id while it runs (benchmarks read its CPU time). */
  pid(): number | undefined;
  /** Sends `signal` (default SIGKILL) and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the node again on its data directory and waits until it answers. */
  start(): Promise<void>;
}

export interface KafkaCluster {
  readonly bootstrap: string;
  readonly version: string;
  /** `apache-kafka 4.x.y`, for logs and benchmark output. */
  readonly label: string;
  readonly nodes: readonly KafkaNode[];
  stop(): Promise<void>;
}

export interface KafkaClusterOptions {
  /** 1 (default) or 3; every node is broker and controller. */
  readonly nodes?: number;
  readonly heapMb?: number;
  readonly log?: (line: string) => void;
}

function serverProperties(id: number, ports: readonly { port: number; controller: number }[], dataDir: string): string {
  const n = ports.length;
  const me = ports[id - 1] as { port: number; controller: number };
  const rf = Math.min(3, n);
  return [
    'process.roles=broker,controller',
    `node.id=${id}`,
    `controller.quorum.voters=${ports.map((p, i) => `${i + 1}@127.0.0.1:${p.controller}`).join(',')}`,
    `listeners=PLAINTEXT://127.0.0.1:${me.port},CONTROLLER://127.0.0.1:${me.controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${me.port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDir}`,
    // Auto-created topics get 6 partitions, as the topologies' defaults do.
    'num.partitions=6',
    `default.replication.factor=${rf}`,
    `min.insync.replicas=${n > 1 ? 2 : 1}`,
    `offsets.topic.replication.factor=${rf}`,
    'offsets.topic.num.partitions=6',
    `transaction.state.log.replication.factor=${rf}`,
    `transaction.state.log.min.isr=${n > 1 ? 2 : 1}`,
    'transaction.state.log.num.partitions=6',
    'group.initial.rebalance.delay.ms=0',
    // Two cores: few threads, a small cleaner buffer (compacted changelogs still compact).
    'num.network.threads=2',
    'num.io.threads=4',
    'background.threads=4',
    'num.recovery.threads.per.data.dir=1',
    'log.cleaner.threads=1',
    'log.cleaner.dedupe.buffer.size=8388608',
    'log.cleaner.backoff.ms=1000',
    'share.coordinator.state.topic.replication.factor=' + rf,
    'share.coordinator.state.topic.min.isr=1',
    '',
  ].join('\n');
}

/** Starts an Apache Kafka cluster of `nodes` KRaft nodes on loopback. */
export async function startKafkaCluster(opts: KafkaClusterOptions = {}): Promise<KafkaCluster> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const count = opts.nodes ?? 1;
  const heapMb = opts.heapMb ?? (count > 1 ? 384 : 512);
  const lib = ensureKafkaJars(log);
  const version = kafkaVersion();
  const dir = mkdtempSync(join(tmpdir(), 'tailstream-kafka-'));
  const ports: { port: number; controller: number }[] = [];
  for (let i = 0; i < count; i++) ports.push({ port: await freePort(), controller: await freePort() });
  const clusterId = newClusterId();
  const classpath = join(lib, '*');
  const jvm = [`-Xms${Math.min(256, heapMb)}m`, `-Xmx${heapMb}m`, '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${join(here, 'log4j2.properties')}`];

  const nodes = ports.map((p, i) => {
    const id = i + 1;
    const nodeDir = join(dir, `node-${id}`);
    mkdirSync(nodeDir);
    const props = join(nodeDir, 'server.properties');
    writeFileSync(props, serverProperties(id, ports, join(nodeDir, 'data')));
    return { id, port: p.port, props, logFile: join(nodeDir, 'kafka.log') };
  });
  await Promise.all(
    nodes.map(
      (n) =>
        new Promise<void>((resolve, reject) => {
          // `--cluster-id=<id>`: a base64url id can start with '-', which the tool would read as an option.
          const fmt = spawn('java', [...jvm, '-cp', classpath, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', n.props], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          fmt.stdout.on('data', (d: Buffer) => (out += d.toString()));
          fmt.stderr.on('data', (d: Buffer) => (out += d.toString()));
          fmt.once('error', (err) => reject(new Error(`[broker] cannot run java (StorageTool format for ${n.props}): ${err.message}`)));
          fmt.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`[broker] StorageTool format ${n.props} exited ${code}: ${out.trim().slice(-500)}`))));
        }),
    ),
  );

  const handles: KafkaNode[] = nodes.map((n) => {
    let child: ChildProcess | undefined;
    const launch = () => {
      const fd = openSync(n.logFile, 'a');
      child = spawn('java', [...jvm, '-cp', classpath, 'kafka.Kafka', n.props], { stdio: ['ignore', fd, fd] });
      closeSync(fd);
      child.once('exit', () => (child = undefined));
    };
    const waitUp = async () => {
      for (const until = Date.now() + 120_000; ; ) {
        if (await portAnswers(n.port)) return;
        if (!child) throw new Error(`[broker] Kafka node ${n.id} exited while starting; see ${n.logFile}`);
        if (Date.now() > until) throw new Error(`[broker] Kafka node ${n.id} did not open 127.0.0.1:${n.port} within 120 s; see ${n.logFile}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    return {
      id: n.id,
      port: n.port,
      logFile: n.logFile,
      running: () => child !== undefined,
      pid: () => child?.pid,
      kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
        const c = child;
        if (!c) return;
        const gone = new Promise((r) => c.once('exit', r));
        c.kill(signal);
        await gone;
      },
      start: async () => {
        if (!child) launch();
        await waitUp();
      },
    };
  });

  const stop = async () => {
    await Promise.all(
      handles.map(async (h) => {
        if (!h.running()) return;
        const timer = setTimeout(() => void h.kill('SIGKILL'), 20_000);
        await h.kill('SIGTERM');
        clearTimeout(timer);
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  const started = Date.now();
  try {
    await Promise.all(handles.map((h) => h.start()));
    const bootstrap = handles.map((h) => `127.0.0.1:${h.port}`).join(',');
    await warmUp(bootstrap.split(','), count);
    log(`[broker] apache-kafka ${version}: ${count} node(s) at ${bootstrap} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (heap ${heapMb} MB each; logs ${dir})`);
    return { bootstrap, version, label: `apache-kafka ${version}`, nodes: handles, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
