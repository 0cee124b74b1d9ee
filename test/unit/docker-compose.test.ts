import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, loadConfig, ROLES } from '../../src/config/config.ts';
import { composeSpecProblems, environmentOf, hasHealthcheck, parseMount, parsePort } from '../fixtures/compose-spec.ts';

// No Docker engine runs here: docker-compose.yml is checked structurally against the Compose
// Specification, and for what scaling out needs (`docker compose up --scale worker=3`).
type Obj = Record<string, unknown>;
const root = join(import.meta.dirname, '../..');
const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
/** Fresh each time, so a case may mutate it. `<<` merge keys as compose resolves them. */
const load = (): Obj => parse(text, { merge: true }) as Obj;
const servicesOf = (doc: Obj) => doc['services'] as Record<string, Obj>;
const SCALED = 'worker';

/** Every environment variable src/config/config.ts reads (`env['X']`, `int(env, 'X', ...)`). */
const configSource = readFileSync(join(root, 'src/config/config.ts'), 'utf8');
const CONFIG_KEYS = new Set([...configSource.matchAll(/env\['([A-Z0-9_]+)'\]|\benv, '([A-Z0-9_]+)'/g)].map((m) => (m[1] ?? m[2]) as string));

/** tailstream's own services: built from this repository. */
const appServices = (doc: Obj) => Object.entries(servicesOf(doc)).filter(([, s]) => s['build'] !== undefined);

/** What `--scale <name>=N` needs: no host port, no fixed name, no state shared by replicas. */
function scalingProblems(doc: Obj, name: string): string[] {
  const s = servicesOf(doc)[name];
  if (!s) return [`services.${name}: missing`];
  const problems: string[] = [];
  if (s['container_name'] !== undefined) problems.push(`services.${name}.container_name: replicas cannot share one name`);
  ((s['ports'] ?? []) as unknown[]).forEach((p, i) => {
    const port = parsePort(p);
    if (typeof port !== 'string' && port.published !== undefined) problems.push(`services.${name}.ports[${i}]: publishes host port ${port.published}; replicas would collide`);
  });
  const mounts = ((s['volumes'] ?? []) as unknown[]).map(parseMount);
  mounts.forEach((m, i) => {
    if (typeof m !== 'string' && (m.kind === 'named' || m.kind === 'bind')) problems.push(`services.${name}.volumes[${i}]: ${m.kind} "${m.source}" is shared by every replica`);
  });
  const dataDir = environmentOf(s)['DATA_DIR'];
  const tmpfs = ([] as unknown[]).concat(s['tmpfs'] ?? []).map(String);
  const own = mounts.some((m) => typeof m !== 'string' && m.kind === 'anonymous' && m.target === dataDir) || tmpfs.some((t) => t.split(':')[0] === dataDir);
  if (!dataDir || !own) problems.push(`services.${name}: DATA_DIR (${dataDir ?? 'unset'}) must be an anonymous volume or tmpfs of its own`);
  return problems;
}

