import type { PolicyConfig } from '../config-policy-types.ts';

/** Adaptive key fields read without the span's attribute lists (adaptive.ts `fieldValue`). */
const SKELETON_FIELDS = new Set(['service.name', 'span.name']);

/**
 * True when a policy may read a span's attributes (span or resource, beyond
 * `service.name`), events or scope: then the decision needs fully decoded spans, not the
 * skeleton (serde/span-skeleton.ts). Unknown kinds count as reading everything.
 */
export function readsAttributes(p: PolicyConfig): boolean {
  switch (p.type) {
    case 'always_sample':
    case 'probabilistic':
    case 'latency':
    case 'status_code':
    case 'trace_state':
    case 'span_count':
    case 'rate_limiting':
    case 'bytes_limiting':
      return false;
    case 'adaptive':
      return !p.adaptive.key_fields.every((f) => SKELETON_FIELDS.has(f));
    case 'and':
      return p.and.and_sub_policy.some(readsAttributes);
    case 'not':
      return readsAttributes(p.not.not_sub_policy);
    case 'drop':
      return p.drop.drop_sub_policy.some(readsAttributes);
    case 'composite':
      return p.composite.composite_sub_policy.some(readsAttributes);
    default:
      return true;
  }
}
