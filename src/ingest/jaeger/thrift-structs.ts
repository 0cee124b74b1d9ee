/**
 * The structs of jaeger-idl's jaeger.thrift (Batch, Process, Span, SpanRef, Log, Tag) and
 * agent.thrift's `emitBatch` call, read from either protocol. Required fields are left
 * optional here: a span missing one is rejected alone by the converter, with its name.
 * Unknown fields (newer IDL versions: Batch.seqNo, Batch.stats) are skipped.
 */
import { TType, type ThriftInput } from '../thrift/input.ts';

export const TagType = { STRING: 0, DOUBLE: 1, BOOL: 2, LONG: 3, BINARY: 4 } as const;
export const SpanRefType = { CHILD_OF: 0, FOLLOWS_FROM: 1 } as const;

export interface JTag {
  key?: string; vType?: number; vStr?: string; vDouble?: number; vBool?: boolean; vLong?: bigint; vBinary?: Buffer;
}
export interface JLog { timestamp?: bigint; fields?: JTag[] }
export interface JSpanRef { refType?: number; traceIdLow?: bigint; traceIdHigh?: bigint; spanId?: bigint }
export interface JSpan {
  traceIdLow?: bigint; traceIdHigh?: bigint; spanId?: bigint; parentSpanId?: bigint; operationName?: string;
  references?: JSpanRef[]; flags?: number; startTime?: bigint; duration?: bigint; tags?: JTag[]; logs?: JLog[];
}
export interface JProcess { serviceName?: string; tags?: JTag[] }
export interface JBatch { process?: JProcess; spans?: JSpan[] }

/** Reads a struct's fields; `onField` reads the ones it knows and returns false for the rest (skipped). */
function readStruct(r: ThriftInput, onField: (id: number, type: number) => boolean): void {
  r.structBegin();
  for (let f = r.readFieldBegin(); f.type !== TType.STOP; f = r.readFieldBegin()) {
    if (!onField(f.id, f.type)) r.at(f.id, () => r.skip(f.type));
  }
  r.structEnd();
}

/** One field of a declared wire type, read under its name. */
function field<T>(r: ThriftInput, name: string, actual: number, wanted: number, read: () => T): T {
  return r.at(name, () => {
    r.expect(actual, wanted);
    return read();
  });
}

function list<T>(r: ThriftInput, name: string, actual: number, elemType: number, read: () => T): T[] {
  return field(r, name, actual, TType.LIST, () => {
    const h = r.readListBegin();
    if (h.size > 0) r.expect(h.elemType, elemType);
    const out: T[] = [];
    for (let i = 0; i < h.size; i++) out.push(r.at(i, read));
    return out;
  });
}

const i64 = (r: ThriftInput) => (): bigint => r.readI64();

function readTag(r: ThriftInput): JTag {
  const t: JTag = {};
  readStruct(r, (id, type) => {
    switch (id) {
      case 1: t.key = field(r, 'key', type, TType.STRING, () => r.readString()); return true;
      case 2: t.vType = field(r, 'vType', type, TType.I32, () => r.readI32()); return true;
      case 3: t.vStr = field(r, 'vStr', type, TType.STRING, () => r.readString()); return true;
      case 4: t.vDouble = field(r, 'vDouble', type, TType.DOUBLE, () => r.readDouble()); return true;
      case 5: t.vBool = field(r, 'vBool', type, TType.BOOL, () => r.readBool()); return true;
      case 6: t.vLong = field(r, 'vLong', type, TType.I64, i64(r)); return true;
      case 7: t.vBinary = field(r, 'vBinary', type, TType.STRING, () => Buffer.from(r.readBinary())); return true;
      default: return false;
    }
  });
  return t;
}

const readTags = (r: ThriftInput, name: string, type: number): JTag[] => list(r, name, type, TType.STRUCT, () => readTag(r));

function readLog(r: ThriftInput): JLog {
  const l: JLog = {};
  readStruct(r, (id, type) => {
    if (id === 1) l.timestamp = field(r, 'timestamp', type, TType.I64, i64(r));
    else if (id === 2) l.fields = readTags(r, 'fields', type);
    else return false;
    return true;
  });
  return l;
}

