/**
 * Jaeger's classic JSON model (jaeger-ui's types, /api/traces responses). Times are µs
 * since the epoch, durations µs. int64 tag values are bigints, written as exact JSON numbers.
 */
export type JaegerValueType = 'string' | 'bool' | 'int64' | 'float64' | 'binary';

export interface JaegerKeyValue {
  readonly key: string;
  readonly type: JaegerValueType;
  readonly value: string | boolean | number | bigint;
}

export interface JaegerReference {
  readonly refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  readonly traceID: string;
  readonly spanID: string;
  /** Link attributes (an addition: Jaeger's model has nowhere else for them); absent for the parent. */
  readonly tags?: readonly JaegerKeyValue[];
}

export interface JaegerLog {
  readonly timestamp: number;
  readonly fields: readonly JaegerKeyValue[];
}

export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly flags: number;
  readonly operationName: string;
  readonly references: readonly JaegerReference[];
  readonly startTime: number;
  readonly duration: number;
  readonly tags: readonly JaegerKeyValue[];
  readonly logs: readonly JaegerLog[];
  readonly processID: string;
  readonly warnings: readonly string[] | null;
}

export interface JaegerProcess {
  readonly serviceName: string;
  readonly tags: readonly JaegerKeyValue[];
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, JaegerProcess>>;
  readonly warnings: readonly string[] | null;
}

export interface JaegerError {
  readonly code: number;
  readonly msg: string;
}

/** Every classic endpoint answers in this envelope. */
export interface JaegerResponse<T> {
  readonly data: T;
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
  readonly errors: readonly JaegerError[] | null;
}
