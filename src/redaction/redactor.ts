/**
 * Applies the `redaction:` config to a decoded span before it goes anywhere: span,
 * resource, event and link attributes (nested arrays and kvlists included), and span
 * names, status messages and event names where a value rule says so. Nothing is mutated:
 * a span nothing touched comes back as the same object, so the common case allocates nothing.
 */
import { createHash, createHmac } from 'node:crypto';
import type { AnyValue, Attributes, KeyValue, Resource, Span } from '../model/span.ts';
import type { Counter, MetricsRegistry } from '../metrics/registry.ts';
import type { RedactionConfig } from './config.ts';
import { Tally } from './tally.ts';
import { MASK, ValueRedactor } from './values.ts';

/** Header our ingest puts on raw-spans records it already redacted (value: the config fingerprint). */
export const REDACTED_HEADER = 'tailstream-redaction';

/** The headers our ingest's records carry: the marker when spans were redacted, else none. */
export function redactedHeaders(redactor: Redactor | undefined): Record<string, string> {
  return redactor === undefined ? {} : { [REDACTED_HEADER]: redactor.fingerprint };
}

export class Redactor {
  /** Identifies this config (the HMAC key only through a keyed digest): equal fingerprints redact alike. */
  readonly fingerprint: string;
  private readonly values: ValueRedactor;
  private readonly ignored: ReadonlySet<string>;
  private readonly allowed: ReadonlySet<string>;
  private readonly removed: ReadonlySet<string>;
  private readonly counter: Counter | undefined;
  private readonly resources = new WeakMap<Resource, { resource: Resource; tally: Tally }>();
  // Per-attribute state, in fields rather than closures: this runs for every attribute of every span.
  private hit = false;
  private tally = new Tally();
  private readonly fired = (rule: string, action: 'masked' | 'hashed'): void => {
    this.hit = true;
    this.counter?.inc({ rule, action });
  };
  private readonly nested = (key: string, value: AnyValue): AnyValue | undefined => this.attribute({ key, value }, this.tally, false)?.value;

  constructor(
    private readonly config: RedactionConfig,
    registry?: MetricsRegistry,
  ) {
    this.values = new ValueRedactor(config);
    this.ignored = new Set(config.ignoredKeys);
    this.allowed = new Set(config.allowedKeys);
    this.removed = new Set(config.removedKeys);
    this.counter = registry?.counter('tailstream_redactions_total', 'Attributes and names redacted before storage, by rule and action (removed, masked, hashed)');
    this.fingerprint = fingerprint(config);
  }

