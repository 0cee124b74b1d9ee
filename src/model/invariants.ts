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

export function checkTime(ns: bigint, field: string): string | undefined {
  return ns >= 0n && ns < TIME_NANOS_LIMIT ? undefined : `${field}: ${ns} is outside [0, 2^63) ns`;
}

export function checkEnum(v: number, max: number, field: string): string | undefined {
  return Number.isInteger(v) && v >= 0 && v <= max ? undefined : `${field}: one of 0..${max} expected, got ${v}`;
}

/** Flags and dropped counts: OTLP uint32. */
export function checkUint32(v: number, field: string): string | undefined {
  return Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? undefined : `${field}: uint32 expected, got ${v}`;
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

/**
 * Checks an attribute list and every value below it: counts, key and value lengths, and
 * nesting depth. Iterative, so no input can overflow the stack here.
 */
export function checkAttributeTree(attrs: Attributes, path: string, limits: AttributeLimits): string | undefined {
  const stack: Pending[] = [];
  const pushAll = (list: Attributes, depth: number, up: Loc | undefined, at: () => string): string | undefined => {
    if (list.length > limits.maxAttributes) return `${at()}: ${list.length} attributes exceed the limit of ${limits.maxAttributes}`;
    for (const kv of list) {
      const loc = { up, key: kv.key };
      if (kv.key.length > limits.maxAttributeValueLength) return `${render(path, loc)}: key of length ${kv.key.length} exceeds the limit of ${limits.maxAttributeValueLength}`;
      stack.push({ v: kv.value, depth, loc });
    }
    return undefined;
  };
  const top = pushAll(attrs, 1, undefined, () => path);
  if (top) return top;
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { v, depth, loc } = item;
    if (depth > MAX_VALUE_DEPTH) return `${render(path, loc)}: value nested deeper than ${MAX_VALUE_DEPTH} levels`;
    switch (v.type) {
      case 'string':
      case 'bytes':
        if (v.value.length > limits.maxAttributeValueLength) {
          return `${render(path, loc)}: value of length ${v.value.length} exceeds the limit of ${limits.maxAttributeValueLength}`;
        }
        break;
      case 'int':
        if (v.value < -TIME_NANOS_LIMIT || v.value >= TIME_NANOS_LIMIT) return `${render(path, loc)}: ${v.value} is outside the int64 range`;
        break;
      case 'array':
        for (let i = 0; i < v.values.length; i++) stack.push({ v: v.values[i] as AnyValue, depth: depth + 1, loc: { up: loc, key: i } });
        break;
      case 'kvlist': {
        const p = pushAll(v.values, depth + 1, loc, () => render(path, loc));
        if (p) return p;
        break;
      }
      default:
        break;
    }
  }
  return undefined;
}
