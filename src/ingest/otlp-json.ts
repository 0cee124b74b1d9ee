/**
 * OTLP/JSON (the Collector Kafka exporter's `otlp_json`, OTLP/HTTP JSON bodies) per the OTLP
 * JSON mapping: lowerCamelCase keys, hex ids, 64-bit ints as strings or numbers, enums as
 * ints. A wrong type inside a span rejects that span with the field's path, one inside a
 * resource or scope rejects the spans under it; a wrong envelope shape fails the record.
 */
import type { AnyValue, InstrumentationScope, KeyValue, Resource, Span } from '../model/span.ts';
import { MAX_VALUE_DEPTH, tooDeep } from '../model/invariants.ts';
import type { SpanCollector } from './span-collector.ts';
import { catchFieldError, FieldError } from '../model/field-error.ts';

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const typeName = (x: unknown): string => (x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x);

function obj(x: unknown, field: string): Obj | undefined {
  if (x === undefined || x === null) return undefined;
  if (!isObj(x)) throw new FieldError(field, `object expected, got ${typeName(x)}`);
  return x;
}

function arr(x: unknown, field: string): unknown[] {
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x)) throw new FieldError(field, `array expected, got ${typeName(x)}`);
  return x;
}

function str(x: unknown, field: string): string {
  if (x === undefined || x === null) return '';
  if (typeof x !== 'string') throw new FieldError(field, `string expected, got ${typeName(x)}`);
  return x;
}

const INT_RE = /^-?\d+$/;
function int64(x: unknown, field: string): bigint {
  if (x === undefined || x === null) return 0n;
  if (typeof x === 'string' && INT_RE.test(x)) return BigInt(x);
  if (typeof x === 'number' && Number.isSafeInteger(x)) return BigInt(x);
  throw new FieldError(field, `64-bit integer (decimal string or integer number) expected, got ${JSON.stringify(x)}`);
}

function uint32(x: unknown, field: string): number {
  if (x === undefined || x === null) return 0;
  if (typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff) return x;
  throw new FieldError(field, `uint32 expected, got ${JSON.stringify(x)}`);
}

function enumInt(x: unknown, names: readonly string[], field: string): number {
  if (x === undefined || x === null) return 0;
  if (typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < names.length) return x;
  if (typeof x === 'string' && names.includes(x)) return names.indexOf(x);
  throw new FieldError(field, `one of 0..${names.length - 1} expected, got ${JSON.stringify(x)}`);
}

function hexId(x: unknown, field: string): string {
  // Case-insensitive on input; validation then checks length, hex digits and all-zero.
  return str(x, field).toLowerCase();
}

/** The protobuf JSON mapping accepts a double as a number or as a string holding one ("-0", "1e3"). */
const NUMBER_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function double(x: unknown, field: string): number {
  if (typeof x === 'number') return x;
  if (typeof x === 'string' && NUMBER_TEXT.test(x)) return Number(x);
  if (x === 'NaN') return NaN;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  throw new FieldError(field, `number expected, got ${JSON.stringify(x)}`);
}

function anyValue(x: unknown, field: string, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw tooDeep(field);
  const v = obj(x, field);
  if (!v) return { type: 'empty' };
  if ('stringValue' in v) return { type: 'string', value: str(v['stringValue'], `${field}.stringValue`) };
  if ('boolValue' in v) {
    const b = v['boolValue'];
    if (typeof b !== 'boolean') throw new FieldError(`${field}.boolValue`, `boolean expected, got ${typeName(b)}`);
    return { type: 'bool', value: b };
  }
  if ('intValue' in v) return { type: 'int', value: int64(v['intValue'], `${field}.intValue`) };
  if ('doubleValue' in v) return { type: 'double', value: double(v['doubleValue'], `${field}.doubleValue`) };
  if ('bytesValue' in v) return { type: 'bytes', value: new Uint8Array(Buffer.from(str(v['bytesValue'], `${field}.bytesValue`), 'base64')) };
  if ('arrayValue' in v) {
    const values = arr(obj(v['arrayValue'], `${field}.arrayValue`)?.['values'], `${field}.arrayValue.values`);
    return { type: 'array', values: values.map((e, i) => anyValue(e, `${field}.arrayValue.values[${i}]`, depth + 1)) };
  }
  if ('kvlistValue' in v) {
    return { type: 'kvlist', values: attributes(obj(v['kvlistValue'], `${field}.kvlistValue`)?.['values'], `${field}.kvlistValue.values`, depth + 1) };
  }
  return { type: 'empty' };
}

function attributes(x: unknown, field: string, depth = 1): KeyValue[] {
  return arr(x, field).map((e, i) => {
    const kv = obj(e, `${field}[${i}]`) ?? {};
    const key = str(kv['key'], `${field}[${i}].key`);
    return { key, value: anyValue(kv['value'], `${field}[${JSON.stringify(key)}]`, depth) };
  });
}

const KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