  /** The span as it may be stored. */
  redact(span: Span): Span {
    const tally = new Tally();
    const fired = this.fired;
    const res = this.resource(span.resource);
    tally.add(res.tally);
    const attributes = this.attributes(span.attributes, tally);
    const name = this.values.covers('span_name') ? this.named(span.name, 'span_name', 'span.name', tally, fired) : span.name;
    const message = this.values.covers('status_message') ? this.named(span.status.message, 'status_message', 'status.message', tally, fired) : span.status.message;
    let events = span.events;
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as Span['events'][number];
      const attrs = this.attributes(e.attributes, tally);
      const eventName = this.values.covers('event_name') ? this.named(e.name, 'event_name', 'event.name', tally, fired) : e.name;
      if (attrs !== e.attributes || eventName !== e.name) {
        if (events === span.events) events = [...events];
        (events as Span['events'][number][])[i] = { ...e, name: eventName, attributes: attrs };
      }
    }
    let links = span.links;
    for (let i = 0; i < links.length; i++) {
      const l = links[i] as Span['links'][number];
      const attrs = this.attributes(l.attributes, tally);
      if (attrs !== l.attributes) {
        if (links === span.links) links = [...links];
        (links as Span['links'][number][])[i] = { ...l, attributes: attrs };
      }
    }
    const summary = tally.summary(this.config.summary);
    if (res.resource === span.resource && attributes === span.attributes && name === span.name && message === span.status.message && events === span.events && links === span.links && summary.length === 0) {
      return span;
    }
    return {
      ...span,
      name,
      status: message === span.status.message ? span.status : { ...span.status, message },
      attributes: summary.length === 0 ? attributes : [...attributes, ...summary],
      events,
      links,
      resource: res.resource,
    };
  }

  /** Masks what any value rule matches: for text that quotes input (dead-letter reasons). */
  redactText(text: string): string {
    return this.values.anyText(text);
  }

  /** Decoders hand every span of one resource the same object: redact it once. */
  private resource(resource: Resource): { resource: Resource; tally: Tally } {
    const cached = this.resources.get(resource);
    if (cached !== undefined) return cached;
    const tally = new Tally();
    const attributes = this.attributes(resource.attributes, tally);
    const out = { resource: attributes === resource.attributes ? resource : { ...resource, attributes }, tally };
    this.resources.set(resource, out);
    return out;
  }

  private named(text: string, target: 'span_name' | 'status_message' | 'event_name', label: string, tally: Tally, fired: (rule: string, action: 'masked' | 'hashed') => void): string {
    const out = this.values.text(text, target, fired);
    if (out !== text) tally.masked(label);
    return out;
  }

  private attributes(list: Attributes, tally: Tally): Attributes {
    let out: KeyValue[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const kv = list[i] as KeyValue;
      const next = this.attribute(kv, tally, true);
      if (next !== kv && out === undefined) out = list.slice(0, i);
      if (out !== undefined && next !== undefined) out.push(next);
    }
    return out ?? list;
  }

  /** The attribute as stored, or undefined when removed. The allow-list applies at the top level only. */
  private attribute(kv: KeyValue, tally: Tally, top: boolean): KeyValue | undefined {
    const key = kv.key;
    if (this.ignored.has(key)) {
      tally.ignored();
      return kv;
    }
    if (top && !this.config.allowAllKeys) {
      if (!this.allowed.has(key) && !this.config.allowedKeyPatterns.some((p) => p.regex.test(key))) return this.remove(key, 'allowed_keys', tally);
      tally.allowed(key);
    }
    if (this.removed.has(key)) return this.remove(key, 'removed_keys', tally);
    for (const p of this.config.removedKeyPatterns) if (p.regex.test(key)) return this.remove(key, p.rule, tally);
    for (const p of this.config.blockedKeyPatterns) {
      if (!p.regex.test(key)) continue;
      const hashing = this.config.hash !== undefined;
      this.counter?.inc({ rule: p.rule, action: hashing ? 'hashed' : 'masked' });
      tally.masked(key);
      return { key, value: { type: 'string', value: hashing ? this.values.hash(valueText(kv.value)) : MASK } };
    }
    const outer = this.hit;
    const outerTally = this.tally;
    this.hit = false;
    this.tally = tally;
    const value = this.values.value(kv.value, this.fired, this.nested);
    if (this.hit) tally.masked(key);
    this.hit = outer;
    this.tally = outerTally;
    return value === kv.value ? kv : { key, value };
  }

  private remove(key: string, rule: string, tally: Tally): undefined {
    this.counter?.inc({ rule, action: 'removed' });
    tally.removed(key);
    return undefined;
  }
}

/** A value's text for hashing a whole value, as the Collector's AsString (JSON for composites). */
function valueText(v: AnyValue): string {
  if (v.type === 'string') return v.value;
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString('base64') : x));
}

function fingerprint(config: RedactionConfig): string {
  const keyed = config.hash === undefined ? undefined : { ...config.hash, key: createHmac('sha256', config.hash.key).update('tailstream-redaction-fingerprint').digest('hex') };
  const text = JSON.stringify({ ...config, hash: keyed }, (_k, x: unknown) => (x instanceof RegExp ? `/${x.source}/${x.flags}` : x));
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
