/**
 * The whole pipeline, end to end (issue 13): `clients` concurrent OTLP/HTTP clients POST the
 * seeded workload as protobuf to `npm start` — embedded, then on Kafka (Apache Kafka 4.4.0
 * started here, exactly-once) — until every trace the default policies keep is in
 * ClickHouse, counted through the app's own `POST /sql`. Beside each mode: the same bodies'
 * decode-only rate on one core, measured in this run (`ratio` = spans/s in ÷ that).
 *
 * `npm run bench -- pipeline [--spans=100000] [--clients=8] [--only=embedded|kafka] [--seed=bench-pipeline]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type AppProcess } from '../test/fixtures/app-process.ts';
import { sql } from '../test/fixtures/otel-traces.ts';
import { benchBroker, figure } from './_broker.ts';
import { Cleanup } from './_cleanup.ts';
import { percentile, processCpuMs } from './_measure.ts';
import { postAll } from './_otlp-clients.ts';
import { decodeOnlyRate, pipelineLoad, type PipelineLoad } from './_pipeline-load.ts';

/** While draining, the pipeline's metrics or ClickHouse must change at least this often. */
const STALL_MS = 60_000;

function arg(args: readonly string[], name: string, dflt: string): string {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : dflt;
}

function positiveInt(args: readonly string[], name: string, dflt: number): number {
  const v = Number(arg(args, name, String(dflt)));
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name}: expected a positive integer, got "${arg(args, name, '')}"`);
  return v;
}

function status(line: string): void {
  process.stderr.write(`\r  ${line}\x1b[K`);
}

interface Kept {
  readonly rows: number;
  readonly traces: number;
}

async function keptInClickHouse(app: AppProcess): Promise<Kept> {
  const [r] = await sql<{ rows: string; traces: string }>(app.ports.query, 'SELECT toString(uniqExact(trace_id, span_id)) AS rows, toString(uniqExact(trace_id)) AS traces FROM tailstream.spans');
  return { rows: Number(r?.rows ?? 0), traces: Number(r?.traces ?? 0) };
}

/** Sum of a metric's samples in the app's /metrics text whose labels match `labels`. */
function metricSum(text: string, name: string, labels: RegExp = /.*/): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))) if (labels.test(m[1] ?? '')) sum += Number(m[2]);
  return sum;
}

/** Where the pipeline is, from its own metrics: raw-spans records taken in, spans waiting for a decision. */
async function progress(app: AppProcess): Promise<{ rawRecords: number; buffered: number }> {
  const text = await (await fetch(`http://127.0.0.1:${app.ports.query}/metrics`)).text();
  return { rawRecords: metricSum(text, 'tailstream_streams_records_in_total', /topic="[^"]*raw-spans"/), buffered: metricSum(text, 'tailstream_sampling_spans_buffered') };
}

interface Drained {
  readonly kept: Kept;
  /** performance.now() of the last change seen: all kept rows in, or the pipeline's last move. */
  readonly at: number;
  /** Why the wait ended short of every expected row; undefined when ClickHouse holds them all. */
  readonly shortfall?: string;
}

/** Polls until ClickHouse holds every expected kept row, or the pipeline stops moving. */
async function waitForKept(mode: string, app: AppProcess, want: Kept): Promise<Drained> {
  let last = '';
  let movedAt = performance.now();
  for (;;) {
    const got = await keptInClickHouse(app);
    const p = await progress(app);
    status(`${mode}: ${p.rawRecords} raw-spans records in, ${p.buffered} spans awaiting decision; ${got.rows}/${want.rows} kept rows (${got.traces}/${want.traces} traces) in ClickHouse`);
    if (got.rows >= want.rows && got.traces >= want.traces) return { kept: got, at: performance.now() };
    const now = JSON.stringify([got, p]);
    if (now !== last) movedAt = performance.now();
    last = now;
    if (performance.now() - movedAt > STALL_MS) {
      const shortfall = `${mode}: the pipeline stopped moving for ${STALL_MS / 1000} s at ${got.rows}/${want.rows} kept rows, ${got.traces}/${want.traces} traces in ClickHouse; app log:\n${app.logSummary()}`;
      return { kept: got, at: movedAt, shortfall };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface Mode {
  readonly name: 'embedded' | 'kafka';
  readonly env: Record<string, string>;
  /** Processes besides the app whose CPU the pipeline uses (the broker). */
  readonly otherPids: () => number[];
}

/** Runs one mode and prints its figures; returns why it fell short of every kept row, if it did. */
async function measure(mode: Mode, load: PipelineLoad, clients: number, decodeRate: number, cleanup: Cleanup): Promise<string | undefined> {
  const dataDir = mkdtempSync(join(tmpdir(), `bench-pipeline-${mode.name}-`));
  const removeDir = cleanup.add(`remove ${dataDir}`, async () => rmSync(dataDir, { recursive: true, force: true }));
  process.stderr.write(`${mode.name}: starting npm start (data in ${dataDir}) ...\n`);
  // Empty values override the caller's environment: default policies, all roles, chdb.
  const app = await startApp({ TAILSTREAM_CONFIG: '', TAILSTREAM_ROLES: '', CLICKHOUSE_URL: '', SCHEMA_REGISTRY_URL: '', LOG_LEVEL: 'warn', ...mode.env, DATA_DIR: dataDir }, 180_000);
  const stopApp = cleanup.add(`stop the ${mode.name} app`, () => app.stop(60_000));
  const pid = app.child.pid as number;
  const otherCpu = () => mode.otherPids().reduce((ms, p) => ms + processCpuMs(p), 0);
  const cpu0 = { app: processCpuMs(pid), other: otherCpu(), client: process.cpuUsage() };
  const t0 = performance.now();
  let shownAt = 0;
  const posts = await postAll(app.ports.otlp, load.bodies, clients, (done) => {
    if (performance.now() - shownAt < 500 && done < load.bodies.length) return;
    shownAt = performance.now();
    status(`${mode.name}: ${done}/${load.bodies.length} POSTs answered`);
  });
  const postedAt = performance.now();
  process.stderr.write('\n');
  const { kept, at: keptAt, shortfall } = await waitForKept(mode.name, app, load.expected);
  process.stderr.write('\n');
  const client = process.cpuUsage(cpu0.client);
  const cpu = { app: processCpuMs(pid) - cpu0.app, other: otherCpu() - cpu0.other, client: (client.user + client.system) / 1000 };
  await stopApp();
  await removeDir();

  const f = (name: string, value: number, unit?: string) => figure(`pipeline.${mode.name}.${name}`, value, unit);
  const spansIn = load.spans / posts.seconds;
  f('spans_in', Math.round(spansIn), 'spans/s');
  f('kept_rows_out', Math.round(kept.rows / ((keptAt - t0) / 1000)), 'rows/s');
  f('all_kept_after', (keptAt - t0) / 1000, 's');
  f('drain_after_last_post', (keptAt - postedAt) / 1000, 's');
  f('cpu_ms_per_span', cpu.app / load.spans, 'ms');
  if (mode.name === 'kafka' && cpu.other > 0) f('broker_cpu_ms_per_span', cpu.other / load.spans, 'ms');
  f('client_cpu_ms_per_span', cpu.client / load.spans, 'ms');
  f('post_p50', percentile(posts.latenciesMs, 50), 'ms');
  f('post_p99', percentile(posts.latenciesMs, 99), 'ms');
  f('post_max', percentile(posts.latenciesMs, 100), 'ms');
  f('ratio', spansIn / decodeRate);
  f('kept_rows', kept.rows, 'rows');
  f('kept_traces', kept.traces, 'traces');
  if (posts.throttled > 0) f('throttled_posts', posts.throttled, 'posts');
  if (posts.partialSuccesses > 0) f('partial_success_posts', posts.partialSuccesses, 'posts');
  if (shortfall) f('missing_kept_rows', load.expected.rows - kept.rows, 'rows');
  return shortfall;
}

export default async function run(args: string[]): Promise<void> {
  const spans = positiveInt(args, 'spans', 100_000);
  const clients = positiveInt(args, 'clients', 8);
  const only = arg(args, 'only', 'all');
  if (!['all', 'embedded', 'kafka'].includes(only)) throw new Error(`--only: expected embedded or kafka, got "${only}"`);
  const seed = arg(args, 'seed', 'bench-pipeline');

  process.stderr.write(`pipeline: generating ${spans} spans of workload "${seed}" ...\n`);
  // Traces start an hour ago (within the spans TTL the receiver enforces), on a whole minute:
  // exporter ticks fall on whole seconds, so every run cuts the same bodies.
  const load = pipelineLoad(seed, spans, Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000);
  const bytes = load.bodies.reduce((n, b) => n + b.length, 0);
  process.stderr.write(`pipeline: ${load.bodies.length} POST bodies, ${load.expected.tracesTotal} traces; the default policies keep ${load.expected.traces} (${load.expected.rows} spans)\n`);
  figure('pipeline.input_spans', load.spans, 'spans');
  figure('pipeline.posts', load.bodies.length, 'posts');
  figure('pipeline.spans_per_post', load.spans / load.bodies.length, 'spans');
  figure('pipeline.bytes_per_span', bytes / load.spans, 'B');
  figure('pipeline.expected_kept_rows', load.expected.rows, 'rows');
  const decodeRate = decodeOnlyRate(load.bodies, 3);
  figure('pipeline.decode_only', Math.round(decodeRate), 'spans/s');

  const cleanup = new Cleanup();
  const shortfalls: string[] = [];
  const note = (s: string | undefined) => void (s && shortfalls.push(s));
  try {
    if (only !== 'kafka') note(await measure({ name: 'embedded', env: { KAFKA_BROKERS: '' }, otherPids: () => [] }, load, clients, decodeRate, cleanup));
    if (only !== 'embedded') {
      const broker = await benchBroker();
      cleanup.add('stop the broker', broker.stop);
      const run = `bench-pipeline-${Date.now()}`;
      const env = { KAFKA_BROKERS: broker.bootstrap, KAFKA_TOPIC_PREFIX: `${run}.`, SAMPLING_APP_ID: `${run}-sampling`, SINK_APP_ID: `${run}-sink` };
      note(await measure({ name: 'kafka', env, otherPids: broker.pids }, load, clients, decodeRate, cleanup));
    }
  } finally {
    await cleanup.all();
  }
  // Figures of a short run are printed (marked by missing_kept_rows), but the run fails.
  if (shortfalls.length > 0) throw new Error(shortfalls.join('\n'));
}
