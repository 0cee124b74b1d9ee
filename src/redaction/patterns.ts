/**
 * Built-in named value patterns. Each regex is written so that a failing match costs
 * O(1) per start position: a lookbehind refuses starts inside a run of the pattern's own
 * characters and every repetition is bounded or deterministic, so no input makes them
 * backtrack catastrophically (a 1 MB value is scanned in linear time). Where a regex
 * alone over-matches, `accept` confirms the candidate (Luhn for cards, `net` for IPs).
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface ValuePattern {
  /** The rule name in summaries and metrics. */
  readonly name: string;
  /** Global; matched text is what gets masked or hashed. */
  readonly regex: RegExp;
  /** Confirms a candidate match; absent = every match counts. */
  readonly accept?: (match: string) => boolean;
  /** Cheap precondition on the whole value (e.g. an '@' for e-mail addresses). */
  readonly mayMatch?: (value: string) => boolean;
}

/** The Luhn checksum card numbers carry; `digits` may contain spaces and dashes. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  let n = 0;
  for (let i = digits.length - 1; i >= 0; i--) {
    const c = digits.charCodeAt(i) - 48;
    if (c < 0 || c > 9) continue;
    n++;
    let d = c;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return n >= 13 && n <= 19 && sum % 10 === 0;
}

/** At least 13 digits: most values are skipped without running the regex. */
function enoughDigits(v: string): boolean {
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++n >= 13) return true;
  }
  return false;
}

export const BUILTIN_PATTERNS: Readonly<Record<string, ValuePattern>> = {
  // 13–19 digits, optionally grouped by single spaces or dashes, not inside a longer number.
  credit_card: { name: 'credit_card', regex: /(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])/g, accept: luhnValid, mayMatch: enoughDigits },
  // RFC 5321 bounds: local part ≤ 64, labels ≤ 63; starts only where a local part can start.
  email: {
    name: 'email',
    regex: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/g,
    mayMatch: (v) => v.includes('@'),
  },
  // The credential after "Bearer " (RFC 6750 b64token); the scheme word stays readable.
  bearer_token: { name: 'bearer_token', regex: /(?<=\bbearer[ \t]{1,8})[A-Za-z0-9\-._~+/]+=*/gi, mayMatch: (v) => /bearer/i.test(v) },
  ipv4: { name: 'ipv4', regex: /(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d])/g, accept: isIPv4, mayMatch: (v) => v.includes('.') },
  // Candidates are whole runs of hex digits, colons and dots (an embedded IPv4 tail), confirmed by node:net.
  ipv6: { name: 'ipv6', regex: /(?<![0-9A-Fa-f:.])[0-9A-Fa-f:.]{2,45}(?![0-9A-Fa-f:.])/g, accept: ipv6Candidate, mayMatch: (v) => v.includes(':') },
};

/**
 * A run such as "fe80::1." may end in punctuation a sentence put there, so it is tried
 * without that too. At least two non-empty groups: "::1" and C++'s "std::" stay readable.
 */
function ipv6Candidate(run: string): boolean {
  if (run.split(':').filter((g) => g !== '').length < 2) return false;
  return isIPv6(run) || isIPv6(run.replace(/[.:]$/, ''));
}

export const BUILTIN_PATTERN_NAMES = Object.keys(BUILTIN_PATTERNS);
