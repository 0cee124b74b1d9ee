import { invalidParam } from './errors.ts';

/**
 * A trace id as stored: 32 lowercase hex. Jaeger accepts shorter ids (64-bit ids, or
 * leading zeros trimmed) and any case, so they are left-padded and lowered.
 */
export function parseTraceId(param: string, text: string): string {
  if (!/^[0-9a-fA-F]{1,32}$/.test(text)) throw invalidParam(param, `not a trace id: ${JSON.stringify(text)} (1 to 32 hex digits)`);
  const id = text.toLowerCase().padStart(32, '0');
  if (/^0+$/.test(id)) throw invalidParam(param, 'the all-zero trace id is invalid');
  return id;
}