function readRef(r: ThriftInput): JSpanRef {
  const ref: JSpanRef = {};
  readStruct(r, (id, type) => {
    switch (id) {
      case 1: ref.refType = field(r, 'refType', type, TType.I32, () => r.readI32()); return true;
      case 2: ref.traceIdLow = field(r, 'traceIdLow', type, TType.I64, i64(r)); return true;
      case 3: ref.traceIdHigh = field(r, 'traceIdHigh', type, TType.I64, i64(r)); return true;
      case 4: ref.spanId = field(r, 'spanId', type, TType.I64, i64(r)); return true;
      default: return false;
    }
  });
  return ref;
}

const I64_FIELDS: Readonly<Record<number, 'traceIdLow' | 'traceIdHigh' | 'spanId' | 'parentSpanId' | 'startTime' | 'duration'>> = {
  1: 'traceIdLow', 2: 'traceIdHigh', 3: 'spanId', 4: 'parentSpanId', 8: 'startTime', 9: 'duration',
};

function readSpan(r: ThriftInput): JSpan {
  const s: JSpan = {};
  readStruct(r, (id, type) => {
    const name = I64_FIELDS[id];
    if (name !== undefined) s[name] = field(r, name, type, TType.I64, i64(r));
    else if (id === 5) s.operationName = field(r, 'operationName', type, TType.STRING, () => r.readString());
    else if (id === 6) s.references = list(r, 'references', type, TType.STRUCT, () => readRef(r));
    else if (id === 7) s.flags = field(r, 'flags', type, TType.I32, () => r.readI32());
    else if (id === 10) s.tags = readTags(r, 'tags', type);
    else if (id === 11) s.logs = list(r, 'logs', type, TType.STRUCT, () => readLog(r));
    else return false;
    return true;
  });
  return s;
}

function readProcess(r: ThriftInput): JProcess {
  const p: JProcess = {};
  readStruct(r, (id, type) => {
    if (id === 1) p.serviceName = field(r, 'serviceName', type, TType.STRING, () => r.readString());
    else if (id === 2) p.tags = readTags(r, 'tags', type);
    else return false;
    return true;
  });
  return p;
}

function readBatchStruct(r: ThriftInput): JBatch {
  const b: JBatch = {};
  readStruct(r, (id, type) => {
    if (id === 1) b.process = field(r, 'process', type, TType.STRUCT, () => readProcess(r));
    else if (id === 2) b.spans = list(r, 'spans', type, TType.STRUCT, () => readSpan(r));
    else return false;
    return true;
  });
  return b;
}

/** A jaeger.thrift Batch struct (the collector's HTTP body). */
export function readBatch(r: ThriftInput): JBatch {
  return r.at('Batch', () => readBatchStruct(r));
}

/** Thrift message types: agent clients send `emitBatch` as ONEWAY (4), some as CALL (1). */
const CALL = 1;
const ONEWAY = 4;

/** An agent datagram: the `Agent.emitBatch(1: Batch batch)` call message. */
export function readEmitBatch(r: ThriftInput): JBatch {
  const msg = r.readMessageBegin();
  if (msg.type !== CALL && msg.type !== ONEWAY) r.fail(`message type ${msg.type}, expected a call (1) or oneway (4)`);
  if (msg.name !== 'emitBatch') {
    r.fail(msg.name === 'emitZipkinBatch' ? 'emitZipkinBatch (Zipkin Thrift spans) is not supported: send emitBatch (jaeger.thrift)' : `unknown method ${JSON.stringify(msg.name.slice(0, 64))}, expected emitBatch`);
  }
  let batch: JBatch | undefined;
  r.at('emitBatch', () =>
    readStruct(r, (id, type) => {
      if (id !== 1) return false;
      batch = field(r, 'batch', type, TType.STRUCT, () => readBatchStruct(r));
      return true;
    }),
  );
  if (batch === undefined) r.fail('emitBatch: argument 1 (batch) missing');
  return batch;
}
