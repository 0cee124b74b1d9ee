/**
 * raw-spans decode throughput per format, on one core, each beside JSON.parse of the same
 * bytes (ratio > 1 means faster than merely parsing the bytes as JSON; binary formats are
 * compared with JSON.parse of the same spans as OTLP/JSON).
 * Usage: npm run bench -- decode [spansPerRecord=100] [seconds=1]
 */
import { RawSpansDecoder, type RawSpansFormat } from '../src/ingest/decode.ts';
import { encodeOtlpJson } from '../src/model/otlp-json.ts';
import { encodeOtlpProto } from '../src/ingest/otlp-proto.ts';
import type { Span } from '../src/model/span.ts';
import { spanBatchSerde } from '../src/serde/avro-serde.ts';
import { InProcessRegistry } from '../src/serde/registry.ts';
import { decodeJaegerBatch } from '../src/ingest/jaeger/decode.ts';
import { randomSpans } from '../test/fixtures/otel-random.ts';
import { jaegerThriftBatch } from './jaeger-thrift-input.ts';

function zipkinJson(spans: readonly Span[]): string {
  return JSON.stringify(
    spans.map((s) => ({
      traceId: s.traceId,
      id: s.spanId,
      ...(s.parentSpanId ? { parentId: s.parentSpanId } : {}),
      name: s.name,
      kind: 'SERVER',
      timestamp: Number(s.startTimeUnixNano / 1000n) % 2 ** 50,
      duration: Number((s.endTimeUnixNano - s.startTimeUnixNano) / 1000n) % 2 ** 30,
      localEndpoint: { serviceName: 'svc' },
      tags: Object.fromEntries(s.attributes.map((a) => [a.key, 'value' in a.value ? String(a.value.value) : ''])),
      annotations: s.events.map((e) => ({ timestamp: 1, value: e.name })),
    })),
  );
}

function rate(seconds: number, fn: () => number): number {
  for (let i = 0; i < 20; i++) fn(); // warm-up
  let spans = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 10; i++) spans += fn();
    now = process.hrtime.bigint();
  }
  return spans / (Number(now - start) / 1e9);
}

export default async function decodeBench(args: string[]): Promise<void> {
  const perRecord = Number(args[0] ?? 100);
  const seconds = Number(args[1] ?? 1);
  const spans = randomSpans(1234, perRecord, { simple: true });
  const registry = InProcessRegistry.fromDir();
  const avro = await spanBatchSerde(registry);
  const decoder = new RawSpansDecoder({ registry });
  const inputs: [RawSpansFormat, Buffer][] = [
    ['otlp_proto', Buffer.from(encodeOtlpProto(spans))],
    ['otlp_json', Buffer.from(encodeOtlpJson(spans))],
    ['zipkin_json', Buffer.from(zipkinJson(spans))],
    ['avro', avro.serialize(spans)],
  ];
  for (const [format, bytes] of inputs) {
    process.stderr.write(`decode ${format}: ${perRecord} spans/record, ${bytes.length} bytes\n`);
    const check = decoder.decodeBytes(bytes, undefined, format);
    if (!check.ok || check.spans.length !== perRecord) throw new Error(`${format}: bench input did not decode (${check.ok ? check.rejected[0]?.reason : check.error})`);
    const decodeRate = rate(seconds, () => {
      const r = decoder.decodeBytes(bytes, undefined, format);
      return r.ok ? r.spans.length : 0;
    });
    // Binary bytes are not JSON: for those the baseline parses the same spans' OTLP/JSON text.
    const text = format.endsWith('json') ? bytes.toString('utf8') : (inputs[1] as [RawSpansFormat, Buffer])[1].toString('utf8');
    const parseRate = rate(seconds, () => {
      JSON.parse(text);
      return perRecord;
    });
    console.log(`decode.${format} ${Math.round(decodeRate)} spans/s`);
    console.log(`decode.${format}.bytes_per_span ${Math.round(bytes.length / perRecord)} B`);
    console.log(`decode.${format}.ratio_vs_json_parse ${(decodeRate / parseRate).toFixed(2)}`);
  }
  // Jaeger's collector body (a binary-protocol Batch): decoded at the door, not a raw-spans format.
  const thrift = jaegerThriftBatch(spans);
  const check = decodeJaegerBatch(thrift);
  if (!check.ok || check.spans.length !== perRecord) throw new Error(`jaeger_thrift: bench input did not decode (${check.ok ? check.rejected[0]?.reason : check.error})`);
  const thriftRate = rate(seconds, () => {
    const r = decodeJaegerBatch(thrift);
    return r.ok ? r.spans.length : 0;
  });
  const jsonText = (inputs[1] as [RawSpansFormat, Buffer])[1].toString('utf8');
  const jsonRate = rate(seconds, () => {
    JSON.parse(jsonText);
    return perRecord;
  });
  console.log(`decode.jaeger_thrift ${Math.round(thriftRate)} spans/s`);
  console.log(`decode.jaeger_thrift.bytes_per_span ${Math.round(thrift.length / perRecord)} B`);
  console.log(`decode.jaeger_thrift.ratio_vs_json_parse ${(thriftRate / jsonRate).toFixed(2)}`);
}
