/**
 * Apicurio Registry as the test schema registry: the runnable app from Maven Central
 * (`io.apicurio:apicurio-registry-app`, classifier `all`) is fetched and unpacked once into
 * `.registry/` (git-ignored), then run on 127.0.0.1 with in-memory storage. Readiness is its
 * health endpoint answering, never a sleep. Its Confluent-compatible API (`/apis/ccompat/v7`)
 * is what `SCHEMA_REGISTRY_URL` points at.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './kafka-broker.ts';

/**
 * 3.0.9 is the newest release that runs on Java 17: 3.3.x is compiled for Java 21 (class
 * file version 65; on 17 it stops with UnsupportedClassVersionError).
 */
export const APICURIO_VERSION = '3.0.9';

const here = dirname(fileURLToPath(import.meta.url));
const CACHE = join(here, '.registry');
const ARTIFACT = `io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`;

type Log = (line: string) => void;
const stderrLog: Log = (l) => process.stderr.write(l + '\n');

/** Bytes under `dir` (the Maven repository folder a download lands in), for progress lines. */
function bytesUnder(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

/** Fetches and unpacks the pinned app once; returns the folder holding its runner jar. */
export async function ensureApicurio(log: Log = stderrLog): Promise<string> {
  const app = join(CACHE, `apicurio-registry-app-${APICURIO_VERSION}`);
  if (existsSync(join(app, '.complete'))) return app;
  const download = join(CACHE, 'download');
  log(`[registry] fetching ${ARTIFACT} (~105 MB) from Maven Central into ${app} (first run only)`);
  rmSync(app, { recursive: true, force: true });
  rmSync(download, { recursive: true, force: true });
  const m2 = join(homedir(), '.m2/repository/io/apicurio/apicurio-registry-app', APICURIO_VERSION);
  const started = Date.now();
  const progress = setInterval(() => log(`[registry] … ${(bytesUnder(m2) / 1e6).toFixed(0)} MB after ${((Date.now() - started) / 1000).toFixed(0)} s`), 5_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const mvn = spawn('mvn', ['-B', 'dependency:copy', `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${download}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const take = (d: Buffer) => {
        out += d.toString();
        for (const line of d.toString().split('\n')) if (/Download(ing|ed) from/.test(line)) log(`[registry] ${line.replace(/^\[INFO\] /, '').trim()}`);
      };
      mvn.stdout.on('data', take);
      mvn.stderr.on('data', take);
      mvn.once('error', (err) => reject(new Error(`[registry] cannot run mvn to fetch ${ARTIFACT}: ${err.message}`)));
      mvn.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`[registry] mvn could not fetch ${ARTIFACT} (exit ${code}): ${out.trim().slice(-800)}`))));
    });
  } finally {
    clearInterval(progress);
  }
  const tarball = readdirSync(download).find((f) => f.endsWith('.tar.gz'));
  if (!tarball) throw new Error(`[registry] mvn left no .tar.gz in ${download}`);
  mkdirSync(app, { recursive: true });
  execFileSync('tar', ['xzf', join(download, tarball), '-C', app]);
  rmSync(download, { recursive: true, force: true });
  if (!existsSync(join(app, runnerJar()))) throw new Error(`[registry] ${tarball} has no ${runnerJar()}`);
  writeFileSync(join(app, '.complete'), APICURIO_VERSION + '\n');
  log(`[registry] Apicurio Registry ${APICURIO_VERSION} unpacked in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return app;
}

/** 3.0.x ships a legacy runner jar (lib/ beside it); 3.1+ a Quarkus fast-jar. */
function runnerJar(): string {
  return `apicurio-registry-app-${APICURIO_VERSION}-runner.jar`;
}

function rssMb(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

export interface ApicurioRegistry {
  /** The Confluent-compatible API: what `SCHEMA_REGISTRY_URL` / `ConfluentRegistry` take. */
  readonly url: string;
  readonly version: string;
  /** `apicurio-registry 3.0.9`, for logs. */
  readonly label: string;
  readonly logFile: string;
  /** Resident memory of the JVM now, MB. */
  rssMb(): number;
  stop(): Promise<void>;
}

export interface ApicurioOptions {
  readonly heapMb?: number;
  readonly log?: Log;
  readonly timeoutMs?: number;
}

/** Starts Apicurio Registry (in-memory storage) on a free loopback port and waits until it is ready. */
export async function startApicurio(opts: ApicurioOptions = {}): Promise<ApicurioRegistry> {
  const log = opts.log ?? stderrLog;
  const app = await ensureApicurio(log);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tailstream-registry-'));
  const logFile = join(dir, 'apicurio.log');
  // Startup on 2 busy cores: C1 only, serial GC and an AppCDS archive of the classes the
  // first run loaded (written when that run exits) take it from ~45 s to a few seconds.
  const cds = join(app, 'classes.jsa');
  const cdsNew = `${cds}.new`;
  const training = !existsSync(cds);
  const jvm = [
    '-Xms64m',
    `-Xmx${opts.heapMb ?? 192}m`,
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    training ? `-XX:ArchiveClassesAtExit=${cdsNew}` : `-XX:SharedArchiveFile=${cds}`,
    '-Djava.awt.headless=true',
  ];
  const settings = [
    `-Dquarkus.http.port=${port}`,
    '-Dquarkus.http.host=127.0.0.1',
    // Twenty pooled H2 connections by default; one test client needs two.
    '-Dapicurio.datasource.jdbc.initial-size=2',
    '-Dapicurio.datasource.jdbc.min-size=2',
    '-Dquarkus.http.access-log.enabled=false',
    `-Dapicurio.import.work-dir=${dir}`,
    `-Dapicurio.storage.snapshot.location=${dir}`,
  ];
  const fd = openSync(logFile, 'a');
  const child: ChildProcess = spawn('java', [...jvm, ...settings, '-jar', join(app, runnerJar())], { cwd: dir, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = false;
  const gone = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  child.once('error', () => (exited = true));
  // A worker that dies without teardown must not leave the JVM behind.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);

  const stop = async () => {
    process.off('exit', orphanGuard);
    if (!exited) {
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.kill('SIGTERM');
      await gone;
      clearTimeout(timer);
    }
    // The archive is only complete when the JVM exited normally (SIGTERM runs its exit path).
    if (training && existsSync(cdsNew)) {
      if (child.exitCode === 0 || child.exitCode === 143) renameSync(cdsNew, cds);
      else rmSync(cdsNew, { force: true });
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const until = started + (opts.timeoutMs ?? 120_000);
  try {
    for (;;) {
      const ready = await fetch(`${base}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (exited) throw new Error(`[registry] Apicurio exited while starting (exit ${child.exitCode}): ${readFileSync(logFile, 'utf8').slice(-800)}`);
      if (Date.now() > until) throw new Error(`[registry] Apicurio did not answer ${base}/health/ready within ${opts.timeoutMs ?? 120_000} ms; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const label = `apicurio-registry ${APICURIO_VERSION}`;
  log(`[registry] ${label} at ${base}/apis/ccompat/v7 ready in ${((Date.now() - started) / 1000).toFixed(1)} s${training ? ' (first run: records a class-data archive for later starts)' : ''}, RSS ${rssMb(child.pid)} MB`);
  return { url: `${base}/apis/ccompat/v7`, version: APICURIO_VERSION, label, logFile, rssMb: () => rssMb(child.pid), stop };
}
