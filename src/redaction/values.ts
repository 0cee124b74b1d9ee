/** Masking and hashing inside one value: the text-level half of the redactor. */
import { createHash, createHmac } from 'node:crypto';
import type { AnyValue } from '../model/span.ts';
import type { RedactionConfig, RedactionTarget, ValueRule } from './config.ts';
import { BUILTIN_PATTERNS } from './patterns.ts';

/** The Collector's fixed mask. */
export const MASK = '****';

/** Which rules fired on one value, and how often (a rule counts once per value). */
export type Fired = (rule: string, action: 'masked' | 'hashed') => void;

export class ValueRedactor {
  private readonly byTarget = new Map<RedactionTarget, readonly ValueRule[]>();

  private readonly onlyBuiltins: boolean;

  constructor(private readonly config: RedactionConfig) {
    const builtins = new Set(Object.values(BUILTIN_PATTERNS));
    this.onlyBuiltins = config.valueRules.every((r) => builtins.has(r.pattern));
    for (const t of ['attributes', 'span_name', 'status_message', 'event_name'] as const) {
      this.byTarget.set(t, config.valueRules.filter((r) => r.applyTo.includes(t)));
    }
  }

  /** True when some rule looks at `target` (so callers skip the work otherwise). */
  covers(target: RedactionTarget): boolean {
    return (this.byTarget.get(target)?.length ?? 0) > 0;
  }

  /** The hash that replaces a value or a match: keyed (HMAC) or the Collector's plain digests. */
  hash(text: string): string {
    const h = this.config.hash;
    if (h === undefined) return MASK;
    if (h.function === 'hmac_sha256') return createHmac('sha256', h.key).update(text).digest('hex');
    return createHash(h.function === 'sha3' ? 'sha3-256' : h.function).update(text).digest('hex');
  }

  /** `text` with every match of the target's rules masked or hashed; the same string when none fired. */
  text(text: string, target: RedactionTarget, fired: Fired, rules: readonly ValueRule[] = this.byTarget.get(target) ?? []): string {
    let out = text;
    for (const rule of rules) {
      const p = rule.pattern;
      if (p.mayMatch !== undefined && !p.mayMatch(out)) continue;
      let hits = 0;
      const replaced = out.replace(p.regex, (m: string) => {
        if (p.accept !== undefined && !p.accept(m)) return m;
        if (this.allowed(m)) return m;
        hits++;
        return rule.action === 'hash' ? this.hash(m) : MASK;
      });
      if (hits > 0) {
        out = replaced;
        fired(rule.rule, rule.action === 'hash' ? 'hashed' : 'masked');
      }
    }
    return out;
  }

  /** Every rule on any text, always masking: for dead-letter reasons, which quote input. */
  anyText(text: string): string {
    const mask = this.config.valueRules.map((r) => ({ ...r, action: 'mask' as const }));
    return this.text(text, 'attributes', () => undefined, mask);
  }

  /** An attribute value's strings (nested arrays and kvlists too) with the value rules applied. */
  value(v: AnyValue, fired: Fired, nestedKey: (key: string, v: AnyValue) => AnyValue | undefined): AnyValue {
    switch (v.type) {
      case 'string': {
        const t = this.text(v.value, 'attributes', fired);
        return t === v.value ? v : { type: 'string', value: t };
      }
      case 'int':
      case 'double': {
        // Below 10^12 a number has too few digits for any built-in; user regexes still see it.
        if (!this.config.redactAllTypes || (this.onlyBuiltins && Math.abs(Number(v.value)) < 1e12)) return v;
        const s = String(v.value);
        const t = this.text(s, 'attributes', fired);
        return t === s ? v : { type: 'string', value: t };
      }
      case 'array': {
        let changed = false;
        const values = v.values.map((x) => {
          const y = this.value(x, fired, nestedKey);
          if (y !== x) changed = true;
          return y;
        });
        return changed ? { type: 'array', values } : v;
      }
      case 'kvlist': {
        let changed = false;
        const values = [];
        for (const kv of v.values) {
          const y = nestedKey(kv.key, kv.value);
          if (y !== kv.value) changed = true;
          if (y !== undefined) values.push(y === kv.value ? kv : { key: kv.key, value: y });
        }
        return changed ? { type: 'kvlist', values } : v;
      }
      default:
        return v;
    }
  }

  private allowed(match: string): boolean {
    for (const re of this.config.allowedValues) if (re.test(match)) return true;
    return false;
  }
}
