import { MAX_DURATION_NS, parseDurationNs } from '../util/duration.ts';
import { invalidParam } from './errors.ts';

export { MAX_DURATION_NS };

/** A 400 naming `param` when `ns` does not fit a Go Duration (past it a UInt64 parameter would wrap). */
export function checkDurationRange(param: string, text: string, ns: bigint): bigint {
  if (ns > MAX_DURATION_NS) throw invalidParam(param, `duration ${JSON.stringify(text)} is out of range (at most ${MAX_DURATION_NS}ns, about 292 years)`);
  return ns;
}

/** Nanoseconds of `text` (util/duration.ts syntax; a unit is required, as Jaeger's); throws a 400 naming `param`. */
export function parseDuration(param: string, text: string): bigint {
  const d = parseDurationNs(text);
  if (d.ok) return d.ns;
  switch (d.problem) {
    case 'empty': throw invalidParam(param, 'empty duration');
    case 'negative': throw invalidParam(param, `negative duration ${JSON.stringify(text)}`);
    case 'syntax': throw invalidParam(param, `not a duration ${JSON.stringify(text)} (use a number with a unit: ns, us, ms, s, m, h — e.g. 1.2ms)`);
    case 'range': return checkDurationRange(param, text, MAX_DURATION_NS + 1n);
  }
}
