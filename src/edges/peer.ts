/**
 * What the attributes of a call's spans say about the call: its connection type and, for a
 * caller whose peer sent no spans, the name of the virtual node standing for that peer.
 * Attribute names follow the OTel semantic conventions, old and new spellings both.
 */
import { findAttribute, SpanKind } from '../model/span.ts';
import type { Span } from '../model/span.ts';
import type { ConnectionType } from './types.ts';

/** A non-empty string attribute, or undefined: other value types never name a peer. */
export function stringAttribute(span: Span, key: string): string | undefined {
  const v = findAttribute(span.attributes, key);
  return v?.type === 'string' && v.value !== '' ? v.value : undefined;
}

function firstString(span: Span, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const v = stringAttribute(span, key);
    if (v !== undefined) return v;
  }
  return undefined;
}

const ADDRESS_KEYS = ['server.address', 'net.peer.name', 'http.host'] as const;
const DB_NAME_KEYS = ['db.name', 'db.namespace'] as const;
const DESTINATION_KEYS = ['messaging.destination.name', 'messaging.destination'] as const;

/**
 * What the edges read of a span's attributes, for readers that build only that
 * (serde/span-skeleton.ts): the values of these keys, and whether any key starts with one
 * of `EDGE_PRESENCE_PREFIXES` (one such attribute is enough). Of an INTERNAL (or unset)
 * span nothing: it is never one end of a call.
 */
export const EDGE_VALUE_KEYS: readonly string[] = ['db.system', 'messaging.system', 'rpc.system', 'peer.service', ...ADDRESS_KEYS, ...DB_NAME_KEYS, ...DESTINATION_KEYS];
export const EDGE_PRESENCE_PREFIXES: readonly string[] = ['http.', 'url.'];
export const edgesReadAttributes = (kind: Span['kind']): boolean => kind !== SpanKind.INTERNAL && kind !== SpanKind.UNSPECIFIED;

const isMessagingKind = (s: Span): boolean => s.kind === SpanKind.PRODUCER || s.kind === SpanKind.CONSUMER;
const hasHttpAttributes = (s: Span): boolean => s.attributes.some((kv) => EDGE_PRESENCE_PREFIXES.some((p) => kv.key.startsWith(p)));

/**
 * Connection type of a call from the spans that record it (caller and callee sides). The
 * most specific signal wins — a database call is also often over a socket with a
 * `server.address`, a gRPC call also carries `http.*` — so the checks run in priority
 * order: database, messaging, rpc, http, other.
 */
export function connectionTypeOf(spans: readonly Span[]): ConnectionType {
  if (spans.some((s) => stringAttribute(s, 'db.system') !== undefined)) return 'database';
  if (spans.some((s) => isMessagingKind(s) || stringAttribute(s, 'messaging.system') !== undefined)) return 'messaging';
  if (spans.some((s) => stringAttribute(s, 'rpc.system') !== undefined)) return 'rpc';
  if (spans.some(hasHttpAttributes)) return 'http';
  return 'other';
}

/**
 * Name of the uninstrumented peer a CLIENT span called: `peer.service` (what the caller
 * says the peer is called), else the database as `system` or `system:name` (so two
 * databases on one engine stay apart), else the host it dialled. Undefined when the span
 * says nothing usable — an edge to nowhere would only add noise to the map.
 */
export function clientPeerName(span: Span): string | undefined {
  const peer = stringAttribute(span, 'peer.service');
  if (peer !== undefined) return peer;
  const system = stringAttribute(span, 'db.system');
  if (system !== undefined) {
    const db = firstString(span, DB_NAME_KEYS);
    return db === undefined ? system : `${system}:${db}`;
  }
  return firstString(span, ADDRESS_KEYS);
}

/** Name of the topic/queue a PRODUCER span sent to, standing for its absent consumers. */
export function producerDestinationName(span: Span): string | undefined {
  return firstString(span, DESTINATION_KEYS);
}
