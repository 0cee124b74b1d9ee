import { ADAPTIVE_DEFAULTS } from './adaptive.ts';
import type { AdaptiveConfig } from './adaptive.ts';
import { ObjectReader, ConfigError, describe } from '../util/config-reader.ts';
import { POLICY_TYPES, TOP_LEVEL_ONLY } from './config-policy-types.ts';
import type { CompositeConfig, PolicyConfig, PolicyType, StatusCodeName } from './config-policy-types.ts';
import { errorMessage } from '../util/errors.ts';

const STATUS_CODES: readonly StatusCodeName[] = ['ERROR', 'OK', 'UNSET'];
const positive = { min: 0, exclusiveMin: true } as const;
const nonNegative = { min: 0 } as const;

/** A list of policies at `path`, with unique names (decisions are reported by name). */
export function parsePolicyList(items: readonly { value: unknown; path: string }[], topLevel: boolean): PolicyConfig[] {
  const byName = new Map<string, string>();
  return items.map(({ value, path }) => {
    const p = parsePolicy(value, path, topLevel);
    const first = byName.get(p.name);
    if (first !== undefined) throw new ConfigError(`${path}.name`, `duplicate policy name "${p.name}" (also at ${first})`);
    byName.set(p.name, path);
    return p;
  });
}

/** One `{ name, type, <type>: {...} }` entry; the body sits under the key named by `type`. */
export function parsePolicy(value: unknown, path: string, topLevel: boolean): PolicyConfig {
  const r = ObjectReader.of(value, path);
  const name = r.string('name');
  if (name === '') throw new ConfigError(r.at('name'), 'expected a non-empty string');
  const rawType = r.string('type');
  const type = POLICY_TYPES.find((t) => t === rawType);
  if (type === undefined) {
    throw new ConfigError(r.at('type'), `unknown policy type ${describe(rawType)} (valid types: ${POLICY_TYPES.join(', ')})`);
  }
  if (!topLevel && TOP_LEVEL_ONLY.includes(type)) {
    throw new ConfigError(r.at('type'), `"${type}" is only allowed in the top-level policies list`);
  }
  const policy = parseBody(name, type, r);
  r.done();
  return policy;
}

function parseBody(name: string, type: PolicyType, r: ObjectReader): PolicyConfig {
  if (type === 'always_sample') {
    if (r.has(type)) r.object(type).done();
    return { name, type };
  }
  const b = r.object(type);
  const policy = parseTyped(name, type, b);
  b.done();
  return policy;
}

function parseTyped(name: string, type: Exclude<PolicyType, 'always_sample'>, b: ObjectReader): PolicyConfig {
  switch (type) {
    case 'probabilistic':
      return {
        name,
        type,
        probabilistic: {
          hash_salt: b.string('hash_salt', 'default-hash-seed'),
          sampling_percentage: b.number('sampling_percentage', { ...positive, max: 100 }),
        },
      };
    case 'latency': {
      const threshold = b.number('threshold_ms', nonNegative);
      const upper = b.number('upper_threshold_ms', nonNegative, 0);
      if (upper !== 0 && upper < threshold) {
        throw new ConfigError(b.at('upper_threshold_ms'), `must be 0 or >= threshold_ms (${threshold}), got ${upper}`);
      }
      return { name, type, latency: { threshold_ms: threshold, upper_threshold_ms: upper } };
    }
    case 'status_code': {
      const codes = b.list('status_codes', { required: true, nonEmpty: true }).map(({ value, path }) => {
        const code = STATUS_CODES.find((c) => c === value);
        if (code === undefined) throw new ConfigError(path, `expected one of ERROR, OK, UNSET, got ${describe(value)}`);
        return code;
      });
      return { name, type, status_code: { status_codes: codes } };
    }
    case 'string_attribute': {
      const key = b.string('key');
      const values = b.stringList('values', { required: true, nonEmpty: true });
      const regex = b.bool('enabled_regex_matching', false);
      if (regex) values.forEach((v, i) => checkRegex(v, `${b.at('values')}[${i}]`));
      return {
        name,
        type,
        string_attribute: {
          key,
          values,
          enabled_regex_matching: regex,
          cache_max_size: b.number('cache_max_size', { integer: true, min: 1 }, 128),
          invert_match: b.bool('invert_match', false),
        },
      };
    }
    case 'numeric_attribute': {
      const key = b.string('key');
      const min = b.optionalNumber('min_value', {});
      const max = b.optionalNumber('max_value', {});
      if (min === undefined && max === undefined) throw new ConfigError(b.path, 'set min_value, max_value or both');
      if (min !== undefined && max !== undefined && max < min) {
        throw new ConfigError(b.at('max_value'), `must be >= min_value (${min}), got ${max}`);
      }
      const invert = b.bool('invert_match', false);
      return { name, type, numeric_attribute: { key, min_value: min, max_value: max, invert_match: invert } };
    }
    case 'boolean_attribute': {
      const key = b.string('key');
      const v = b.required('value');
      if (typeof v !== 'boolean') throw new ConfigError(b.at('value'), `expected true or false, got ${describe(v)}`);
      return { name, type, boolean_attribute: { key, value: v, invert_match: b.bool('invert_match', false) } };
    }
    case 'trace_state':
      return {
        name,
        type,
        trace_state: { key: b.string('key'), values: b.stringList('values', { required: true, nonEmpty: true }) },
      };
    case 'span_count': {
      const min = b.number('min_spans', { integer: true, min: 0 });
      const max = b.number('max_spans', { integer: true, min: 0 }, 0);
      if (max !== 0 && max < min) throw new ConfigError(b.at('max_spans'), `must be 0 or >= min_spans (${min}), got ${max}`);
      return { name, type, span_count: { min_spans: min, max_spans: max } };
    }
    case 'rate_limiting':
      return { name, type, rate_limiting: { spans_per_second: b.number('spans_per_second', positive) } };
    case 'bytes_limiting': {
      const bps = b.number('bytes_per_second', positive);
      return { name, type, bytes_limiting: { bytes_per_second: bps, burst_capacity: b.number('burst_capacity', positive, 2 * bps) } };
    }
    case 'adaptive':
      return { name, type, adaptive: parseAdaptive(b) };
    case 'and':
      return { name, type, and: { and_sub_policy: subPolicies(b, 'and_sub_policy') } };
    case 'not':
      return { name, type, not: { not_sub_policy: parsePolicy(b.required('not_sub_policy'), b.at('not_sub_policy'), false) } };
    case 'drop':
      return { name, type, drop: { drop_sub_policy: subPolicies(b, 'drop_sub_policy') } };
    case 'composite':
      return { name, type, composite: parseComposite(b) };
  }
}

