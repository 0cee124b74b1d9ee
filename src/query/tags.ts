import { invalidParam } from './errors.ts';
import { errorMessage } from '../util/errors.ts';

/** One `key = value` filter; the value is text and matches typed attributes as Jaeger does. */
export interface TagFilter {
  readonly key: string;
  readonly value: string;
}

/**
 * Jaeger's tag filters: `tags` as a JSON object (what Jaeger UI sends) or as logfmt
 * (`error=true http.status_code=500 "db.system"="postgresql"`, what users type), plus
 * repeated `tag=key:value` parameters of the classic API. JSON numbers and booleans are
 * taken as their text, so `{"http.status_code":500}` works like `"500"`.
 */
export function parseTags(param: string, text: string): TagFilter[] {
  const s = text.trim();
  if (s === '') return [];
  return s.startsWith('{') ? fromJson(param, s) : fromLogfmt(param, s);
}

/** `key:value` (the value may itself contain ':'). */
export function parseTagPair(param: string, text: string): TagFilter {
  const i = text.indexOf(':');
  if (i <= 0) throw invalidParam(param, `malformed tag ${JSON.stringify(text)}, expected key:value`);
  return { key: text.slice(0, i), value: text.slice(i + 1) };
}

function fromJson(param: string, s: string): TagFilter[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch (err) {
    throw invalidParam(param, `malformed JSON: ${errorMessage(err)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidParam(param, 'expected a JSON object of key: value');
  return Object.entries(parsed as Record<string, unknown>).map(([key, v]) => {
    if (typeof v === 'string') return { key, value: v };
    if (typeof v === 'number' || typeof v === 'boolean') return { key, value: String(v) };
    throw invalidParam(param, `value of ${JSON.stringify(key)} must be a string, number or boolean`);
  });
}

/** Minimal logfmt: space-separated key=value pairs, keys and values optionally double-quoted. */
function fromLogfmt(param: string, s: string): TagFilter[] {
  const out: TagFilter[] = [];
  let i = 0;
  const token = (stopAtEquals: boolean): string => {
    if (s[i] === '"') {
      let v = '';
      for (i++; i < s.length && s[i] !== '"'; i++) v += s[i] === '\\' && i + 1 < s.length ? s[++i] : s[i];
      if (s[i] !== '"') throw invalidParam(param, 'unterminated quote in logfmt');
      i++;
      return v;
    }
    const start = i;
    while (i < s.length && s[i] !== ' ' && !(stopAtEquals && s[i] === '=')) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    if (s[i] === ' ') {
      i++;
      continue;
    }
    const key = token(true);
    if (key === '' || s[i] !== '=') throw invalidParam(param, `expected key=value in logfmt near ${JSON.stringify(s.slice(0, i + 10))}`);
    i++;
    out.push({ key, value: token(false) });
  }
  return out;
}
