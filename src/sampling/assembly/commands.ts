import type { EdgeObservation, SpanObservation } from '../../edges/types.ts';
import type { CompletionReason } from './meta.ts';

/** Buffer → decide: decide this trace now (a size limit or memory pressure). */
export interface DecideNow {
  readonly reason: CompletionReason;
  /** False when the trace's deadline-index entry was already taken (memory pressure). */
  readonly indexed: boolean;
}

/** Buffer and decide → aggregate: observations to fold into the one-minute windows. */
export type Observations = { readonly spans: readonly SpanObservation[] } | { readonly edges: readonly EdgeObservation[] };

/** Names of the assembly processors' children, set by the topology. */
export interface AssemblyChildren {
  readonly decide: string;
  readonly aggregate: string;
  readonly sampled: string;
  readonly edges: string;
  readonly metrics: string;
  /** The sampling-stats processor: one record per decision. */
  readonly stats: string;
}
