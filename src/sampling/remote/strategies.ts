/**
 * Jaeger's SamplingStrategyResponse, built from the configured strategies (as Jaeger's file
 * provider does) or from adaptive probabilities, and written as Jaeger writes it: protobuf
 * JSON with camelCase names in field order, defaults emitted, absent sub-strategies left out.
 */
import type { OperationStrategy, RemoteSamplingConfig, Strategy } from './config.ts';

export interface PerOperationStrategy {
  readonly operation: string;
  readonly probabilisticSampling: { readonly samplingRate: number };
}

export interface OperationSampling {
  readonly defaultSamplingProbability: number;
  readonly defaultLowerBoundTracesPerSecond: number;
  readonly perOperationStrategies: readonly PerOperationStrategy[];
  readonly defaultUpperBoundTracesPerSecond: number;
}

export interface SamplingStrategyResponse {
  readonly strategyType: 'PROBABILISTIC' | 'RATE_LIMITING';
  readonly probabilisticSampling?: { readonly samplingRate: number };
  readonly rateLimitingSampling?: { readonly maxTracesPerSecond: number };
  readonly operationSampling?: OperationSampling;
}

/** Jaeger's body text: keys in protobuf field order, exactly as SamplingStrategyResponseToJSON leaves them. */
export function strategyJson(r: SamplingStrategyResponse): string {
  const ordered = {
    strategyType: r.strategyType,
    probabilisticSampling: r.probabilisticSampling,
    rateLimitingSampling: r.rateLimitingSampling,
    operationSampling: r.operationSampling && {
      defaultSamplingProbability: r.operationSampling.defaultSamplingProbability,
      defaultLowerBoundTracesPerSecond: r.operationSampling.defaultLowerBoundTracesPerSecond,
      perOperationStrategies: r.operationSampling.perOperationStrategies.map((o) => ({ operation: o.operation, probabilisticSampling: { samplingRate: o.probabilisticSampling.samplingRate } })),
      defaultUpperBoundTracesPerSecond: r.operationSampling.defaultUpperBoundTracesPerSecond,
    },
  };
  return JSON.stringify(ordered);
}

const perOperation = (ops: readonly OperationStrategy[]): PerOperationStrategy[] =>
  ops.map((o) => ({ operation: o.operation, probabilisticSampling: { samplingRate: o.probability } }));

/** A service's operation strategies over the default strategy's (the service's win), by name. */
export function mergeOperations(own: readonly OperationStrategy[], defaults: readonly OperationStrategy[]): OperationStrategy[] {
  const byName = new Map<string, OperationStrategy>();
  for (const o of defaults) byName.set(o.operation, o);
  for (const o of own) byName.set(o.operation, o);
  return [...byName.values()].sort((a, b) => (a.operation < b.operation ? -1 : a.operation > b.operation ? 1 : 0));
}

function defaultProbability(s: Strategy, fallback: Strategy): number {
  if (s.type === 'probabilistic') return s.param;
  return fallback.type === 'probabilistic' ? fallback.param : 1;
}

/** The configured strategy of one service (the default strategy for a service not listed). */
export function staticStrategy(config: RemoteSamplingConfig, service: string): SamplingStrategyResponse {
  const own = config.services.get(service);
  const s = own ?? config.defaultStrategy;
  const ops = own ? mergeOperations(own.operations, config.defaultStrategy.operations) : mergeOperations(s.operations, []);
  const base: SamplingStrategyResponse = s.type === 'probabilistic'
    ? { strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: s.param } }
    : { strategyType: 'RATE_LIMITING', rateLimitingSampling: { maxTracesPerSecond: s.param } };
  if (ops.length === 0) return base;
  return {
    ...base,
    operationSampling: {
      defaultSamplingProbability: defaultProbability(s, config.defaultStrategy),
      defaultLowerBoundTracesPerSecond: 0,
      perOperationStrategies: perOperation(ops),
      defaultUpperBoundTracesPerSecond: 0,
    },
  };
}

/**
 * An adaptive service's strategy: computed per-operation probabilities, with the configured
 * default strategy's operation strategies fixed on top. Unlike Jaeger's adaptive provider,
 * `probabilisticSampling` is filled too (the default probability), so an SDK that reads
 * only that field still gets an answer.
 */
export function adaptiveStrategy(config: RemoteSamplingConfig, computed: readonly OperationStrategy[], lowerBound: number, defaultProb: number): SamplingStrategyResponse {
  const ops = mergeOperations(config.defaultStrategy.operations, computed);
  return {
    strategyType: 'PROBABILISTIC',
    probabilisticSampling: { samplingRate: defaultProb },
    operationSampling: { defaultSamplingProbability: defaultProb, defaultLowerBoundTracesPerSecond: lowerBound, perOperationStrategies: perOperation(ops), defaultUpperBoundTracesPerSecond: 0 },
  };
}
