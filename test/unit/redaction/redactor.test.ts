import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/metrics/registry.ts';
import type { AnyValue, Attributes, Span } from '../../../src/model/span.ts';
import { parseRedactionConfig } from '../../../src/redaction/config.ts';
import { Redactor } from '../../../src/redaction/redactor.ts';
import { randomSpans } from '../../fixtures/otel-random.ts';

const str = (value: string): AnyValue => ({ type: 'string', value });
const attrs = (o: Record<string, AnyValue | string>): Attributes => Object.entries(o).map(([key, v]) => ({ key, value: typeof v === 'string' ? str(v) : v }));

function span(over: Partial<Span> = {}): Span {
  const base = randomSpans(7, 1, { simple: true })[0] as Span;
  return { ...base, attributes: [], events: [], links: [], resource: { ...base.resource, attributes: attrs({ 'service.name': 'shop' }) }, ...over };
}

function get(list: Attributes, key: string): AnyValue | undefined {
  return list.find((kv) => kv.key === key)?.value;
}

function redactor(config: Record<string, unknown>, registry?: MetricsRegistry): Redactor {
  return new Redactor(parseRedactionConfig(config), registry);
}

describe('Redactor: keys', () => {
  it('allow-list (Collector default): keys not allowed are removed, ignored keys pass untouched', () => {
    const r = redactor({ allowed_keys: ['http.method'], allowed_key_patterns: ['^service\\.'], ignored_keys: ['note'], summary: 'debug' });
    const out = r.redact(span({ attributes: attrs({ 'http.method': 'GET', 'user.email': 'a@b.c', note: '4111111111111111' }) }));
    expect(out.attributes.map((kv) => kv.key)).toEqual(['http.method', 'note', 'redaction.redacted.keys', 'redaction.redacted.count', 'redaction.allowed.keys', 'redaction.allowed.count', 'redaction.ignored.count']);
    expect(get(out.attributes, 'redaction.redacted.keys')).toEqual(str('user.email'));
    expect(get(out.resource.attributes, 'service.name')).toEqual(str('shop'));
  });

  it('removed_keys and removed_key_patterns drop attributes, also inside kvlists', () => {
    const r = redactor({ allow_all_keys: true, removed_keys: ['password'], removed_key_patterns: ['(?i)secret'] });
    const nested: AnyValue = { type: 'kvlist', values: attrs({ password: 'hunter2', ok: 'yes' }) };
    const out = r.redact(span({ attributes: attrs({ password: 'hunter2', 'DB_SECRET': 'x', body: nested, keep: 'k' }) }));
    expect(out.attributes.map((kv) => kv.key)).toEqual(['body', 'keep', 'redaction.redacted.count']);
    expect(get(out.attributes, 'body')).toEqual({ type: 'kvlist', values: attrs({ ok: 'yes' }) });
    expect(get(out.attributes, 'redaction.redacted.count')).toEqual({ type: 'int', value: 3n });
  });

  it('blocked_key_patterns mask the whole value, whatever its type', () => {
    const r = redactor({ allow_all_keys: true, blocked_key_patterns: ['.*token.*'] });
    const out = r.redact(span({ attributes: attrs({ 'auth.token': 'abc', 'token.id': { type: 'int', value: 42n }, other: 'abc' }) }));
    expect(get(out.attributes, 'auth.token')).toEqual(str('****'));
    expect(get(out.attributes, 'token.id')).toEqual(str('****'));
    expect(get(out.attributes, 'other')).toEqual(str('abc'));
    expect(get(out.attributes, 'redaction.masked.count')).toEqual({ type: 'int', value: 2n });
  });
});

