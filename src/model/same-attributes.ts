import type { AnyValue, Attributes, KeyValue } from './span.ts';

/**
 * Attribute lists equal as written: same keys and values in the same order. Lets a caller
 * reuse what it derived from one list (its record encoding, its typed maps) for an equal
 * list of another span, without building a key per list.
 */
export function sameAttributes(a: Attributes, b: Attributes): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as KeyValue;
    const y = b[i] as KeyValue;
    if (x.key !== y.key || !sameValue(x.value, y.value)) return false;
  }
  return true;
}

/** Equal as written: -0 and 0 differ, NaN equals NaN (Object.is), bytes compare by content. */
function sameValue(a: AnyValue, b: AnyValue): boolean {
  switch (a.type) {
    case 'string': case 'bool': case 'int': case 'double': return a.type === b.type && Object.is(a.value, b.value);
    case 'bytes': return b.type === 'bytes' && Buffer.compare(a.value, b.value) === 0;
    case 'array': return b.type === 'array' && a.values.length === b.values.length && a.values.every((v, i) => sameValue(v, b.values[i] as AnyValue));
    case 'kvlist': return b.type === 'kvlist' && sameAttributes(a.values, b.values);
    case 'empty': return b.type === 'empty';
  }
}
