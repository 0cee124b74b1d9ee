/**
 * raw-spans decode throughput per format, on one core, each beside JSON.parse of the same
 * bytes (ratio > 1 means faster than merely parsing the bytes as JSON; binary formats are
 * compared with JSON.parse of the same spans as OTLP/JSON).
 * Redaction (examples/redaction.yaml) is measured on the same records beside the plain
 * decoder, on clean spans and on spans whose every string holds secrets, and each built-in
 * pattern on a 1 MB near-miss value (linear time expected).
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
import { loadConfig } from '../src/config/config.ts';
import { Redactor } from '../src/redaction/redactor.ts';
import { BUILTIN_PATTERNS } from '../src/redaction/patterns.ts';
import { ValueRedactor } from '../src/redaction/values.ts';
import { parseRedactionConfig } from '../src/redaction/config.ts';

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
  redactionBench(spans, perRecord, seconds, registry, inputs);
}

function redactionBench(spans: readonly Span[], perRecord: number, seconds: number, registry: InProcessRegistry, inputs: [RawSpansFormat, Buffer][]): void {
  const config = loadConfig({ TAILSTREAM_CONFIG: new URL('../examples/redaction.yaml', import.meta.url).pathname });
  const plain = new RawSpansDecoder({ registry });
  const redacting = new RawSpansDecoder({ registry, redaction: new Redactor(config.redaction as NonNullable<typeof config.redaction>) });
  const secret = 'card 4111 1111 1111 1111 mail bob@example.com Authorization: Bearer abc.def';
  const dirty = spans.map((s) => ({ ...s, name: `${s.name} ${secret}`, attributes: s.attributes.map((a) => (a.value.type === 'string' ? { key: a.key, value: { type: 'string' as const, value: `${a.value.value} ${secret}` } } : a)) }));
  for (const [label, bytes] of [...inputs.filter(([f]) => f === 'otlp_proto' || f === 'otlp_json'), ['otlp_proto', Buffer.from(encodeOtlpProto(dirty))] as [RawSpansFormat, Buffer]].map(([f, b], i) => [i < 2 ? f : `${f}.secrets`, b] as const)) {
    const format: RawSpansFormat = label.startsWith('otlp_json') ? 'otlp_json' : 'otlp_proto';
    const count = (d: RawSpansDecoder) => () => {
      const r = d.decodeBytes(bytes, undefined, format);
      return r.ok ? r.spans.length : 0;
    };
    const base = rate(seconds, count(plain));
    const red = rate(seconds, count(redacting));
    console.log(`decode.${label}.redacted ${Math.round(red)} spans/s`);
    console.log(`decode.${label}.redacted.ratio_vs_plain ${(red / base).toFixed(2)} (plain ${Math.round(base)} spans/s, ${perRecord} spans/record)`);
  }
  const near: Record<string, string> = { credit_card: '1 ', email: 'a', bearer_token: 'bearer', ipv4: '1.', ipv6: 'a:' };
  for (const name of Object.keys(BUILTIN_PATTERNS)) {
    const v = new ValueRedactor(parseRedactionConfig({ allow_all_keys: true, patterns: [name] }));
    const unit = near[name] ?? 'x';
    const text = `${unit.repeat(Math.ceil(1_000_000 / unit.length))} @`; // the tail passes each pattern's cheap pre-check
    const t0 = process.hrtime.bigint();
    v.text(text, 'attributes', () => undefined);
    console.log(`redaction.near_miss_1mb.${name} ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms`);
  }
}
