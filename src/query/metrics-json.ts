import type { MetricsQuery } from './metrics-params.ts';
import { evaluationTimes, seriesValues, type MetricRequest, type MetricSeries } from './metrics-series.ts';

/**
 * Jaeger's `MetricFamily` (api_v2/metrics/openmetrics.proto) as its query service writes it
 * with jsonpb: enum names, RFC 3339 timestamps, NaN as the string "NaN" (a rate window
 * without calls has no error rate or latency, as Prometheus answers 0/0).
 */
export interface MetricFamilyJson {
  readonly name: string;
  readonly type: 'GAUGE';
  readonly help: string;
  readonly metrics: readonly MetricJson[];
}

export interface MetricJson {
  readonly labels: readonly { readonly name: string; readonly value: string }[];
  readonly metricPoints: readonly { readonly gaugeValue: { readonly doubleValue: number | 'NaN' }; readonly timestamp: string }[];
}

function describe(req: MetricRequest): { name: string; help: string } {
  switch (req.metric) {
    case 'calls':
      return { name: 'service_call_rate', help: 'calls/sec, grouped by service' };
    case 'errors':
      return { name: 'service_error_rate', help: 'error rate, computed as a fraction of errors/sec over calls/sec, grouped by service' };
    case 'latencies':
      return { name: 'service_latencies', help: `${req.quantile.toFixed(2)}th quantile latency, grouped by service` };
  }
}

/** jsonpb's Timestamp: no fraction when the time is a whole second. */
export function protoTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * The family Jaeger names for the request (`service_operation_*` when grouped by
 * operation, help text + " & operation"), one metric per series with a point per
 * evaluation time; labels `service_name` first (Jaeger UI reads labels[0] as the service),
 * then `operation`.
 */
export function metricFamily(q: MetricsQuery, req: MetricRequest, series: readonly MetricSeries[]): MetricFamilyJson {
  const d = describe(req);
  const times = evaluationTimes(q);
  return {
    name: q.groupByOperation ? d.name.replace('service', 'service_operation') : d.name,
    type: 'GAUGE',
    help: q.groupByOperation ? `${d.help} & operation` : d.help,
    metrics: series.map((s) => {
      const values = seriesValues(s.slots, times, q.ratePerMs, req);
      return {
        labels: [{ name: 'service_name', value: s.service }, ...(s.operation === undefined ? [] : [{ name: 'operation', value: s.operation }])],
        metricPoints: times.map((t, i) => {
          const v = values[i] as number;
          return { gaugeValue: { doubleValue: Number.isNaN(v) ? 'NaN' : v }, timestamp: protoTimestamp(t) };
        }),
      };
    }),
  };
}