describe('Redactor: values', () => {
  it('blocked_values mask matches in every attribute place, nested arrays and kvlists included', () => {
    const r = redactor({ allow_all_keys: true, blocked_values: ['SECRET-[0-9]+'] });
    const deep: AnyValue = { type: 'array', values: [str('a SECRET-1'), { type: 'kvlist', values: attrs({ k: 'SECRET-2' }) }] };
    const s = span({
      attributes: attrs({ deep }),
      resource: { attributes: attrs({ 'service.name': 'shop', host: 'SECRET-3' }), droppedAttributesCount: 0, schemaUrl: '' },
      events: [{ timeUnixNano: 1n, name: 'ev', attributes: attrs({ msg: 'SECRET-4' }), droppedAttributesCount: 0 }],
      links: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceState: '', flags: 0, attributes: attrs({ l: 'SECRET-5' }), droppedAttributesCount: 0 }],
    });
    const out = r.redact(s);
    expect(JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toMatch(/SECRET-\d/);
    expect(get(out.attributes, 'deep')).toEqual({ type: 'array', values: [str('a ****'), { type: 'kvlist', values: attrs({ k: '****' }) }] });
    expect(get(out.attributes, 'redaction.masked.count')).toEqual({ type: 'int', value: 5n }); // deep, its nested k, host, msg, l
    expect(s.attributes).toEqual(attrs({ deep })); // the input is not mutated
  });

  it('allowed_values win over blocked values', () => {
    const r = redactor({ allow_all_keys: true, patterns: ['email'], allowed_values: ['@mycompany\\.com$'] });
    const out = r.redact(span({ attributes: attrs({ a: 'ops@mycompany.com', b: 'eve@evil.org' }) }));
    expect(get(out.attributes, 'a')).toEqual(str('ops@mycompany.com'));
    expect(get(out.attributes, 'b')).toEqual(str('****'));
  });

  it('redact_all_types checks ints by their digits (a card number sent as an int)', () => {
    const card: AnyValue = { type: 'int', value: 4111111111111111n };
    expect(get(redactor({ allow_all_keys: true, patterns: ['credit_card'] }).redact(span({ attributes: attrs({ card }) })).attributes, 'card')).toEqual(card);
    expect(get(redactor({ allow_all_keys: true, patterns: ['credit_card'], redact_all_types: true }).redact(span({ attributes: attrs({ card }) })).attributes, 'card')).toEqual(str('****'));
  });

  it('redact_all_types: small numbers still meet user regexes (built-ins need 13 digits)', () => {
    const pin: AnyValue = { type: 'int', value: 1234n };
    const r = redactor({ allow_all_keys: true, redact_all_types: true, patterns: ['credit_card', { name: 'pin', regex: '^\\d{4}$' }] });
    expect(get(r.redact(span({ attributes: attrs({ pin }) })).attributes, 'pin')).toEqual(str('****'));
    expect(get(redactor({ allow_all_keys: true, redact_all_types: true, patterns: ['credit_card'] }).redact(span({ attributes: attrs({ pin }) })).attributes, 'pin')).toEqual(pin);
  });

  it('names and status messages only where a rule says so', () => {
    const s = span({ name: 'GET /users/alice@example.com', status: { code: 2, message: 'card 4111111111111111 declined' }, events: [{ timeUnixNano: 1n, name: 'sent to bob@example.com', attributes: [], droppedAttributesCount: 0 }] });
    const attrOnly = redactor({ allow_all_keys: true, patterns: ['email', 'credit_card'] }).redact(s);
    expect(attrOnly).toBe(s);
    const everywhere = redactor({
      allow_all_keys: true,
      summary: 'debug',
      patterns: [{ name: 'email', apply_to: ['span_name', 'event_name'] }, { name: 'credit_card', apply_to: ['status_message'] }],
    }).redact(s);
    expect(everywhere.name).toBe('GET /users/****');
    expect(everywhere.status).toEqual({ code: 2, message: 'card **** declined' });
    expect(everywhere.events[0]?.name).toBe('sent to ****');
    expect(get(everywhere.attributes, 'redaction.masked.keys')).toEqual(str('event.name,span.name,status.message'));
  });

  it('hmac_sha256 replaces matches with a keyed hash: equal values stay equal, and joinable', () => {
    const key = 'k'.repeat(32);
    const r = redactor({ allow_all_keys: true, patterns: ['email'], hash_function: 'hmac_sha256', hmac_key: key });
    const out = r.redact(span({ attributes: attrs({ a: 'to alice@example.com', b: 'alice@example.com' }) }));
    const h = createHmac('sha256', key).update('alice@example.com').digest('hex');
    expect(get(out.attributes, 'a')).toEqual(str(`to ${h}`));
    expect(get(out.attributes, 'b')).toEqual(str(h));
    const other = redactor({ allow_all_keys: true, patterns: ['email'], hash_function: 'hmac_sha256', hmac_key: 'x'.repeat(32) });
    expect(get(other.redact(span({ attributes: attrs({ b: 'alice@example.com' }) })).attributes, 'b')).not.toEqual(str(h));
  });

  it('a span nothing matched is returned as is, without summary attributes', () => {
    const s = span({ attributes: attrs({ a: 'plain' }) });
    expect(redactor({ allow_all_keys: true, patterns: ['email'] }).redact(s)).toBe(s);
  });

  it('summary silent adds nothing; info adds counts only', () => {
    const s = span({ attributes: attrs({ a: 'x@example.com' }) });
    expect(redactor({ allow_all_keys: true, patterns: ['email'], summary: 'silent' }).redact(s).attributes).toEqual(attrs({ a: '****' }));
    expect(redactor({ allow_all_keys: true, patterns: ['email'] }).redact(s).attributes.map((kv) => kv.key)).toEqual(['a', 'redaction.masked.count']);
  });

  it('counts redactions per rule and action in /metrics', () => {
    const registry = new MetricsRegistry();
    const r = redactor({ allow_all_keys: true, patterns: ['email'], removed_keys: ['pw'], blocked_values: ['X+'] }, registry);
    r.redact(span({ attributes: attrs({ a: 'x@example.com', b: 'y@example.com XX', pw: 'p' }) }));
    const text = registry.exposition();
    expect(text).toContain('tailstream_redactions_total{action="masked",rule="email"} 2');
    expect(text).toContain('tailstream_redactions_total{action="masked",rule="redaction.blocked_values[0]"} 1');
    expect(text).toContain('tailstream_redactions_total{action="removed",rule="removed_keys"} 1');
  });

  it('a fingerprint tells configs apart without revealing the HMAC key', () => {
    const a = redactor({ allow_all_keys: true, patterns: ['email'] });
    expect(a.fingerprint).toBe(redactor({ allow_all_keys: true, patterns: ['email'] }).fingerprint);
    expect(a.fingerprint).not.toBe(redactor({ allow_all_keys: true, patterns: ['ipv4'] }).fingerprint);
    const k1 = redactor({ allow_all_keys: true, hash_function: 'hmac_sha256', hmac_key: 'a'.repeat(16) });
    const k2 = redactor({ allow_all_keys: true, hash_function: 'hmac_sha256', hmac_key: 'b'.repeat(16) });
    expect(k1.fingerprint).not.toBe(k2.fingerprint);
  });
});
