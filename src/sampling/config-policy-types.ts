import type { AdaptiveConfig } from './adaptive.ts';

/**
 * Policy configs, a tagged union on `type`. Type names, nesting and snake_case field names
 * are the OpenTelemetry Collector tail sampler's, so its users can paste their `policies`
 * list unchanged; durations are already converted to milliseconds.
 */
export type PolicyConfig =
  | { readonly name: string; readonly type: 'always_sample' }
  | { readonly name: string; readonly type: 'probabilistic'; readonly probabilistic: ProbabilisticConfig }
  | { readonly name: string; readonly type: 'latency'; readonly latency: LatencyConfig }
  | { readonly name: string; readonly type: 'status_code'; readonly status_code: StatusCodeConfig }
  | { readonly name: string; readonly type: 'string_attribute'; readonly string_attribute: StringAttributeConfig }
  | { readonly name: string; readonly type: 'numeric_attribute'; readonly numeric_attribute: NumericAttributeConfig }
  | { readonly name: string; readonly type: 'boolean_attribute'; readonly boolean_attribute: BooleanAttributeConfig }
  | { readonly name: string; readonly type: 'trace_state'; readonly trace_state: TraceStateConfig }
  | { readonly name: string; readonly type: 'span_count'; readonly span_count: SpanCountConfig }
  | { readonly name: string; readonly type: 'rate_limiting'; readonly rate_limiting: RateLimitingConfig }
  | { readonly name: string; readonly type: 'bytes_limiting'; readonly bytes_limiting: BytesLimitingConfig }
  | { readonly name: string; readonly type: 'adaptive'; readonly adaptive: AdaptiveConfig }
  | { readonly name: string; readonly type: 'and'; readonly and: AndConfig }
  | { readonly name: string; readonly type: 'not'; readonly not: NotConfig }
  | { readonly name: string; readonly type: 'drop'; readonly drop: DropConfig }
  | { readonly name: string; readonly type: 'composite'; readonly composite: CompositeConfig };

export type PolicyType = PolicyConfig['type'];

/** Every policy type, in the order error messages list them. */
export const POLICY_TYPES: readonly PolicyType[] = [
  'always_sample',
  'probabilistic',
  'latency',
  'status_code',
  'string_attribute',
  'numeric_attribute',
  'boolean_attribute',
  'trace_state',
  'span_count',
  'rate_limiting',
  'bytes_limiting',
  'adaptive',
  'and',
  'not',
  'drop',
  'composite',
];

/** Types that only make sense as a top-level policy (their verdict steers the combiner). */
export const TOP_LEVEL_ONLY: readonly PolicyType[] = ['drop', 'composite'];

export interface ProbabilisticConfig {
  readonly hash_salt: string;
  /** In (0, 100]. */
  readonly sampling_percentage: number;
}

export interface LatencyConfig {
  readonly threshold_ms: number;
  /** 0 = no upper bound. */
  readonly upper_threshold_ms: number;
}

export type StatusCodeName = 'ERROR' | 'OK' | 'UNSET';
export interface StatusCodeConfig {
  readonly status_codes: readonly StatusCodeName[];
}

export interface StringAttributeConfig {
  readonly key: string;
  readonly values: readonly string[];
  readonly enabled_regex_matching: boolean;
  /** Size of the value → matched LRU when regex matching is on. */
  readonly cache_max_size: number;
  readonly invert_match: boolean;
}

export interface NumericAttributeConfig {
  readonly key: string;
  /** Absent = unbounded on that side; at least one bound is required. */
  readonly min_value?: number;
  readonly max_value?: number;
  readonly invert_match: boolean;
}

export interface BooleanAttributeConfig {
  readonly key: string;
  readonly value: boolean;
  readonly invert_match: boolean;
}

export interface TraceStateConfig {
  readonly key: string;
  readonly values: readonly string[];
}

export interface SpanCountConfig {
  readonly min_spans: number;
  /** 0 = no upper bound. */
  readonly max_spans: number;
}

export interface RateLimitingConfig {
  readonly spans_per_second: number;
}

export interface BytesLimitingConfig {
  readonly bytes_per_second: number;
  /** Bucket size in bytes; defaults to twice `bytes_per_second`. */
  readonly burst_capacity: number;
}

export interface AndConfig {
  readonly and_sub_policy: readonly PolicyConfig[];
}

export interface NotConfig {
  readonly not_sub_policy: PolicyConfig;
}

export interface DropConfig {
  readonly drop_sub_policy: readonly PolicyConfig[];
}

export interface RateAllocation {
  readonly policy: string;
  readonly percent: number;
}

export interface CompositeConfig {
  readonly max_total_spans_per_second: number;
  /** Sub-policy names in evaluation order; defaults to the order of `composite_sub_policy`. */
  readonly policy_order: readonly string[];
  readonly composite_sub_policy: readonly PolicyConfig[];
  readonly rate_allocation: readonly RateAllocation[];
}
