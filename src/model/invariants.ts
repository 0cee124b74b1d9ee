/**
 * The scalar and structural invariants of a model span, shared by every decoder through
 * `validateSpan` and, for the ones a decoder must stop at while converting (nesting depth),
 * used by the converters themselves: nothing invalid passes one door that another would stop.
 */
import type { AnyValue, Attributes } from './span.ts';
import { FieldError } from './field-error.ts';

/**
 * Unix ns times are OTLP fixed64, but the model keeps them in [0, 2^63): that is what an Avro
 * long, ClickHouse's DateTime64(9) and the window keys hold, and a value past it is a client
 * bug (typically a negative number read as unsigned).
 */
export const TIME_NANOS_LIMIT = 2n ** 63n;
/** AnyValue nesting (arrays and kvlists inside each other); a top-level attribute value is depth 1. */
export const MAX_VALUE_DEPTH = 32;
export const MAX_SPAN_KIND = 5;
export const MAX_STATUS_CODE = 2;

/* Checks take the span's path and the field apart, so the reason string is only built for a problem. */

export function checkTime(ns: bigint, path: string, field: string): string | undefined {
  return ns >= 0n && ns < TIME_NANOS_LIMIT ? undefined : `${path}.${field}: ${ns} is outside [0, 2^63) ns`;
}

export function checkEnum(v: number, max: number, path: string, field: string): string | undefined {
  return Number.isInteger(v) && v >= 0 && v <= max ? undefined : `${path}.${field}: one of 0..${max} expected, got ${v}`;
}

/** Flags and dropped counts: OTLP uint32. */
export function checkUint32(v: number, path: string, field: string): string | undefined {
  return Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? undefined : `${path}.${field}: uint32 expected, got ${v}`;
}

/** What a converter throws when a value nests past MAX_VALUE_DEPTH (before recursing further). */
export function tooDeep(field: string): FieldError {
  return new FieldError(field, `value nested deeper than ${MAX_VALUE_DEPTH} levels`);
}

export interface AttributeLimits {
  readonly maxAttributes: number;
  readonly maxAttributeValueLength: number;
}

/** Where a value sits below an attribute list; rendered into a path only when it is wrong. */
interface Loc {
  readonly up: Loc | undefined;
  readonly key: string | number;
}
interface Pending {
  readonly v: AnyValue;
  readonly depth: number;
  readonly loc: Loc;
}

function render(path: string, loc: Loc): string {
  const parts: string[] = [];
  for (let l: Loc | undefined = loc; l; l = l.up) parts.push(typeof l.key === 'number' ? `[${l.key}]` : `[${JSON.stringify(l.key)}]`);
  return path + parts.reverse().join('');
}

/** A scalar's problem, or undefined; the path is rendered only when there is one. */
function checkScalar(v: AnyValue, limits: AttributeLimits, base: string, loc: Loc): string | undefined {
  switch (v.type) {
    case 'string':
    case 'bytes':
      return v.value.length > limits.maxAttributeValueLength
        ? `${render(base, loc)}: value of length ${v.value.length} exceeds the limit of ${limits.maxAttributeValueLength}`
        : undefined;
    case 'int':
      return v.value < -TIME_NANOS_LIMIT || v.value >= TIME_NANOS_LIMIT ? `${render(base, loc)}: ${v.value} is outside the int64 range` : undefined;
    default:
      return undefined;
  }
}

function visitList(list: Attributes, depth: number, up: Loc | undefined, base: string, limits: AttributeLimits, stack: Pending[]): string | undefined {
  if (list.length > limits.maxAttributes) {
    return `${up ? render(base, up) : base}: ${list.length} attributes exceed the limit of ${limits.maxAttributes}`;
  }
  for (const kv of list) {
    const v = kv.value;
    if (kv.key.length > limits.maxAttributeValueLength) {
      return `${render(base, { up, key: kv.key })}: key of length ${kv.key.length} exceeds the limit of ${limits.maxAttributeValueLength}`;
    }
    if (v.type === 'array' || v.type === 'kvlist') {
      stack.push({ v, depth, loc: { up, key: kv.key } });
    } else if (v.type === 'string' || v.type === 'bytes' || v.type === 'int') {
      const p = checkScalar(v, limits, base, { up, key: kv.key });
      if (p) return p;
    }
  }
  return undefined;
}

/**
 * Checks the attribute list at `path.field` and every value below it: counts, key and value
 * lengths, int64 range and nesting depth. Iterative (containers wait on an explicit stack),
 * so no input can overflow the call stack here.
 */
export function checkAttributeTree(attrs: Attributes, path: string, field: string, limits: AttributeLimits): string | undefined {
  if (attrs.length === 0) return undefined;
  const base = `${path}.${field}`;
  const stack: Pending[] = [];
  const top = visitList(attrs, 1, undefined, base, limits, stack);
  if (top) return top;
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { v, depth, loc } = item;
    if (depth > MAX_VALUE_DEPTH) return `${render(base, loc)}: value nested deeper than ${MAX_VALUE_DEPTH} levels`;
    if (v.type === 'kvlist') {
      const p = visitList(v.values, depth + 1, loc, base, limits, stack);
      if (p) return p;
    } else if (v.type === 'array') {
      for (let i = 0; i < v.values.length; i++) {
        const x = v.values[i] as AnyValue;
        const at = { up: loc, key: i };
        if (x.type === 'array' || x.type === 'kvlist') stack.push({ v: x, depth: depth + 1, loc: at });
        else {
          const p = checkScalar(x, limits, base, at);
          if (p) return p;
        }
      }
    }
  }
  return undefined;
}
