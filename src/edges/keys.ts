/**
 * RocksDB keys for the per-window edge and metric stores. Keys sort by window first
 * (13-digit zero-padded ms covers 1970 to 2286), so "every window that has closed" is one
 * range scan from the kind's prefix up to the first open window. Name parts are escaped
 * (`%` → `%25`, `|` → `%7C`) so a service called `a|b` cannot forge another key.
 */
import { CONNECTION_TYPES as ALL_CONNECTION_TYPES } from './types.ts';
import type { ConnectionType, DependencyEdge, SpanMetrics } from './types.ts';

export const EDGE_KEY_PREFIX = 'edge|';
export const METRIC_KEY_PREFIX = 'metric|';

/** The fields that identify one edge row; a DependencyEdge satisfies it. */
export type EdgeIdentity = Pick<DependencyEdge, 'windowStartMs' | 'parent' | 'child' | 'connectionType'>;
/** The fields that identify one span-metrics row; a SpanMetrics satisfies it. */
export type MetricIdentity = Pick<SpanMetrics, 'windowStartMs' | 'service' | 'operation' | 'kind' | 'statusCode'>;

/** `[from, to)` in the store's byte order, as `KeyValueStore.range` takes it. */
export interface KeyRange {
  readonly from: string;
  readonly to: string;
}

const WINDOW_DIGITS = 13;
const MAX_WINDOW_MS = 10 ** WINDOW_DIGITS - 1;
const CONNECTION_TYPES: ReadonlySet<string> = new Set<string>(ALL_CONNECTION_TYPES);

function encodeWindow(windowStartMs: number): string {
  if (!Number.isSafeInteger(windowStartMs) || windowStartMs < 0 || windowStartMs > MAX_WINDOW_MS) {
    throw new RangeError(`window start must be an integer ms in [0, ${MAX_WINDOW_MS}], got ${windowStartMs}`);
  }
  return String(windowStartMs).padStart(WINDOW_DIGITS, '0');
}

/** Most names hold neither character: a scan is cheaper than two regex passes that find nothing. */
const escapePart = (s: string): string =>
  s.includes('%') || s.includes('|') ? s.replace(/%/g, '%25').replace(/\|/g, '%7C') : s;
const unescapePart = (s: string): string => s.replace(/%(25|7C)/g, (_m, code: string) => (code === '25' ? '%' : '|'));

function decodeWindow(s: string | undefined): number | undefined {
  return s !== undefined && /^\d{13}$/.test(s) ? Number(s) : undefined;
}

/** Store key of an edge row: `edge|<window>|<parent>|<child>|<connectionType>`. */
export function edgeKey(id: EdgeIdentity): string {
  return edgeKeyUnder(edgeWindowPrefix(id.windowStartMs), id);
}

/** Store key of a metrics row: `metric|<window>|<service>|<operation>|<kind>|<statusCode>`. */
export function metricKey(id: MetricIdentity): string {
  return metricKeyUnder(metricWindowPrefix(id.windowStartMs), id);
}

/**
 * {@link edgeKey} given its window's {@link edgeWindowPrefix}, so a caller keying many rows
 * of few windows encodes each window once.
 */
export function edgeKeyUnder(windowPrefix: string, id: Omit<EdgeIdentity, 'windowStartMs'>): string {
  return `${windowPrefix}${escapePart(id.parent)}|${escapePart(id.child)}|${id.connectionType}`;
}

/** {@link metricKey} given its window's {@link metricWindowPrefix}. */
export function metricKeyUnder(windowPrefix: string, id: Omit<MetricIdentity, 'windowStartMs'>): string {
  return `${windowPrefix}${escapePart(id.service)}|${escapePart(id.operation)}|${id.kind}|${id.statusCode}`;
}

/** Prefix of every edge key of one window (for a prefix scan of that window). */
export function edgeWindowPrefix(windowStartMs: number): string {
  return `${EDGE_KEY_PREFIX}${encodeWindow(windowStartMs)}|`;
}

/** Prefix of every metrics key of one window. */
export function metricWindowPrefix(windowStartMs: number): string {
  return `${METRIC_KEY_PREFIX}${encodeWindow(windowStartMs)}|`;
}

/** Edge keys of every window starting before `windowStartMs` (and at or after `fromMs`): the closed windows. */
export function edgeKeysBefore(windowStartMs: number, fromMs = 0): KeyRange {
  return { from: `${EDGE_KEY_PREFIX}${encodeWindow(fromMs)}`, to: `${EDGE_KEY_PREFIX}${encodeWindow(windowStartMs)}` };
}

/** Metrics keys of every window starting before `windowStartMs` (and at or after `fromMs`). */
export function metricKeysBefore(windowStartMs: number, fromMs = 0): KeyRange {
  return { from: `${METRIC_KEY_PREFIX}${encodeWindow(fromMs)}`, to: `${METRIC_KEY_PREFIX}${encodeWindow(windowStartMs)}` };
}

/** Inverse of {@link edgeKey}; undefined for anything edgeKey cannot have produced. */
export function parseEdgeKey(key: string): EdgeIdentity | undefined {
  const parts = key.split('|');
  if (parts.length !== 5 || `${parts[0]}|` !== EDGE_KEY_PREFIX) return undefined;
  const [, window, parent, child, type] = parts;
  const windowStartMs = decodeWindow(window);
  if (windowStartMs === undefined || parent === undefined || child === undefined) return undefined;
  if (type === undefined || !CONNECTION_TYPES.has(type)) return undefined;
  return { windowStartMs, parent: unescapePart(parent), child: unescapePart(child), connectionType: type as ConnectionType };
}

/** Inverse of {@link metricKey}; undefined for anything metricKey cannot have produced. */
export function parseMetricKey(key: string): MetricIdentity | undefined {
  const parts = key.split('|');
  if (parts.length !== 6 || `${parts[0]}|` !== METRIC_KEY_PREFIX) return undefined;
  const [, window, service, operation, kind, status] = parts;
  const windowStartMs = decodeWindow(window);
  if (windowStartMs === undefined || service === undefined || operation === undefined) return undefined;
  if (kind === undefined || status === undefined || !/^\d+$/.test(kind) || !/^\d+$/.test(status)) return undefined;
  return {
    windowStartMs,
    service: unescapePart(service),
    operation: unescapePart(operation),
    kind: Number(kind),
    statusCode: Number(status),
  };
}
