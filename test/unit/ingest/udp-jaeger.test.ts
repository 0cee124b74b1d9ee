import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { PublishError } from '../../../src/ingest/errors.ts';
import type { SpanPublisher, TraceBatch } from '../../../src/ingest/publisher.ts';
import { startJaegerAgent, type ListeningAgent } from '../../../src/ingest/udp-jaeger.ts';
import { MetricsRegistry } from '../../../src/metrics/registry.ts';
import { batch, emitBatch, goodSpan } from '../../fixtures/thrift-binary-writer.ts';

/** Publishes into memory; `gate` holds every publish until opened; `failWith` rejects them. */
class GatedPublisher implements SpanPublisher {
  readonly batches: TraceBatch[] = [];
  failWith: PublishError | undefined;
  private open: () => void = () => undefined;
  gate: Promise<void> = Promise.resolve();
  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.open();
  }
  async publish(batches: readonly TraceBatch[]): Promise<void> {
    await this.gate;
    if (this.failWith) throw this.failWith;
    this.batches.push(...batches);
  }
}

const agents: ListeningAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

async function agent(publisher: SpanPublisher, maxInFlight?: number) {
  const registry = new MetricsRegistry();
  const a = await startJaegerAgent({ publisher, registry, protocol: 'binary', port: 0, host: '127.0.0.1', ...(maxInFlight ? { maxInFlight } : {}) });
  agents.push(a);
  const socket = createSocket('udp4');
  const send = (b: Buffer) => new Promise<void>((res, rej) => socket.send(b, a.port, '127.0.0.1', (e) => (e ? rej(e) : res())));
  const datagrams = registry.counter('tailstream_jaeger_agent_datagrams_total', '');
  const spans = registry.counter('tailstream_jaeger_agent_spans_total', '');
  /** Waits (on events, not time) until `n` datagrams are counted. */
  const counted = async (n: number) => {
    while (datagrams.total() < n) await new Promise((r) => setImmediate(r));
    await a.idle();
  };
  return { a, send, datagrams, spans, counted, close: () => socket.close() };
}

describe('Jaeger agent UDP port', () => {
  it('counts accepted, partial and rejected datagrams and their spans', async () => {
    const pub = new GatedPublisher();
    const t = await agent(pub);
    await t.send(emitBatch(batch('svc', [goodSpan(1n), goodSpan(2n)])));
    await t.send(emitBatch(batch('svc', [goodSpan(3n), goodSpan(0n)])));
    await t.send(Buffer.from([0x80, 0x01, 0x00, 0x04, 0xff]));
    await t.counted(3);
    t.close();
    expect(t.datagrams.get({ protocol: 'binary', outcome: 'accepted' })).toBe(1);
    expect(t.datagrams.get({ protocol: 'binary', outcome: 'partial' })).toBe(1);
    expect(t.datagrams.get({ protocol: 'binary', outcome: 'rejected' })).toBe(1);
    expect(t.spans.get({ protocol: 'binary', outcome: 'accepted' })).toBe(3);
    expect(t.spans.get({ protocol: 'binary', outcome: 'rejected' })).toBe(1);
    expect(pub.batches.flatMap((b) => b.spans.map((s) => s.spanId)).sort()).toEqual(['0000000000000001', '0000000000000002', '0000000000000003']);
  });

  it('refuses datagrams past the in-flight bound while the publisher is slow, and counts a publisher refusal', async () => {
    const pub = new GatedPublisher();
    pub.hold();
    const t = await agent(pub, 1);
    await t.send(emitBatch(batch('svc', [goodSpan(1n)])));
    await t.send(emitBatch(batch('svc', [goodSpan(2n)])));
    while (t.datagrams.get({ protocol: 'binary', outcome: 'overloaded' }) < 1) await new Promise((r) => setImmediate(r));
    pub.failWith = new PublishError('UNAVAILABLE', 'raw-spans unavailable', 1);
    pub.release();
    await t.counted(2);
    t.close();
    expect(t.datagrams.get({ protocol: 'binary', outcome: 'overloaded' })).toBe(1);
    expect(t.datagrams.get({ protocol: 'binary', outcome: 'unavailable' })).toBe(1);
    expect(pub.batches).toEqual([]);
  });

  it('refuses a datagram over 65 000 bytes without decoding it', async () => {
    const t = await agent(new GatedPublisher());
    await t.send(Buffer.alloc(65_001, 0x80));
    await t.counted(1);
    t.close();
    expect(t.datagrams.get({ protocol: 'binary', outcome: 'too_large' })).toBe(1);
  });
});
