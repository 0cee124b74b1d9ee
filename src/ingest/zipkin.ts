/**
 * Zipkin v2 JSON → model, following the OpenTelemetry spec's Zipkin mapping in reverse:
 * localEndpoint.serviceName → resource `service.name`; kind; `otel.status_code` / `error`
 * tags → status; `otel.scope.*` tags → scope; remoteEndpoint → peer attributes;
 * annotations → events; µs times → ns. Tags stay strings: Zipkin has no typed values.
 */
import { createHash } from 'node:crypto';
import type { KeyValue, Span, SpanEvent } from '../model/span.ts';
import { SpanKind, StatusCode } from '../model/span.ts';
import type { SpanCollector } from './span-collector.ts';
import { FieldError } from './types.ts';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

const KIND: Readonly<Record<string, Span['kind']>> = {
  SERVER: SpanKind.SERVER, CLIENT: SpanKind.CLIENT, PRODUCER: SpanKind.PRODUCER, CONSUMER: SpanKind.CONSUMER,
};

/** Tags that carry OTel fields rather than attributes. */
const RESERVED = new Set(['otel.status_code', 'otel.status_description', 'error', 'otel.scope.name', 'otel.scope.version',
  'otel.library.name', 'otel.library.version', 'otel.dropped_attributes_count', 'otel.dropped_events_count', 'otel.dropped_links_count']);

function micros(x: unknown, field: string): bigint {
  if (x === undefined || x === null) return 0n;
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return BigInt(x) * 1000n;
  throw new FieldError(field, `non-negative integer microseconds expected, got ${JSON.stringify(x)}`);
}

function str(x: unknown, field: string): string {
  if (x === undefined || x === null) return '';
  if (typeof x !== 'string') throw new FieldError(field, `string expected, got ${typeof x}`);
  return x;
}

const sv = (key: string, value: string): KeyValue => ({ key, value: { type: 'string', value } });
const count = (tags: Obj, key: string): number => Number.parseInt(String(tags[key] ?? '0'), 10) || 0;

/** A Zipkin shared (server-side) span reuses the client's id; give it its own, derived deterministically. */
function sharedSpanId(traceId: string, spanId: string): string {
  return createHash('sha256').update(`${traceId}/${spanId}/shared`).digest('hex').slice(0, 16);
}

function span(z: Obj): Span {
  const tags = z['tags'] === undefined ? {} : z['tags'];
  if (!isObj(tags)) throw new FieldError('tags', 'object expected');
  const attributes: KeyValue[] = [];
  for (const [k, v] of Object.entries(tags)) {
    if (typeof v !== 'string') throw new FieldError(`tags[${JSON.stringify(k)}]`, `string expected, got ${typeof v}`);
    if (!RESERVED.has(k)) attributes.push(sv(k, v));
  }
  const remote = isObj(z['remoteEndpoint']) ? z['remoteEndpoint'] : {};
  if (typeof remote['serviceName'] === 'string' && remote['serviceName'] !== '') attributes.push(sv('peer.service', remote['serviceName']));
  const addr = typeof remote['ipv6'] === 'string' ? remote['ipv6'] : remote['ipv4'];
  if (typeof addr === 'string' && addr !== '') attributes.push(sv('network.peer.address', addr));
  if (typeof remote['port'] === 'number' && remote['port'] > 0) attributes.push({ key: 'network.peer.port', value: { type: 'int', value: BigInt(Math.trunc(remote['port'])) } });

  const statusTag = tags['otel.status_code'];
  const errorTag = tags['error'];
  const code = statusTag === 'ERROR' || errorTag !== undefined ? StatusCode.ERROR : statusTag === 'OK' ? StatusCode.OK : StatusCode.UNSET;
  const message = code === StatusCode.ERROR ? String(errorTag ?? tags['otel.status_description'] ?? '') : '';

  const annotations = z['annotations'] === undefined ? [] : z['annotations'];
  if (!Array.isArray(annotations)) throw new FieldError('annotations', 'array expected');
  const events: SpanEvent[] = annotations.map((a: unknown, i) => {
    if (!isObj(a)) throw new FieldError(`annotations[${i}]`, 'object expected');
    return { timeUnixNano: micros(a['timestamp'], `annotations[${i}].timestamp`), name: str(a['value'], `annotations[${i}].value`), attributes: [], droppedAttributesCount: 0 };
  });

  const local = isObj(z['localEndpoint']) ? z['localEndpoint'] : {};
  const start = micros(z['timestamp'], 'timestamp');
  const rawTraceId = str(z['traceId'], 'traceId').toLowerCase();
  const traceId = rawTraceId.length === 16 ? rawTraceId.padStart(32, '0') : rawTraceId;
  let spanId = str(z['id'], 'id').toLowerCase();
  let parentSpanId = str(z['parentId'], 'parentId').toLowerCase();
  if (z['shared'] === true) {
    parentSpanId = spanId;
    spanId = sharedSpanId(traceId, spanId);
    attributes.push(sv('zipkin.shared_span_id', parentSpanId));
  }
  const kindName = z['kind'];
  if (kindName !== undefined && (typeof kindName !== 'string' || !(kindName in KIND))) throw new FieldError('kind', `CLIENT, SERVER, PRODUCER or CONSUMER expected, got ${JSON.stringify(kindName)}`);
  return {
    traceId,
    spanId,
    parentSpanId: /^0*$/.test(parentSpanId) ? '' : parentSpanId,
    traceState: '',
    flags: 0,
    name: str(z['name'], 'name'),
    kind: kindName === undefined ? SpanKind.INTERNAL : (KIND[kindName as string] as Span['kind']),
    startTimeUnixNano: start,
    endTimeUnixNano: start + micros(z['duration'], 'duration'),
    status: { code, message },
    attributes,
    droppedAttributesCount: count(tags, 'otel.dropped_attributes_count'),
    events,
    droppedEventsCount: count(tags, 'otel.dropped_events_count'),
    links: [],
    droppedLinksCount: count(tags, 'otel.dropped_links_count'),
    resource: { attributes: typeof local['serviceName'] === 'string' ? [sv('service.name', local['serviceName'])] : [], droppedAttributesCount: 0, schemaUrl: '' },
    scope: { name: String(tags['otel.scope.name'] ?? tags['otel.library.name'] ?? ''), version: String(tags['otel.scope.version'] ?? tags['otel.library.version'] ?? ''), attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
  };
}

/** Feeds a parsed Zipkin v2 span list to `out`; throws FieldError when it is not a list. */
export function decodeZipkinValue(doc: unknown, out: SpanCollector): void {
  if (!Array.isArray(doc)) throw new FieldError('body', 'JSON array of Zipkin v2 spans expected');
  for (const z of doc) {
    try {
      if (!isObj(z)) throw new FieldError('span', 'object expected');
      out.accept(span(z));
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      const ids = isObj(z) ? z : {};
      out.rejectField(e, typeof ids['traceId'] === 'string' ? ids['traceId'] : undefined, typeof ids['id'] === 'string' ? ids['id'] : undefined);
    }
  }
}

export function decodeZipkin(bytes: Buffer, out: SpanCollector): void {
  decodeZipkinValue(JSON.parse(bytes.toString('utf8')) as unknown, out);
}
