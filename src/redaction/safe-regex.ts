/**
 * A star-height check for user regexes. JavaScript's engine backtracks, so `(a+)+$` on
 * "aaaa…b" takes exponential time; the Collector's RE2 does not. A group holding an
 * unbounded repetition (`*`, `+`, `{n,}`) that is itself repeated without bound is
 * refused at start. It is a heuristic: overlapping alternatives (`(a|aa)+`) pass it.
 */

/** The offending text (e.g. `(a+)+`), or undefined when no group nests unbounded repeats. */
export function nestedQuantifier(source: string): string | undefined {
  const stack: { start: number; unbounded: boolean }[] = [{ start: 0, unbounded: false }];
  let closed: { start: number; unbounded: boolean } | undefined;
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    const afterGroup = closed;
    closed = undefined;
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '[') {
      i = classEnd(source, i);
      continue;
    }
    if (c === '(') {
      stack.push({ start: i, unbounded: false });
      i++;
      continue;
    }
    if (c === ')') {
      const g = stack.length > 1 ? stack.pop() : undefined;
      if (g !== undefined) {
        const parent = stack[stack.length - 1];
        if (parent !== undefined && g.unbounded) parent.unbounded = true;
        closed = g;
      }
      i++;
      continue;
    }
    const q = quantifierAt(source, i);
    if (q !== undefined) {
      if (q.unbounded) {
        if (afterGroup?.unbounded) return source.slice(afterGroup.start, i + q.length);
        const top = stack[stack.length - 1];
        if (top !== undefined) top.unbounded = true;
      }
      i += q.length;
      if (source[i] === '?' || source[i] === '+') i++; // lazy / possessive suffix
      continue;
    }
    i++;
  }
  return undefined;
}

function classEnd(source: string, open: number): number {
  let i = open + 1;
  if (source[i] === '^') i++;
  if (source[i] === ']') i++;
  while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
  return i + 1;
}

function quantifierAt(source: string, i: number): { length: number; unbounded: boolean } | undefined {
  const c = source[i];
  if (c === '*' || c === '+') return { length: 1, unbounded: true };
  if (c === '?') return { length: 1, unbounded: false };
  if (c !== '{') return undefined;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24));
  if (m === null) return undefined;
  return { length: m[0].length, unbounded: m[2] !== undefined && m[3] === '' };
}
