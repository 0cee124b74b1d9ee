/**
 * Loads every `schemas/*.avsc` (file name = record name). A schema may refer to another
 * file's record by name (`"tailstream.Span"`); loading inlines that definition once, so each
 * result is self-contained and can be registered with a schema registry as is.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerdeError } from './errors.ts';

/** A parsed .avsc document (JSON). */
export type AvroSchemaJson = Readonly<Record<string, unknown>>;

/** The repository's `schemas/` folder. */
export const defaultSchemaDir = fileURLToPath(new URL('../../schemas/', import.meta.url));

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

interface FileSchema {
  readonly json: AvroSchemaJson;
  readonly fullName: string;
}

/** Record name → self-contained schema, for every .avsc file in `dir`. */
export function loadSchemaDir(dir: string = defaultSchemaDir): Map<string, AvroSchemaJson> {
  const files = new Map<string, FileSchema>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.avsc')).sort()) {
    const json = JSON.parse(readFileSync(join(dir, f), 'utf8')) as AvroSchemaJson;
    const name = basename(f, '.avsc');
    const fullName = qualify(String(json['name']), json['namespace'], '');
    if (fullName.split('.').pop() !== name) throw new SerdeError('SCHEMA_INVALID', `schemas/${f}: record name ${fullName} does not match the file name`);
    files.set(name, { json, fullName });
  }
  const out = new Map<string, AvroSchemaJson>();
  for (const [name, file] of files) out.set(name, expandReferences(file, files));
  return out;
}

function qualify(name: string, namespace: unknown, enclosing: string): string {
  if (name.includes('.')) return name;
  const ns = typeof namespace === 'string' ? namespace : enclosing;
  return ns ? `${ns}.${name}` : name;
}

function namespaceOf(fullName: string): string {
  const i = fullName.lastIndexOf('.');
  return i < 0 ? '' : fullName.slice(0, i);
}

function expandReferences(root: FileSchema, files: ReadonlyMap<string, FileSchema>): AvroSchemaJson {
  const byFullName = new Map([...files.values()].map((f) => [f.fullName, f]));
  const defined = new Set<string>([root.fullName]);

  const walk = (node: unknown, ns: string): unknown => {
    if (typeof node === 'string') {
      if (PRIMITIVES.has(node)) return node;
      const full = qualify(node, undefined, ns);
      const target = byFullName.get(full);
      if (!target || defined.has(full)) return full;
      defined.add(full);
      return walkNamed(target.json, namespaceOf(full));
    }
    if (Array.isArray(node)) return node.map((n) => walk(n, ns));
    if (node === null || typeof node !== 'object') return node;
    const o = node as Record<string, unknown>;
    const t = o['type'];
    if (t === 'record' || t === 'error' || t === 'enum' || t === 'fixed') {
      const full = qualify(String(o['name']), o['namespace'], ns);
      defined.add(full);
      return walkNamed(o, namespaceOf(full));
    }
    if (t === 'array') return { ...o, items: walk(o['items'], ns) };
    if (t === 'map') return { ...o, values: walk(o['values'], ns) };
    return { ...o, type: walk(t, ns) };
  };

  const walkNamed = (o: AvroSchemaJson, ns: string): AvroSchemaJson => {
    if (!Array.isArray(o['fields'])) return o;
    const fields = (o['fields'] as Record<string, unknown>[]).map((f) => ({ ...f, type: walk(f['type'], ns) }));
    return { ...o, fields };
  };

  return walkNamed(root.json, namespaceOf(root.fullName));
}