function subPolicies(b: ObjectReader, key: string): PolicyConfig[] {
  return parsePolicyList(b.list(key, { required: true, nonEmpty: true }), false);
}

function checkRegex(source: string, path: string): void {
  try {
    new RegExp(source);
  } catch (err) {
    throw new ConfigError(path, `invalid regular expression: ${errorMessage(err)}`);
  }
}

function parseAdaptive(b: ObjectReader): AdaptiveConfig {
  const d = ADAPTIVE_DEFAULTS;
  return {
    target_traces_per_second: b.number('target_traces_per_second', positive),
    key_fields: b.has('key_fields') ? b.stringList('key_fields', { required: true, nonEmpty: true }) : [...d.key_fields],
    adjustment_interval: b.duration('adjustment_interval', d.adjustment_interval),
    ema_weight: b.number('ema_weight', { ...positive, max: 1 }, d.ema_weight),
    max_keys: b.number('max_keys', { integer: true, min: 1 }, d.max_keys),
    hash_salt: b.string('hash_salt', d.hash_salt),
  };
}

function parseComposite(b: ObjectReader): CompositeConfig {
  const max = b.number('max_total_spans_per_second', positive);
  const subs = subPolicies(b, 'composite_sub_policy');
  const names = subs.map((s) => s.name);
  const orderItems = b.list('policy_order', { required: false, nonEmpty: false });
  const order = orderItems.map(({ value, path }) => {
    if (typeof value !== 'string' || !names.includes(value)) {
      throw new ConfigError(path, `expected the name of a composite_sub_policy (${names.join(', ')}), got ${describe(value)}`);
    }
    return value;
  });
  const allocated = new Set<string>();
  const allocation = b.list('rate_allocation', { required: false, nonEmpty: false }).map(({ value, path }) => {
    const a = ObjectReader.of(value, path);
    const policy = a.string('policy');
    if (!names.includes(policy)) {
      throw new ConfigError(a.at('policy'), `expected the name of a composite_sub_policy (${names.join(', ')}), got ${describe(policy)}`);
    }
    if (allocated.has(policy)) throw new ConfigError(a.at('policy'), `"${policy}" already has an allocation`);
    allocated.add(policy);
    const percent = a.number('percent', { min: 0, max: 100 });
    a.done();
    return { policy, percent };
  });
  const total = allocation.reduce((sum, a) => sum + a.percent, 0);
  if (total > 100) throw new ConfigError(b.at('rate_allocation'), `percentages add up to ${total}, more than 100`);
  const fullOrder = [...new Set([...order, ...names])];
  return { max_total_spans_per_second: max, policy_order: fullOrder, composite_sub_policy: subs, rate_allocation: allocation };
}
