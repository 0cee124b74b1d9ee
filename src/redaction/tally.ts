/** What redaction did to one span, and the Collector's summary attributes that say so. */
import type { KeyValue } from '../model/span.ts';
import type { Summary } from './config.ts';

export class Tally {
  private readonly removedKeys: string[] = [];
  private readonly maskedKeys: string[] = [];
  private readonly allowedKeys: string[] = [];
  private ignoredCount = 0;

  removed(key: string): void {
    this.removedKeys.push(key);
  }

  masked(key: string): void {
    this.maskedKeys.push(key);
  }

  allowed(key: string): void {
    this.allowedKeys.push(key);
  }

  ignored(): void {
    this.ignoredCount++;
  }

  add(other: Tally): void {
    this.removedKeys.push(...other.removedKeys);
    this.maskedKeys.push(...other.maskedKeys);
    this.allowedKeys.push(...other.allowedKeys);
    this.ignoredCount += other.ignoredCount;
  }

  /**
   * `redaction.{redacted,masked,allowed}.count` and `redaction.ignored.count` (`info`), plus the
   * key lists (`debug`), as the Collector writes them; zero counts are left out. A span
   * that only had its keys allowed (nothing removed, masked or ignored) gets nothing.
   */
  summary(level: Summary): KeyValue[] {
    if (level === 'silent' || (this.removedKeys.length === 0 && this.maskedKeys.length === 0 && this.ignoredCount === 0)) return [];
    const out: KeyValue[] = [];
    const add = (what: string, keys: readonly string[]): void => {
      if (keys.length === 0) return;
      if (level === 'debug') out.push({ key: `redaction.${what}.keys`, value: { type: 'string', value: [...new Set(keys)].sort().join(',') } });
      out.push({ key: `redaction.${what}.count`, value: { type: 'int', value: BigInt(keys.length) } });
    };
    add('redacted', this.removedKeys);
    add('masked', this.maskedKeys);
    add('allowed', this.allowedKeys);
    if (this.ignoredCount > 0) out.push({ key: 'redaction.ignored.count', value: { type: 'int', value: BigInt(this.ignoredCount) } });
    return out;
  }
}
