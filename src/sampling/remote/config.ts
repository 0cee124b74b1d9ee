/**
 * The `remote_sampling:` section: head-sampling strategies served to SDKs on Jaeger's
 * sampling endpoints. Strategies use Jaeger's file-based format (`default_strategy`,
 * `service_strategies`, `operation_strategies`, type `probabilistic` or `ratelimiting` with
 * `param`); `adaptive` turns on per-operation probabilities computed from span metrics.
 */
import { ObjectReader, ConfigError } from '../../util/config-reader.ts';

export type StrategyType = 'probabilistic' | 'ratelimiting';

export interface OperationStrategy {
  readonly operation: string;
  /** Probability in [0, 1]: Jaeger accepts only probabilistic per-operation strategies. */
  readonly probability: number;
}

export interface Strategy {
  readonly type: StrategyType;
  /** Probability for `probabilistic`, traces per second for `ratelimiting`. */
  readonly param: number;
  readonly operations: readonly OperationStrategy[];
}

export interface AdaptiveConfig {
  /** Sampled traces per second each operation should send (Jaeger: target_samples_per_second). */
  readonly targetSamplesPerSecond: number;
  /** No change while the observed rate is within this fraction of the target. */
  readonly deltaTolerance: number;
  readonly initialSamplingProbability: number;
  readonly minSamplingProbability: number;
  /** Served as defaultLowerBoundTracesPerSecond. */
  readonly minSamplesPerSecond: number;
  /** A raise is capped at this fraction of the old probability (Jaeger's PercentageIncreaseCappedCalculator). */
  readonly increaseCap: number;
  /** 0: recompute only when asked (tests); else every minute window once its span metrics are complete. */
  readonly calculationIntervalMs: number;
  /** An operation not seen for this many windows is forgotten. */
  readonly operationTtlWindows: number;
}

export interface RemoteSamplingConfig {
  readonly defaultStrategy: Strategy;
  readonly services: ReadonlyMap<string, Strategy>;
  readonly adaptive: AdaptiveConfig | undefined;
}

/** tailstream samples at the tail: by default SDKs send everything (Jaeger's own default is 0.001). */
export const DEFAULT_STRATEGY: Strategy = { type: 'probabilistic', param: 1, operations: [] };

function strategy(r: ObjectReader, fallback?: Strategy): Strategy {
  const type = r.string('type', fallback?.type ?? 'probabilistic');
  if (type !== 'probabilistic' && type !== 'ratelimiting') throw new ConfigError(r.at('type'), `expected probabilistic or ratelimiting, got ${JSON.stringify(type)}`);
  const param = type === 'probabilistic' ? r.number('param', { min: 0, max: 1 }, fallback?.param) : r.number('param', { min: 0, integer: true });
  const operations = r.list('operation_strategies', { required: false, nonEmpty: false }).map(({ value, path }) => {
    const o = ObjectReader.of(value, path);
    const operation = o.string('operation');
    const otype = o.string('type', 'probabilistic');
    if (otype !== 'probabilistic') throw new ConfigError(o.at('type'), `per-operation strategies are probabilistic only (as in Jaeger), got ${JSON.stringify(otype)}`);
    const probability = o.number('param', { min: 0, max: 1 });
    o.done();
    return { operation, probability };
  });
  return { type, param, operations };
}

function adaptive(r: ObjectReader): AdaptiveConfig {
  const a: AdaptiveConfig = {
    targetSamplesPerSecond: r.number('target_samples_per_second', { min: 0, exclusiveMin: true }, 1),
    deltaTolerance: r.number('delta_tolerance', { min: 0, max: 1 }, 0.1),
    initialSamplingProbability: r.number('initial_sampling_probability', { min: 0, exclusiveMin: true, max: 1 }, 1),
    minSamplingProbability: r.number('min_sampling_probability', { min: 0, exclusiveMin: true, max: 1 }, 1e-5),
    minSamplesPerSecond: r.number('min_samples_per_second', { min: 0 }, 1 / 60),
    increaseCap: r.number('percentage_increase_cap', { min: 0, exclusiveMin: true }, 0.5),
    calculationIntervalMs: r.duration('calculation_interval', 60_000),
    operationTtlWindows: r.number('operation_ttl_windows', { integer: true, min: 1 }, 10),
  };
  r.done();
  return a;
}

/** Parses the section; `undefined` (no section) serves the default strategy to every service. */
export function parseRemoteSamplingConfig(doc: unknown, path = 'remote_sampling'): RemoteSamplingConfig {
  if (doc === undefined || doc === null) return { defaultStrategy: DEFAULT_STRATEGY, services: new Map(), adaptive: undefined };
  const r = ObjectReader.of(doc, path);
  let defaultStrategy = DEFAULT_STRATEGY;
  if (r.has('default_strategy')) {
    const d = ObjectReader.of(r.raw('default_strategy'), r.at('default_strategy'));
    defaultStrategy = strategy(d, DEFAULT_STRATEGY);
    d.done();
  }
  const services = new Map<string, Strategy>();
  for (const { value, path: p } of r.list('service_strategies', { required: false, nonEmpty: false })) {
    const s = ObjectReader.of(value, p);
    const service = s.string('service');
    if (services.has(service)) throw new ConfigError(s.at('service'), `service ${JSON.stringify(service)} appears twice`);
    services.set(service, strategy(s));
    s.done();
  }
  const adaptiveCfg = r.has('adaptive') ? adaptive(ObjectReader.of(r.raw('adaptive'), r.at('adaptive'))) : undefined;
  r.done();
  return { defaultStrategy, services, adaptive: adaptiveCfg };
}
