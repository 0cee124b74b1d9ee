import { describe, expect, it } from 'vitest';
import { parseRedactionConfig } from '../../../src/redaction/config.ts';
import { nestedQuantifier } from '../../../src/redaction/safe-regex.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('redaction config', () => {
  it.each([
    [{ blocked_values: ['4[0-9'] }, /redaction\.blocked_values\[0\]: invalid regular expression "4\[0-9"/],
    [{ blocked_key_patterns: ['ok', '(a+)+$'] }, /redaction\.blocked_key_patterns\[1\]: .*repeats a repeated group \(\(a\+\)\+\)/],
    [{ patterns: ['ssn'] }, /redaction\.patterns\[0\]\.name: unknown built-in pattern "ssn"/],
    [{ patterns: [{ name: 'email', apply_to: ['body'] }] }, /redaction\.patterns\[0\]\.apply_to\[0\]: expected one of attributes/],
    [{ patterns: [{ name: 'x', regex: 'y', action: 'hash' }] }, /redaction\.patterns\[0\]\.action: hash needs redaction\.hash_function/],
    [{ hash_function: 'sha256' }, /redaction\.hash_function: expected one of hmac_sha256/],
    [{ hash_function: 'hmac_sha256', hmac_key: 'short' }, /redaction\.hmac_key: hmac_sha256 needs a key/],
    [{ summary: 'loud' }, /redaction\.summary: expected debug, info or silent/],
    [{ allowed_keyz: [] }, /redaction\.allowed_keyz: unknown field/],
  ])('%j is refused naming the field', (config, message) => {
    expect(() => parseRedactionConfig(config)).toThrow(message);
  });

  it('takes a Collector block as is, (?i) included', () => {
    const c = parseRedactionConfig({ allow_all_keys: false, allowed_keys: ['id'], ignored_keys: ['safe'], blocked_key_patterns: ['(?i).*TOKEN.*'], blocked_values: ['4[0-9]{12}(?:[0-9]{3})?'], allowed_values: ['.+@mycompany.com'], hash_function: 'md5', summary: 'debug' });
    expect(c.blockedKeyPatterns[0]?.regex.test('x-token')).toBe(true);
    expect(c.valueRules[0]?.action).toBe('hash');
  });

  it.each([
    ['(a+)+', '(a+)+'],
    ['(?:x*y)*z', '(?:x*y)*'],
    ['((ab)+c)+', '((ab)+c)+'],
    ['(a{2,})*', '(a{2,})*'],
    ['[(a+)]+', undefined],
    ['\\(a+\\)+', undefined],
    ['(?:\\.[a-z]{1,63}){1,8}', undefined],
    ['(a+)?', undefined],
    ['4[0-9]{12}(?:[0-9]{3})?', undefined],
  ])('nestedQuantifier(%s) → %s', (source, found) => {
    expect(nestedQuantifier(source)).toBe(found);
  });

  it('the config file loads a redaction section, with the HMAC key from the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'redaction-config-'));
    const file = join(dir, 'tailstream.yaml');
    writeFileSync(file, 'redaction:\n  allow_all_keys: true\n  hash_function: hmac_sha256\n  patterns: [email]\n');
    const config = loadConfig({ TAILSTREAM_CONFIG: file, REDACTION_HMAC_KEY: 'k'.repeat(20) });
    expect(config.redaction?.hash).toEqual({ function: 'hmac_sha256', key: 'k'.repeat(20) });
    expect(() => loadConfig({ TAILSTREAM_CONFIG: file })).toThrow(`${file}: redaction.hmac_key: hmac_sha256 needs a key`);
    expect(loadConfig({}).redaction).toBeUndefined();
  });
});

describe('examples/redaction.yaml', () => {
  it('loads, and masks card numbers, e-mail addresses and bearer tokens', async () => {
    const { Redactor } = await import('../../../src/redaction/redactor.ts');
    const { makeSpan } = await import('../../fixtures/clickhouse.ts');
    const config = loadConfig({ TAILSTREAM_CONFIG: join(import.meta.dirname, '../../../examples/redaction.yaml') });
    const r = new Redactor(config.redaction as NonNullable<typeof config.redaction>);
    const out = r.redact(
      makeSpan({
        name: 'charge 4111 1111 1111 1111',
        attributes: [
          { key: 'msg', value: { type: 'string', value: 'mail bob@example.com, Authorization: Bearer abc.def' } },
          { key: 'db.password', value: { type: 'string', value: 'hunter2' } },
          { key: 'card', value: { type: 'int', value: 5555555555554444n } },
        ],
      }),
    );
    expect(out.name).toBe('charge ****');
    expect(out.attributes.map((kv) => [kv.key, 'value' in kv.value ? kv.value.value : undefined])).toEqual([
      ['msg', 'mail ****, Authorization: Bearer ****'],
      ['db.password', '****'],
      ['card', '****'],
      ['redaction.masked.count', 4n],
    ]);
    expect(get(out.resource.attributes)).toBe('frontend');
  });
});

function get(attrs: readonly { key: string; value: { type: string } }[]): unknown {
  const v = attrs.find((kv) => kv.key === 'service.name')?.value;
  return v && 'value' in v ? v.value : undefined;
}
