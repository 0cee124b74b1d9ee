/**
 * The `redaction:` config section. Field names and meanings follow the OpenTelemetry
 * Collector's redaction processor (allow_all_keys, allowed_keys, ignored_keys,
 * blocked_key_patterns, blocked_values, allowed_values, redact_all_types, hash_function,
 * summary), so a Collector block can be pasted; tailstream adds removal by key
 * (removed_keys, removed_key_patterns), allow-listing by regex (allowed_key_patterns),
 * keyed hashing (hmac_sha256 + hmac_key) and named value patterns with a scope (patterns).
 * Every regex is compiled here, once; a bad one fails the start naming its field.
 */
import { ObjectReader, ConfigError, describe } from '../util/config-reader.ts';
import { BUILTIN_PATTERNS, BUILTIN_PATTERN_NAMES, type ValuePattern } from './patterns.ts';
import { nestedQuantifier } from './safe-regex.ts';

/** Where a value rule looks: attribute values always may; names and messages when a rule says so. */
export type RedactionTarget = 'attributes' | 'span_name' | 'status_message' | 'event_name';
export const REDACTION_TARGETS: readonly RedactionTarget[] = ['attributes', 'span_name', 'status_message', 'event_name'];
export type HashFunction = 'hmac_sha256' | 'sha3' | 'sha1' | 'md5';
export const HASH_FUNCTIONS: readonly HashFunction[] = ['hmac_sha256', 'sha3', 'sha1', 'md5'];
export type Summary = 'debug' | 'info' | 'silent';

/** A regex with the name metrics and errors call it by (`blocked_key_patterns[0]`). */
export interface NamedRegex {
  readonly rule: string;
  readonly regex: RegExp;
}

/** Masks or hashes the parts of a value that match. */
export interface ValueRule {
  readonly rule: string;
  readonly pattern: ValuePattern;
  readonly applyTo: readonly RedactionTarget[];
  readonly action: 'mask' | 'hash';
}

export interface RedactionConfig {
  readonly allowAllKeys: boolean;
  readonly allowedKeys: readonly string[];
  readonly allowedKeyPatterns: readonly NamedRegex[];
  readonly ignoredKeys: readonly string[];
  readonly removedKeys: readonly string[];
  readonly removedKeyPatterns: readonly NamedRegex[];
  /** Keys whose whole value is masked (or hashed). */
  readonly blockedKeyPatterns: readonly NamedRegex[];
  readonly valueRules: readonly ValueRule[];
  readonly allowedValues: readonly RegExp[];
  /** Also check int and double values by their decimal text (a card number sent as an int). */
  readonly redactAllTypes: boolean;
  readonly hash: { readonly function: HashFunction; readonly key: string } | undefined;
  readonly summary: Summary;
}

/**
 * A Go (RE2) regex as the Collector takes it, compiled for JavaScript: a leading `(?i)`
 * becomes the `i` flag. Refuses nested unbounded quantifiers, which can backtrack for
 * minutes on one value here (RE2 cannot).
 */
export function compileRegex(source: unknown, path: string, global = false): RegExp {
  if (typeof source !== 'string' || source === '') throw new ConfigError(path, `expected a regular expression, got ${describe(source)}`);
  const insensitive = source.startsWith('(?i)');
  const body = insensitive ? source.slice(4) : source;
  let regex: RegExp;
  try {
    regex = new RegExp(body, `${insensitive ? 'i' : ''}${global ? 'g' : ''}`);
  } catch (err) {
    throw new ConfigError(path, `invalid regular expression ${JSON.stringify(source)}: ${(err as Error).message}`);
  }
  const nested = nestedQuantifier(body);
  if (nested !== undefined) {
    throw new ConfigError(path, `regular expression ${JSON.stringify(source)} repeats a repeated group (${nested}), which can backtrack catastrophically; bound the inner repetition`);
  }
  return regex;
}

function namedRegexes(r: ObjectReader, key: string): NamedRegex[] {
  return r.list(key, { required: false, nonEmpty: false }).map(({ value, path }) => ({ rule: path, regex: compileRegex(value, path) }));
}

function targets(value: unknown, path: string): RedactionTarget[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError(path, `expected a list of ${REDACTION_TARGETS.join(', ')}, got ${describe(value)}`);
  return list.map((t: unknown, i) => {
    if (typeof t !== 'string' || !(REDACTION_TARGETS as readonly string[]).includes(t)) {
      throw new ConfigError(`${path}[${i}]`, `expected one of ${REDACTION_TARGETS.join(', ')}, got ${describe(t)}`);
    }
    return t as RedactionTarget;
  });
}

