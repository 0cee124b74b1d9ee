import { describe, expect, it } from 'vitest';
import { parseRedactionConfig } from '../../../src/redaction/config.ts';
import { BUILTIN_PATTERNS, luhnValid } from '../../../src/redaction/patterns.ts';
import { ValueRedactor } from '../../../src/redaction/values.ts';

/** One built-in pattern, masking, on attribute text. */
function masker(name: string): (text: string) => string {
  const v = new ValueRedactor(parseRedactionConfig({ allow_all_keys: true, patterns: [name] }));
  return (text) => v.text(text, 'attributes', () => undefined);
}

describe('luhnValid', () => {
  it.each([
    ['4111111111111111', true], // Visa test number
    ['4111 1111 1111 1111', true],
    ['5555-5555-5555-4444', true], // Mastercard
    ['378282246310005', true], // Amex, 15 digits
    ['6011111111111117', true], // Discover
    ['4111111111111112', false], // one digit off
    ['1234567890123456', false],
    ['411111111111', false], // 12 digits: too short for a card
    ['41111111111111111111', false], // 20 digits: too long
  ])('%s → %s', (digits, valid) => {
    expect(luhnValid(digits)).toBe(valid);
  });
});

describe('built-in patterns', () => {
  it.each([
    ['credit_card', 'card 4111 1111 1111 1111 ok', 'card **** ok'],
    ['credit_card', 'amex 378282246310005.', 'amex ****.'],
    ['credit_card', 'pan=5555-5555-5555-4444&x=1', 'pan=****&x=1'],
    ['credit_card', 'order 4111111111111112 (not Luhn)', 'order 4111111111111112 (not Luhn)'],
    ['credit_card', 'id 12345678901234567890123 stays', 'id 12345678901234567890123 stays'],
    ['credit_card', 'ts 1700000000', 'ts 1700000000'],
    ['email', 'mail alice.smith+tag@example.co.uk now', 'mail **** now'],
    ['email', 'a@b', 'a@b'],
    ['email', 'two: x@y.io,z@w.org', 'two: ****,****'],
    ['bearer_token', 'Authorization: Bearer eyJhbGciOi.J9x-_~+/abc==', 'Authorization: Bearer ****'],
    ['bearer_token', 'bearer   abc123 rest', 'bearer   **** rest'],
    ['bearer_token', 'the bearer of bad news', 'the bearer **** bad news'],
    ['ipv4', 'from 192.168.1.20:443', 'from ****:443'],
    ['ipv4', 'version 1.2.3', 'version 1.2.3'],
    ['ipv4', '999.1.1.1 is no address', '999.1.1.1 is no address'],
    ['ipv6', 'peer 2001:db8::8a2e:370:7334 up', 'peer **** up'],
    ['ipv6', 'fe80::1.', '****'],
    ['ipv6', '[::ffff:10.0.0.1]:80', '[****]:80'],
    ['ipv6', 'std::vector at 12:30:45', 'std::vector at 12:30:45'],
    ['ipv6', 'mac aa:bb:cc:dd:ee:ff', 'mac aa:bb:cc:dd:ee:ff'],
  ])('%s: %j → %j', (name, input, expected) => {
    expect(masker(name)(input)).toBe(expected);
  });

  // Each regex refuses start positions inside a run of its own characters, so adversarial
  // values cost linear time; the bench (`npm run bench -- redaction`) times these inputs.
  it.each(Object.keys(BUILTIN_PATTERNS))('%s finds a secret after a long near-miss run', (name) => {
    const secret = { credit_card: '4111111111111111', email: 'a@example.com', bearer_token: 'Bearer tok', ipv4: '10.1.2.3', ipv6: '2001:db8::1' }[name] as string;
    const nearMiss = { credit_card: '1 '.repeat(20_000), email: 'a'.repeat(40_000), bearer_token: 'bearer'.repeat(5_000), ipv4: '1.'.repeat(20_000), ipv6: 'a:'.repeat(20_000) }[name] as string;
    const out = masker(name)(`${nearMiss} ${secret}`);
    expect(out.endsWith(name === 'bearer_token' ? 'Bearer ****' : '****')).toBe(true);
  });
});