function span(s: Obj, resource: Resource, scope: InstrumentationScope): Span {
  const status = obj(s['status'], 'status') ?? {};
  const parent = hexId(s['parentSpanId'], 'parentSpanId');
  return {
    traceId: hexId(s['traceId'], 'traceId'),
    spanId: hexId(s['spanId'], 'spanId'),
    parentSpanId: /^0*$/.test(parent) ? '' : parent,
    traceState: str(s['traceState'], 'traceState'),
    flags: uint32(s['flags'], 'flags'),
    name: str(s['name'], 'name'),
    kind: enumInt(s['kind'], KINDS, 'kind') as Span['kind'],
    startTimeUnixNano: int64(s['startTimeUnixNano'], 'startTimeUnixNano'),
    endTimeUnixNano: int64(s['endTimeUnixNano'], 'endTimeUnixNano'),
    status: { code: enumInt(status['code'], CODES, 'status.code') as Span['status']['code'], message: str(status['message'], 'status.message') },
    attributes: attributes(s['attributes'], 'attributes'),
    droppedAttributesCount: uint32(s['droppedAttributesCount'], 'droppedAttributesCount'),
    events: arr(s['events'], 'events').map((x, i) => {
      const e = obj(x, `events[${i}]`) ?? {};
      return {
        timeUnixNano: int64(e['timeUnixNano'], `events[${i}].timeUnixNano`),
        name: str(e['name'], `events[${i}].name`),
        attributes: attributes(e['attributes'], `events[${i}].attributes`),
        droppedAttributesCount: uint32(e['droppedAttributesCount'], `events[${i}].droppedAttributesCount`),
      };
    }),
    droppedEventsCount: uint32(s['droppedEventsCount'], 'droppedEventsCount'),
    links: arr(s['links'], 'links').map((x, i) => {
      const l = obj(x, `links[${i}]`) ?? {};
      return {
        traceId: hexId(l['traceId'], `links[${i}].traceId`),
        spanId: hexId(l['spanId'], `links[${i}].spanId`),
        traceState: str(l['traceState'], `links[${i}].traceState`),
        flags: uint32(l['flags'], `links[${i}].flags`),
        attributes: attributes(l['attributes'], `links[${i}].attributes`),
        droppedAttributesCount: uint32(l['droppedAttributesCount'], `links[${i}].droppedAttributesCount`),
      };
    }),
    droppedLinksCount: uint32(s['droppedLinksCount'], 'droppedLinksCount'),
    resource,
    scope,
  };
}

/** Feeds the spans of a parsed OTLP/JSON document to `out`; throws FieldError for a bad envelope. */
export function decodeOtlpJsonValue(doc: unknown, out: SpanCollector): void {
  const root = obj(doc, 'request');
  if (!root) throw new FieldError('request', 'object expected, got null');
  arr(root['resourceSpans'], 'resourceSpans').forEach((x, r) => {
    const rs = obj(x, `resourceSpans[${r}]`) ?? {};
    const res = obj(rs['resource'], `resourceSpans[${r}].resource`) ?? {};
    const resource = catchFieldError((): Resource => ({
      attributes: attributes(res['attributes'], `resourceSpans[${r}].resource.attributes`),
      droppedAttributesCount: uint32(res['droppedAttributesCount'], `resourceSpans[${r}].resource.droppedAttributesCount`),
      schemaUrl: str(rs['schemaUrl'], `resourceSpans[${r}].schemaUrl`),
    }));
    arr(rs['scopeSpans'], `resourceSpans[${r}].scopeSpans`).forEach((y, k) => {
      const path = `resourceSpans[${r}].scopeSpans[${k}]`;
      const ss = obj(y, path) ?? {};
      const sc = obj(ss['scope'], `${path}.scope`) ?? {};
      const scope = catchFieldError((): InstrumentationScope => ({
        name: str(sc['name'], `${path}.scope.name`),
        version: str(sc['version'], `${path}.scope.version`),
        attributes: attributes(sc['attributes'], `${path}.scope.attributes`),
        droppedAttributesCount: uint32(sc['droppedAttributesCount'], `${path}.scope.droppedAttributesCount`),
        schemaUrl: str(ss['schemaUrl'], `${path}.schemaUrl`),
      }));
      for (const z of arr(ss['spans'], `${path}.spans`)) {
        try {
          // A bad resource or scope rejects the spans under it, not the other resources' spans.
          if (resource instanceof FieldError) throw resource;
          if (scope instanceof FieldError) throw scope;
          const s = obj(z, 'span');
          if (!s) throw new FieldError('span', 'object expected, got null');
          out.accept(span(s, resource, scope));
        } catch (e) {
          if (!(e instanceof FieldError)) throw e;
          const ids = isObj(z) ? z : {};
          out.rejectField(e, strOrUndef(ids['traceId']), strOrUndef(ids['spanId']));
        }
      }
    });
  });
}

const strOrUndef = (x: unknown): string | undefined => (typeof x === 'string' && x !== '' ? x.toLowerCase() : undefined);

/** Parses and decodes OTLP/JSON bytes; throws on invalid JSON or envelope. */
export function decodeOtlpJson(bytes: Buffer, out: SpanCollector): void {
  decodeOtlpJsonValue(JSON.parse(bytes.toString('utf8')) as unknown, out);
}
