import { attributesToJson } from '../clickhouse/attributes.ts';
import type { AnyValue } from '../model/span.ts';
import type { TagFilter } from './tags.ts';

/** A WHERE fragment with its ClickHouse query parameters ({name:Type} placeholders). */
export interface SqlPart {
  readonly sql: string;
  readonly params: Readonly<Record<string, unknown>>;
}

const INT = /^[-+]?\d+$/;
const FLOAT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The typed values a text value can stand for, as Jaeger compares a tag's text form. */
export function candidates(text: string): AnyValue[] {
  const out: AnyValue[] = [{ type: 'string', value: text }];
  if (INT.test(text)) {
    const v = BigInt(text);
    if (v >= INT64_MIN && v <= INT64_MAX) out.push({ type: 'int', value: v });
  }
  if (FLOAT.test(text) && Number.isFinite(Number(text))) out.push({ type: 'double', value: Number(text) });
  if (text === 'true' || text === 'false') out.push({ type: 'bool', value: text === 'true' });
  return out;
}

/** Span kinds, status codes and scope as Jaeger shows them: tags derived from OTLP fields. */
const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

/**
 * One tag filter as SQL over a `spans` row: the span's, the resource's, the scope's, any
 * event's or any link's attribute `key` equals one of the value's typed readings — so
 * "500" matches string "500", int 500 and double 500, "true" matches bool true. Scope,
 * event and link attributes are tagged JSON lists (src/clickhouse/attributes.ts); an element
 * matches when it is exactly the encoded key/value (top-level only, not inside kvlists).
 * Also the tags Jaeger derives from OTLP fields: error, span.kind, otel.status_code,
 * otel.status_description, otel.scope.name, otel.scope.version.
 */
export function tagCondition(tag: TagFilter, n: number): SqlPart {
  const k = `t${n}k`;
  const params: Record<string, unknown> = { [k]: tag.key };
  const ors: string[] = [];
  const typed = candidates(tag.value);
  for (const c of typed) {
    const p = `t${n}${c.type[0]}`;
    const [suffix, type, value] = c.type === 'string' ? ['string', 'String', c.value]
      : c.type === 'int' ? ['int', 'Int64', c.value.toString()]
      : c.type === 'double' ? ['double', 'Float64', String(c.value)]
      : c.type === 'bool' ? ['bool', 'Bool', c.value] : ['', '', ''];
    params[p] = value;
    for (const map of [`attributes_${suffix}`, `resource_attributes_${suffix}`]) {
      ors.push(`(mapContains(${map}, {${k}:String}) AND ${map}[{${k}:String}] = {${p}:${type}})`);
    }
  }
  const frags = `t${n}j`;
  params[frags] = typed.map((c) => attributesToJson([{ key: tag.key, value: c }]).slice(1, -1));
  const inList = (col: string): string => `hasAny(JSONExtractArrayRaw(${col}), {${frags}:Array(String)})`;
  const needle = `t${n}n`;
  params[needle] = JSON.stringify(tag.key);
  ors.push(`(position(scope_attributes, {${needle}:String}) > 0 AND ${inList('scope_attributes')})`);
  ors.push(`arrayExists(a -> position(a, {${needle}:String}) > 0 AND ${inList('a')}, events.attributes)`);
  ors.push(`arrayExists(a -> position(a, {${needle}:String}) > 0 AND ${inList('a')}, links.attributes)`);
  const derived = derivedTag(tag, `t${n}d`);
  if (derived) {
    ors.push(derived.sql);
    Object.assign(params, derived.params);
  }
  return { sql: `(${ors.join(' OR ')})`, params };
}

function derivedTag(tag: TagFilter, p: string): SqlPart | undefined {
  const v = tag.value;
  switch (tag.key) {
    case 'error':
      return v === 'true' ? { sql: "status_code = 'ERROR'", params: {} } : undefined;
    case 'span.kind':
      return KINDS.includes(v.toUpperCase()) ? { sql: `kind = {${p}:String}`, params: { [p]: v.toUpperCase() } } : undefined;
    case 'otel.status_code':
      return ['OK', 'ERROR'].includes(v.toUpperCase()) ? { sql: `status_code = {${p}:String}`, params: { [p]: v.toUpperCase() } } : undefined;
    case 'otel.status_description':
      return { sql: `status_message = {${p}:String}`, params: { [p]: v } };
    case 'otel.scope.name':
      return { sql: `scope_name = {${p}:String}`, params: { [p]: v } };
    case 'otel.scope.version':
      return { sql: `scope_version = {${p}:String}`, params: { [p]: v } };
    default:
      return undefined;
  }
}
