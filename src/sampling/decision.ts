import type { PolicyConfig } from './config-policy-types.ts';
import { headSampleRate } from './head-rate.ts';
import { buildEvaluator } from './policies/build.ts';
import type { Outcome, PolicyEvaluator, TraceView, Verdict } from './policies/types.ts';

export type { Outcome, PolicyEvaluator, TraceView, Verdict } from './policies/types.ts';

/**
 * The keep/drop answer for one trace. `policy` names the configured policy that decided and
 * `sampleRate` is 1/p of its keep probability (probabilistic 10 % → 10), so kept counts can
 * be re-weighted in SQL; a trace that was not sampled carries the rate it would have had.
 */
export interface Decision {
  readonly sampled: boolean;
  readonly policy: string;
  readonly sampleRate: number;
  readonly reason: string;
}

export interface NamedVerdict {
  readonly policy: string;
  readonly verdict: Verdict;
}

/** What the trace-assembly processor holds: one instance per task, stateful policies inside. */
export interface Sampler {
  evaluate(trace: TraceView, nowMs: number): Decision;
  /** Top-level policy names in config order. */
  readonly policies: readonly string[];
  /** Entries in each stateful policy's bounded state (adaptive keys, regex caches), for gauges. */
  stateSizes(): Record<string, number>;
}

/**
 * Builds the evaluators for `config.policies` (fresh state) and evaluates every one of them
 * on each trace, as the Collector does, so rate limiters and adaptive counters see all
 * traffic; `combineVerdicts` then decides.
 */
export function createSampler(config: { readonly policies: readonly PolicyConfig[] }): Sampler {
  const evaluators: PolicyEvaluator[] = config.policies.map(buildEvaluator);
  return {
    policies: evaluators.map((e) => e.name),
    evaluate(trace: TraceView, nowMs: number): Decision {
      return withHeadRate(combineVerdicts(evaluators.map((e) => ({ policy: e.name, verdict: e.evaluate(trace, nowMs) }))), trace);
    },
    stateSizes(): Record<string, number> {
      const out: Record<string, number> = {};
      for (const e of evaluators) if (e.stateSize !== undefined) out[e.name] = e.stateSize();
      return out;
    },
  };
}

/**
 * Head and tail sampling compose: a trace an SDK kept with probability p and the tail kept
 * 1 in r stands for r / p traces, so re-weighting kept counts by the rate stays unbiased.
 */
function withHeadRate(d: Decision, trace: TraceView): Decision {
  const head = headSampleRate(trace.spans);
  if (head === undefined || head.rate === 1) return d;
  return { ...d, sampleRate: d.sampleRate * head.rate, reason: `${d.reason}; head-sampled 1 in ${head.rate} (${head.source})` };
}

/**
 * The Collector's rule, in precedence order (each step takes the first such policy in
 * config order):
 * 1. any `dropped` → not sampled (a drop rule vetoes everything);
 * 2. any `inverted_not_sampled` → not sampled (an `invert_match` exclusion vetoes);
 * 3. any `sampled` → sampled, by the first policy that said so, at its rate;
 * 4. any `inverted_sampled` and no plain `not_sampled` → sampled by the first of those;
 * 5. otherwise not sampled, attributed to the first policy whose verdict carries a rate
 *    above 1 (the sampler that would have kept it 1 in r), else to the first policy.
 */
export function combineVerdicts(verdicts: readonly NamedVerdict[]): Decision {
  const first = (o: Outcome): NamedVerdict | undefined => verdicts.find((v) => v.verdict.outcome === o);
  const dropped = first('dropped');
  if (dropped !== undefined) return decide(false, dropped, 'dropped by');
  const vetoed = first('inverted_not_sampled');
  if (vetoed !== undefined) return decide(false, vetoed, 'excluded (invert_match) by');
  const sampled = first('sampled');
  if (sampled !== undefined) return decide(true, sampled, 'sampled by');
  const inverted = first('inverted_sampled');
  if (inverted !== undefined && first('not_sampled') === undefined) {
    return decide(true, inverted, 'sampled (invert_match, no exclusion) by');
  }
  const blame = verdicts.find((v) => v.verdict.sampleRate > 1) ?? verdicts[0];
  if (blame === undefined) return { sampled: false, policy: '', sampleRate: 1, reason: 'no policies configured' };
  const what = blame.verdict.sampleRate > 1 ? `no policy sampled; 1 in ${blame.verdict.sampleRate} kept by` : 'no policy sampled; first policy';
  return decide(false, blame, what);
}

function decide(sampled: boolean, v: NamedVerdict, what: string): Decision {
  const detail = v.verdict.detail === undefined ? '' : `: ${v.verdict.detail}`;
  return { sampled, policy: v.policy, sampleRate: v.verdict.sampleRate, reason: `${what} "${v.policy}"${detail}` };
}
