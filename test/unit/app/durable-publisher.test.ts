import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DurableSpanPublisher } from '../../../src/app/durable-publisher.ts';
import { createOtlpHttpApp } from '../../../src/ingest/http-otlp.ts';
import { encodeOtlpJson } from '../../../src/model/otlp-json.ts';
import { listen } from '../../../src/ingest/server.ts';
import { spanBatchSerde } from '../../../src/serde/avro-serde.ts';
import { InProcessRegistry } from '../../../src/serde/registry.ts';
import { FileBroker } from '../../../src/streams/log/file-broker.ts';
import { randomSpans } from '../../fixtures/otel-random.ts';

const dir = mkdtempSync(join(tmpdir(), 'durable-publisher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('embedded ingest on the on-disk raw-spans log', () => {
  it('acknowledges only what is on disk and answers 503 + Retry-After once the log is full, until readers release it', async () => {
    const broker = new FileBroker({ dir, external: ['raw-spans'], segmentBytes: 4 * 1024 });
    const serde = await spanBatchSerde(InProcessRegistry.fromDir());
    let published = 0;
    const publisher = new DurableSpanPublisher(broker, 'raw-spans', serde, 32 * 1024, () => published++);
    const server = await listen(createOtlpHttpApp({ publisher }), 0, '127.0.0.1');
    const post = (seed: number) =>
      fetch(`http://127.0.0.1:${server.port}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: encodeOtlpJson(randomSpans(seed, 20, { simple: true })) });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 200 && !statuses.includes(503); i++) {
        const res = await post(i);
        statuses.push(res.status);
        if (res.status === 200) expect(broker.read('raw-spans', 0, 0).length).toBe(broker.depth('raw-spans')); // 200 ⇒ synced and readable
        if (res.status === 503) expect(res.headers.get('retry-after')).toBe('1');
        await res.arrayBuffer();
      }
      expect(statuses.at(-1)).toBe(503);
      expect(statuses.slice(0, -1).every((s) => s === 200)).toBe(true);
      expect(published).toBe(statuses.length - 1);
      const held = broker.endOffset('raw-spans', 0);

      broker.truncate('raw-spans', 0, held); // every reader committed past all of it
      expect(broker.sizeBytes('raw-spans')).toBeLessThan(32 * 1024);
      expect((await post(1_000)).status).toBe(200);
      expect(broker.endOffset('raw-spans', 0)).toBeGreaterThan(held);
    } finally {
      await server.close();
      broker.close();
    }
  });

  it('counts records piled up downstream (a sink that cannot write), but not dead letters', async () => {
    const broker = new FileBroker({ dir: join(dir, 'downstream'), external: ['raw-spans'] });
    const serde = await spanBatchSerde(InProcessRegistry.fromDir());
    const publisher = new DurableSpanPublisher(broker, 'raw-spans', serde, 16 * 1024, () => undefined, new Set(['raw-spans.dlq']));
    const batch = [{ traceId: 'ab'.repeat(16), spans: randomSpans(1, 5, { simple: true }) }];
    const blob = { key: null, value: Buffer.alloc(20 * 1024), timestamp: 0, headers: {} };
    try {
      broker.append('raw-spans.dlq', blob);
      await expect(publisher.publish(batch)).resolves.toBeUndefined();
      broker.append('sampled-spans', blob);
      await expect(publisher.publish(batch)).rejects.toMatchObject({ code: 'UNAVAILABLE', retryAfterSeconds: 1 });
    } finally {
      broker.close();
    }
  });
});
