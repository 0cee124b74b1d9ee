/**
 * Jaeger's adaptive sampling step (PostAggregator.calculateProbability with the
 * PercentageIncreaseCappedCalculator), for one operation and one window: the probability
 * that brings the sampled traces per second to the target. What arrives is what the SDKs
 * sampled with the probability handed out, so the observed rate scales with it.
 */
import type { AdaptiveConfig } from './config.ts';

export interface OperationKey {
  readonly service: string;
  readonly operation: string;
}

/** The next probability from the one in force and the traces/s observed under it. */
export function nextProbability(cfg: AdaptiveConfig, oldProbability: number, observedQps: number): number {
  const target = cfg.targetSamplesPerSecond;
  if (Math.abs(observedQps - target) / target < cfg.deltaTolerance) return oldProbability;
  let p: number;
  if (observedQps === 0) {
    // Nothing arrived: double, so the operation is sampled at least now and then (Jaeger's rule).
    p = oldProbability * 2;
  } else {
    p = (oldProbability * target) / observedQps;
    // Raises are capped: a quiet minute must not open the floodgates.
    if (p > oldProbability * (1 + cfg.increaseCap)) p = oldProbability * (1 + cfg.increaseCap);
  }
  return Math.min(1, Math.max(cfg.minSamplingProbability, p));
}

export interface WindowInput {
  /** Probabilities in force during the window, from the previous computation. */
  readonly previous: ReadonlyMap<string, number>;
  /** Root traces seen per operation in the window. */
  readonly counts: ReadonlyMap<string, number>;
  /** Operations seen in recent windows: absent now, they observed 0 and are doubled, as in Jaeger. */
  readonly recent: ReadonlySet<string>;
  readonly windowSeconds: number;
}

/** Every operation's next probability, keyed as `service\u0000operation`. Pure: any instance computes the same. */
export function computeWindow(cfg: AdaptiveConfig, input: WindowInput): Map<string, { probability: number; qps: number }> {
  const out = new Map<string, { probability: number; qps: number }>();
  const keys = new Set([...input.counts.keys(), ...input.recent]);
  for (const key of [...keys].sort()) {
    const qps = (input.counts.get(key) ?? 0) / input.windowSeconds;
    const old = input.previous.get(key) ?? cfg.initialSamplingProbability;
    out.set(key, { probability: nextProbability(cfg, old, qps), qps });
  }
  return out;
}

export const opKey = (service: string, operation: string): string => `${service}\u0000${operation}`;
export const splitKey = (key: string): OperationKey => {
  const i = key.indexOf('\u0000');
  return { service: key.slice(0, i), operation: key.slice(i + 1) };
};
