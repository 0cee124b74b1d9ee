/**
 * Validation helpers for the config file's sections: every read names its path, so a bad config
 * fails at start with `policies[2].latency.threshold_ms: expected a number, got "fast"`
 * instead of misbehaving at 3 a.m. Reads are recorded so leftover (unknown) fields are
 * reported too — a typo'd field silently ignored is a policy silently not applied.
 */
import { parseDurationNs } from './duration.ts';
import { TailstreamError } from './errors.ts';

/**
 * Every invalid configuration: an environment variable, the config file, or a field in one
 * of its sections (sampling, remote sampling, redaction). `path` names which:
 * `KAFKA_COMPRESSION`, `tailstream.yaml`, `sampling.policies[2].latency.threshold_ms`.
 */
export class ConfigError extends TailstreamError {
  readonly code = 'CONFIG_INVALID';
  readonly retriable = false;
  constructor(
    readonly path: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${path === '' ? '(root)' : path}: ${problem}`, options);
  }
}

/** `"fast"`, `12`, `a list`, `an object`, `null` — how a bad value is quoted in errors. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** Go-style durations (util/duration.ts: "10s", ".5s", "500ms", "1m30s", "250μs"); a bare number is milliseconds. */
export function parseDuration(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const d = typeof value === 'string' ? parseDurationNs(value) : undefined;
  if (d?.ok) return Number(d.ns) / 1e6;
  throw new ConfigError(
    path,
    `expected a duration such as "10s", "500ms" or "2m" (or milliseconds), got ${describe(value)}`,
  );
}

export interface NumberRule {
  readonly integer?: boolean;
  readonly min?: number;
  /** When true the minimum itself is rejected (e.g. rates that must be > 0). */
  readonly exclusiveMin?: boolean;
  readonly max?: number;
}

/** Numbers, also Go YAML's `100_000` (which YAML 1.2 parsers read as a string). */
export function parseNumber(value: unknown, path: string, rule: NumberRule = {}): number {
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^[+-]?\d+(_\d+)+$/.test(value)) n = Number(value.replaceAll('_', ''));
  const what = rule.integer === true ? 'an integer' : 'a number';
  if (n === undefined || !Number.isFinite(n) || (rule.integer === true && !Number.isInteger(n))) {
    throw new ConfigError(path, `expected ${what}, got ${describe(value)}`);
  }
  const { min, max } = rule;
  const belowMin = min !== undefined && (rule.exclusiveMin === true ? n <= min : n < min);
  if (belowMin || (max !== undefined && n > max)) {
    const lo = min === undefined ? '' : rule.exclusiveMin === true ? `> ${min}` : `>= ${min}`;
    const hi = max === undefined ? '' : `<= ${max}`;
    throw new ConfigError(path, `expected ${what} ${[lo, hi].filter(Boolean).join(' and ')}, got ${n}`);
  }
  return n;
}

/** One YAML mapping under validation. Call `done()` last to reject unknown fields. */
export class ObjectReader {
  private readonly seen = new Set<string>();

  private constructor(
    readonly path: string,
    private readonly obj: Readonly<Record<string, unknown>>,
  ) {}

  static of(value: unknown, path: string): ObjectReader {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ConfigError(path, `expected an object, got ${describe(value)}`);
    }
    return new ObjectReader(path, value as Record<string, unknown>);
  }

  at(key: string): string {
    return join(this.path, key);
  }

  /** Whether `key` is set; also marks it as a known field. */
  has(key: string): boolean {
    this.seen.add(key);
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  /** The raw value (marked as read); `undefined` when absent or null. */
  raw(key: string): unknown {
    this.seen.add(key);
    const v = this.obj[key];
    return v === null ? undefined : v;
  }

  required(key: string): unknown {
    const v = this.raw(key);
    if (v === undefined) throw new ConfigError(this.at(key), 'required field is missing');
    return v;
  }

  string(key: string, fallback?: string): string {
    const v = fallback === undefined ? this.required(key) : (this.raw(key) ?? fallback);
    if (typeof v !== 'string') throw new ConfigError(this.at(key), `expected a string, got ${describe(v)}`);
    return v;
  }

  number(key: string, rule: NumberRule, fallback?: number): number {
    const v = fallback === undefined ? this.required(key) : (this.raw(key) ?? fallback);
    return parseNumber(v, this.at(key), rule);
  }

  optionalNumber(key: string, rule: NumberRule): number | undefined {
    const v = this.raw(key);
    return v === undefined ? undefined : parseNumber(v, this.at(key), rule);
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw(key) ?? fallback;
    if (typeof v !== 'boolean') throw new ConfigError(this.at(key), `expected true or false, got ${describe(v)}`);
    return v;
  }

  duration(key: string, fallbackMs: number): number {
    const v = this.raw(key);
    return v === undefined ? fallbackMs : parseDuration(v, this.at(key));
  }

  /** A list; each element is handed out with its own path (`key[i]`). */
  list(key: string, opts: { required: boolean; nonEmpty: boolean }): { value: unknown; path: string }[] {
    const v = opts.required ? this.required(key) : this.raw(key);
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new ConfigError(this.at(key), `expected a list, got ${describe(v)}`);
    if (opts.nonEmpty && v.length === 0) throw new ConfigError(this.at(key), 'expected at least one entry');
    return v.map((value: unknown, i) => ({ value, path: join(this.at(key), i) }));
  }

  stringList(key: string, opts: { required: boolean; nonEmpty: boolean }): string[] {
    return this.list(key, opts).map(({ value, path }) => {
      if (typeof value !== 'string') throw new ConfigError(path, `expected a string, got ${describe(value)}`);
      return value;
    });
  }

  object(key: string): ObjectReader {
    return ObjectReader.of(this.required(key), this.at(key));
  }

  /** Rejects any field not read so far, listing the valid ones. */
  done(): void {
    for (const key of Object.keys(this.obj)) {
      if (!this.seen.has(key)) {
        const valid = [...this.seen].join(', ');
        throw new ConfigError(this.at(key), `unknown field (valid fields: ${valid})`);
      }
    }
  }
}