/** Each app service: only variables config.ts knows, a config that loads, and its peers as healthy dependencies. */
function appProblems(doc: Obj): string[] {
  const problems: string[] = [];
  for (const [name, s] of appServices(doc)) {
    const env = environmentOf(s);
    for (const k of Object.keys(env)) if (!CONFIG_KEYS.has(k)) problems.push(`services.${name}.environment.${k}: not read by src/config/config.ts`);
    try {
      loadConfig(env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(`services.${name}.environment: ${err.message}`);
    }
    const deps = (s['depends_on'] ?? {}) as Record<string, { condition?: string }>;
    for (const key of ['KAFKA_BROKERS', 'CLICKHOUSE_URL', 'SCHEMA_REGISTRY_URL']) {
      const host = env[key]?.replace(/^\w+:\/\//, '').split(/[:/,]/)[0];
      if (host && deps[host]?.condition !== 'service_healthy') problems.push(`services.${name}: ${key} names ${host}, which is not a service_healthy dependency`);
    }
  }
  return problems;
}

/** Grafana: its plugin, its provisioning files from this repository, and data sources that reach our services. */
function grafanaProblems(doc: Obj): string[] {
  const services = servicesOf(doc);
  const g = services['grafana'];
  if (!g) return ['services.grafana: missing'];
  const problems: string[] = [];
  if (!environmentOf(g)['GF_INSTALL_PLUGINS']?.split(',').some((p) => p.trim().split(' ')[0] === 'grafana-clickhouse-datasource')) problems.push('services.grafana.environment.GF_INSTALL_PLUGINS: grafana-clickhouse-datasource is not installed');
  const mounts = new Map<string, string>();
  for (const m of ((g['volumes'] ?? []) as unknown[]).map(parseMount)) {
    if (typeof m === 'string' || m.kind !== 'bind' || m.source === undefined) continue;
    if (!existsSync(join(root, m.source))) problems.push(`services.grafana.volumes: ${m.source} does not exist in the repository`);
    mounts.set(m.target, m.source);
  }
  const provisioned = (dir: string): Obj[] => {
    const source = mounts.get(`/etc/grafana/provisioning/${dir}`);
    if (source === undefined || !existsSync(join(root, source))) return (problems.push(`services.grafana: nothing mounted at /etc/grafana/provisioning/${dir}`), []);
    return readdirSync(join(root, source)).filter((f) => /\.ya?ml$/.test(f)).map((f) => parse(readFileSync(join(root, source, f), 'utf8')) as Obj);
  };
  const deps = (g['depends_on'] ?? {}) as Record<string, { condition?: string }>;
  const reaches = (what: string, url: string, port: number) => {
    const m = /^(?:\w+:\/\/)?([^:/]+):(\d+)/.exec(url);
    if (!m || !services[m[1] as string]) return problems.push(`${what}: ${url} is not a service of this file`);
    if (deps[m[1] as string]?.condition !== 'service_healthy') problems.push(`services.grafana: ${what} needs ${m[1]} as a service_healthy dependency`);
    if (Number(m[2]) !== port) problems.push(`${what}: port ${m[2]}, expected ${port}`);
    return 0;
  };
  const sources = provisioned('datasources').flatMap((f) => (f['datasources'] ?? []) as Obj[]);
  const tailstream = loadConfig(environmentOf(services['tailstream'] as Obj));
  const ch = sources.find((d) => d['type'] === 'grafana-clickhouse-datasource');
  if (!ch) problems.push('grafana data sources: no grafana-clickhouse-datasource');
  else {
    const j = ch['jsonData'] as Obj;
    reaches('ClickHouse data source', `${String(j['host'])}:${String(j['port'])}`, 8123);
    const chEnv = environmentOf(services['clickhouse'] as Obj);
    if (j['username'] !== chEnv['CLICKHOUSE_USER'] || (ch['secureJsonData'] as Obj)['password'] !== chEnv['CLICKHOUSE_PASSWORD']) problems.push('ClickHouse data source: user or password differs from the clickhouse service');
    if (j['defaultDatabase'] !== tailstream.clickhouse.database) problems.push(`ClickHouse data source: database ${String(j['defaultDatabase'])}, tailstream writes ${tailstream.clickhouse.database}`);
  }
  const jaeger = sources.find((d) => d['type'] === 'jaeger');
  if (!jaeger) problems.push('grafana data sources: no jaeger');
  else reaches('Jaeger data source', String(jaeger['url']), tailstream.ports.query);
  const providers = provisioned('dashboards').flatMap((f) => (f['providers'] ?? []) as Obj[]);
  const dashboardDirs = providers.map((p) => mounts.get(String((p['options'] as Obj)['path'])));
  if (dashboardDirs.length === 0 || dashboardDirs.some((d) => d === undefined)) problems.push('grafana dashboards: a provider reads a path nothing is mounted at');
  for (const dir of dashboardDirs) {
    if (dir === undefined || !existsSync(join(root, dir))) continue;
    for (const f of readdirSync(join(root, dir)).filter((n) => n.endsWith('.json'))) {
      const uid = ((JSON.parse(readFileSync(join(root, dir, f), 'utf8')) as { templating: { list: Obj[] } }).templating.list.find((v) => v['type'] === 'datasource')?.['current'] as Obj | undefined)?.['value'];
      if (uid !== ch?.['uid']) problems.push(`${dir}/${f}: data source ${String(uid)} is not the provisioned ClickHouse data source`);
    }
  }
  return problems;
}

describe('docker-compose.yml', () => {
  it('conforms to the Compose Specification', () => {
    expect(composeSpecProblems(load())).toEqual([]);
    expect(existsSync(join(root, 'Dockerfile'))).toBe(true); // build: .
  });

  it(`scales with --scale ${SCALED}=3: no host ports, per-replica state`, () => {
    expect(scalingProblems(load(), SCALED)).toEqual([]);
  });

  it('configures tailstream only with variables config.ts knows, and each config loads', () => {
    expect(CONFIG_KEYS).toContain('TAILSTREAM_ROLES');
    expect(appProblems(load())).toEqual([]);
  });

  it('runs every role once across the services; only the scaled worker runs the topologies', () => {
    const roles = appServices(load()).map(([name, s]) => [name, [...loadConfig(environmentOf(s)).roles].sort()]);
    expect(Object.fromEntries(roles)).toEqual({ tailstream: ['ingest', 'query'], [SCALED]: ['workers'] });
    expect(roles.flatMap(([, r]) => r).sort()).toEqual([...ROLES].sort());
  });

  it('runs Apache Kafka 4.x in KRaft mode and waits on health', () => {
    const s = servicesOf(load());
    expect(s['kafka']?.['image']).toMatch(/^apache\/kafka:4\.\d+\.\d+$/);
    expect(environmentOf(s['kafka'] as Obj)['KAFKA_PROCESS_ROLES']).toBe('broker,controller');
    expect(s['clickhouse']?.['image']).toMatch(/^clickhouse\/clickhouse-server:/);
    for (const name of ['kafka', 'schema-registry', 'clickhouse', 'tailstream']) expect(hasHealthcheck(s[name] as Obj), name).toBe(true);
  });

  it('provisions Grafana with the ClickHouse plugin, both data sources and the dashboard', () => {
    expect(servicesOf(load())['grafana']?.['image']).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    expect(grafanaProblems(load())).toEqual([]);
  });

  it.each<[string, (doc: Obj) => void, string]>([
    ['no ClickHouse plugin', (d) => void ((svc(d, 'grafana')['environment'] as Obj)['GF_INSTALL_PLUGINS'] = 'grafana-piechart-panel'), 'grafana-clickhouse-datasource is not installed'],
    ['a provisioning directory that is not in the repository', (d) => void ((svc(d, 'grafana')['volumes'] as string[])[0] = './grafana/datasources:/etc/grafana/provisioning/datasources:ro'), './grafana/datasources does not exist'],
    ['no dashboards mounted where the provider reads', (d) => void (svc(d, 'grafana')['volumes'] as string[]).pop(), 'a provider reads a path nothing is mounted at'],
    ['a data source peer it does not wait for', (d) => void delete (svc(d, 'grafana')['depends_on'] as Obj)['tailstream'], 'Jaeger data source needs tailstream'],
  ])('the Grafana check catches %s', (_, mutate, problem) => {
    const doc = load();
    mutate(doc);
    expect(grafanaProblems(doc).join('\n')).toContain(problem);
  });

  // The checks above must be able to fail: each broken variant is caught, naming the path.
  const svc = (doc: Obj, name: string) => servicesOf(doc)[name] as Obj;
  it.each<[string, (doc: Obj) => void, string]>([
    ['host ports on the worker', (d) => void (svc(d, SCALED)['ports'] = ['4318:4318']), 'services.worker.ports[0]: publishes host port 4318'],
    ['a named volume for worker state', (d) => {
      svc(d, SCALED)['volumes'] = ['tailstream-state:/var/lib/tailstream'];
      (d['volumes'] as Obj)['tailstream-state'] = {};
    }, 'services.worker.volumes[0]: named "tailstream-state" is shared by every replica'],
    ['a fixed container name', (d) => void (svc(d, SCALED)['container_name'] = 'worker'), 'services.worker.container_name'],
    ['worker state outside its volume', (d) => void ((svc(d, SCALED)['environment'] as Obj)['DATA_DIR'] = '/app/data'), 'DATA_DIR (/app/data) must be an anonymous volume'],
  ])('scaling catches %s', (_, mutate, problem) => {
    const doc = load();
    mutate(doc);
    expect(scalingProblems(doc, SCALED).join('\n')).toContain(problem);
  });

  it.each<[string, (doc: Obj) => void, string]>([
    ['an unknown service key', (d) => void (svc(d, SCALED)['stop_grace'] = '30s'), 'services.worker.stop_grace: not a service key'],
    ['a depends_on target that does not exist', (d) => void ((svc(d, SCALED)['depends_on'] as Obj)['tailstreem'] = { condition: 'service_healthy' }), 'services.worker.depends_on.tailstreem: no such service'],
    ['an unknown depends_on condition', (d) => void ((svc(d, SCALED)['depends_on'] as Obj)['kafka'] = { condition: 'healthy' }), 'condition: "healthy" is not one of'],
    ['service_healthy on a service without a healthcheck', (d) => void delete svc(d, 'tailstream')['healthcheck'], 'services.worker.depends_on.tailstream: service_healthy, but tailstream has no healthcheck'],
    ['a port out of range', (d) => void (svc(d, 'tailstream')['ports'] = ['4318:99999']), 'services.tailstream.ports[0]: "4318:99999" has a port outside'],
    ['a malformed port', (d) => void (svc(d, 'tailstream')['ports'] = ['4318::4318']), 'is not [[IP:]HOST:]CONTAINER'],
    ['an undeclared named volume', (d) => void delete (d['volumes'] as Obj)['clickhouse-data'], 'named volume "clickhouse-data" is not declared'],
    ['a healthcheck interval that is not a duration', (d) => void ((svc(d, 'kafka')['healthcheck'] as Obj)['interval'] = '5 seconds'), 'services.kafka.healthcheck.interval'],
    ['an unknown top-level key', (d) => void (d['service'] = {}), 'service: not a top-level key'],
  ])('the spec check catches %s', (_, mutate, problem) => {
    const doc = load();
    mutate(doc);
    expect(composeSpecProblems(doc).join('\n')).toContain(problem);
  });

  it.each<[string, (env: Obj) => void, string]>([
    ['a variable config.ts does not read', (e) => void (e['TAILSTREAM_ROLE'] = 'workers'), 'services.worker.environment.TAILSTREAM_ROLE: not read by src/config/config.ts'],
    ['a role config.ts refuses', (e) => void (e['TAILSTREAM_ROLES'] = 'worker'), 'TAILSTREAM_ROLES: unknown role "worker"'],
    ['a split without ClickHouse server', (e) => void delete e['CLICKHOUSE_URL'], 'needs CLICKHOUSE_URL'],
    ['a peer it does not wait for', (e) => void (e['SCHEMA_REGISTRY_URL'] = 'http://registry:8081'), 'SCHEMA_REGISTRY_URL names registry, which is not a service_healthy dependency'],
  ])('the app check catches %s', (_, mutate, problem) => {
    const doc = load();
    mutate(svc(doc, SCALED)['environment'] as Obj);
    expect(appProblems(doc).join('\n')).toContain(problem);
  });
});