/** One `patterns` entry: a built-in name, or `{ name, regex?, apply_to?, action? }`. */
function patternRule(value: unknown, path: string, defaultAction: 'mask' | 'hash', hashing: boolean): ValueRule {
  const r = ObjectReader.of(typeof value === 'string' ? { name: value } : value, path);
  const name = r.string('name');
  let pattern: ValuePattern;
  if (r.has('regex')) {
    if (BUILTIN_PATTERNS[name] !== undefined) throw new ConfigError(r.at('name'), `"${name}" is a built-in pattern; give your regex another name`);
    pattern = { name, regex: compileRegex(r.raw('regex'), r.at('regex'), true) };
  } else {
    const builtin = BUILTIN_PATTERNS[name];
    if (builtin === undefined) throw new ConfigError(r.at('name'), `unknown built-in pattern "${name}" (built-in: ${BUILTIN_PATTERN_NAMES.join(', ')}; or give a regex)`);
    pattern = builtin;
  }
  const applyTo = r.has('apply_to') ? targets(r.raw('apply_to'), r.at('apply_to')) : ['attributes' as const];
  const action = r.string('action', defaultAction);
  if (action !== 'mask' && action !== 'hash') throw new ConfigError(r.at('action'), `expected mask or hash, got ${describe(action)}`);
  if (action === 'hash' && !hashing) throw new ConfigError(r.at('action'), 'hash needs redaction.hash_function');
  r.done();
  return { rule: name, pattern, applyTo, action };
}

/** Parses and compiles the section; `hmacKeyFallback` is the REDACTION_HMAC_KEY variable. */
export function parseRedactionConfig(value: unknown, path = 'redaction', hmacKeyFallback?: string): RedactionConfig {
  const r = ObjectReader.of(value, path);
  const hashFunction = r.has('hash_function') ? r.string('hash_function') : undefined;
  if (hashFunction !== undefined && !(HASH_FUNCTIONS as readonly string[]).includes(hashFunction)) {
    throw new ConfigError(r.at('hash_function'), `expected one of ${HASH_FUNCTIONS.join(', ')}, got ${describe(hashFunction)}`);
  }
  const key = r.has('hmac_key') ? r.string('hmac_key') : hmacKeyFallback;
  if (hashFunction === 'hmac_sha256' && (key === undefined || key.length < 16)) {
    throw new ConfigError(r.at('hmac_key'), 'hmac_sha256 needs a key of at least 16 characters (hmac_key, or the REDACTION_HMAC_KEY variable)');
  }
  const hash = hashFunction === undefined ? undefined : { function: hashFunction as HashFunction, key: key ?? '' };
  const defaultAction = hash ? 'hash' : 'mask';
  const blockedValues: ValueRule[] = r.list('blocked_values', { required: false, nonEmpty: false }).map(({ value: v, path: p }) => ({
    rule: p,
    pattern: { name: p, regex: compileRegex(v, p, true) },
    applyTo: ['attributes'],
    action: defaultAction,
  }));
  const patterns = r.list('patterns', { required: false, nonEmpty: false }).map(({ value: v, path: p }) => patternRule(v, p, defaultAction, hash !== undefined));
  const summary = r.string('summary', 'info');
  if (summary !== 'debug' && summary !== 'info' && summary !== 'silent') throw new ConfigError(r.at('summary'), `expected debug, info or silent, got ${describe(summary)}`);
  const config: RedactionConfig = {
    allowAllKeys: r.bool('allow_all_keys', false),
    allowedKeys: r.stringList('allowed_keys', { required: false, nonEmpty: false }),
    allowedKeyPatterns: namedRegexes(r, 'allowed_key_patterns'),
    ignoredKeys: r.stringList('ignored_keys', { required: false, nonEmpty: false }),
    removedKeys: r.stringList('removed_keys', { required: false, nonEmpty: false }),
    removedKeyPatterns: namedRegexes(r, 'removed_key_patterns'),
    blockedKeyPatterns: namedRegexes(r, 'blocked_key_patterns'),
    valueRules: [...blockedValues, ...patterns],
    allowedValues: r.list('allowed_values', { required: false, nonEmpty: false }).map(({ value: v, path: p }) => compileRegex(v, p)),
    redactAllTypes: r.bool('redact_all_types', false),
    hash,
    summary,
  };
  r.done();
  return config;
}
