import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The import rules of docs/ARCHITECTURE.md ("What each folder owns and may import"): a
 * folder imports only the folders listed for it (always itself). Lower layers first.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  util: [],
  metrics: ['util'],
  model: ['util'],
  edges: ['model', 'util'],
  serde: ['model', 'edges', 'util'],
  state: ['serde', 'util'],
  streams: ['state', 'serde', 'metrics', 'util'],
  clickhouse: ['model', 'edges', 'util'],
  redaction: ['model', 'metrics', 'util'],
  ingest: ['model', 'redaction', 'serde', 'streams', 'metrics', 'util'],
  sampling: ['model', 'edges', 'serde', 'state', 'streams', 'metrics', 'util'],
  sink: ['clickhouse', 'model', 'edges', 'serde', 'streams', 'metrics', 'util'],
  query: ['clickhouse', 'edges', 'model', 'serde', 'util'],
  storage: ['clickhouse', 'metrics', 'util'],
  workload: ['model', 'edges', 'util'],
  // `app` only for the type of the /sql limits it parses.
  config: ['app', 'model', 'redaction', 'sampling', 'streams', 'util'],
  topologies: ['ingest', 'metrics', 'model', 'redaction', 'sampling', 'serde', 'sink', 'streams', 'util'],
};
/** The composition root (app/, src/main.ts, cli.ts, demo.ts) may import anything. */
const ROOTS = new Set(['app', '(src)']);

const REPO = normalize(join(dirname(fileURLToPath(import.meta.url)), '../..'));

function files(dir: string): string[] {
  return readdirSync(join(REPO, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** `src/query/x.ts` → `query`, `topologies/y.ts` → `topologies`, `src/main.ts` → `(src)`. */
function folderOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] !== 'src') return parts[0] ?? path;
  return parts.length > 2 ? (parts[1] ?? path) : '(src)';
}

/** Every relative import of every source file, as [importing file, imported folder]. */
function imports(): [string, string, string][] {
  return [...files('src'), ...files('topologies')].flatMap((file) => {
    const text = readFileSync(join(REPO, file), 'utf8');
    return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m): [string, string, string] => {
      const target = relative(REPO, normalize(join(REPO, dirname(file), m[1] ?? '')));
      return [file, folderOf(file), folderOf(target)];
    });
  });
}

describe('layering: each folder imports only the folders below it', () => {
  const all = imports();

  it('finds the source files and their imports', () => {
    expect(all.length).toBeGreaterThan(300);
  });

  it('no module of query/ imports sink/ and no module of sink/ imports query/: both depend on clickhouse/', () => {
    const crossing = all.filter(([, from, to]) => (from === 'query' && to === 'sink') || (from === 'sink' && to === 'query'));
    expect(crossing).toEqual([]);
  });

  it('every import follows MAY_IMPORT', () => {
    const broken = all
      .filter(([, from, to]) => from !== to && !ROOTS.has(from))
      .filter(([, from, to]) => !(MAY_IMPORT[from] ?? []).includes(to))
      .map(([file, , to]) => `${file} imports ${to}/`);
    expect(broken).toEqual([]);
  });

  it('knows every folder under src/', () => {
    const folders = new Set(files('src').map(folderOf));
    const unknown = [...folders].filter((f) => !ROOTS.has(f) && MAY_IMPORT[f] === undefined);
    expect(unknown).toEqual([]);
  });
});
