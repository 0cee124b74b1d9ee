import { describe, expect, it } from 'vitest';
import { decodeRawSpans } from '../../../src/ingest/decode.ts';

const decode = (doc: unknown) => {
  const r = decodeRawSpans({ key: null, value: Buffer.from(JSON.stringify(doc)), timestamp: 0, headers: {} });
  if (!r.ok) throw new Error(r.error);
  return r;
};

describe('Zipkin v2 → model', () => {
  it('maps service, kind, times, status, peer and annotations per the OTel Zipkin mapping', () => {
    const r = decode([
      {
        traceId: 'a1b2c3d4e5f60718', id: '1122334455667788', parentId: '0000000000000000', name: 'get /users', kind: 'CLIENT',
        timestamp: 1_700_000_000_000_001, duration: 2500,
        localEndpoint: { serviceName: 'frontend', ipv4: '10.0.0.1' },
        remoteEndpoint: { serviceName: 'users', ipv4: '10.0.0.2', port: 8080 },
        tags: { 'http.method': 'GET', 'otel.status_code': 'ERROR', error: 'boom', 'otel.scope.name': 'lib', 'otel.scope.version': '1.2' },
        annotations: [{ timestamp: 1_700_000_000_000_100, value: 'retry' }],
      },
    ]);
    expect(r.format).toBe('zipkin_json');
    expect(r.spans).toEqual([
      {
        traceId: '0000000000000000a1b2c3d4e5f60718', spanId: '1122334455667788', parentSpanId: '', traceState: '', flags: 0,
        name: 'get /users', kind: 3,
        startTimeUnixNano: 1_700_000_000_000_001_000n, endTimeUnixNano: 1_700_000_000_002_501_000n,
        status: { code: 2, message: 'boom' },
        attributes: [
          { key: 'http.method', value: { type: 'string', value: 'GET' } },
          { key: 'peer.service', value: { type: 'string', value: 'users' } },
          { key: 'network.peer.address', value: { type: 'string', value: '10.0.0.2' } },
          { key: 'network.peer.port', value: { type: 'int', value: 8080n } },
        ],
        droppedAttributesCount: 0,
        events: [{ timeUnixNano: 1_700_000_000_000_100_000n, name: 'retry', attributes: [], droppedAttributesCount: 0 }],
        droppedEventsCount: 0, links: [], droppedLinksCount: 0,
        resource: { attributes: [{ key: 'service.name', value: { type: 'string', value: 'frontend' } }], droppedAttributesCount: 0, schemaUrl: '' },
        scope: { name: 'lib', version: '1.2', attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
      },
    ]);
  });

  it('gives a shared server span its own id, parented to the client span', () => {
    const base = { traceId: 'ab'.repeat(16), id: '00000000000000cc', parentId: '00000000000000bb', timestamp: 1, duration: 1 };
    const r = decode([{ ...base, kind: 'CLIENT' }, { ...base, kind: 'SERVER', shared: true }]);
    const [client, server] = r.spans;
    expect(client?.spanId).toBe('00000000000000cc');
    expect(server?.parentSpanId).toBe('00000000000000cc');
    expect(server?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(server?.spanId).not.toBe(client?.spanId);
    expect(decode([{ ...base, kind: 'SERVER', shared: true }]).spans[0]?.spanId).toBe(server?.spanId);
  });

  it('defaults kind to INTERNAL and OK status from otel.status_code', () => {
    const [s] = decode([{ traceId: 'ab'.repeat(16), id: '1'.repeat(16), timestamp: 5, duration: 0, tags: { 'otel.status_code': 'OK' } }]).spans;
    expect(s).toMatchObject({ kind: 1, status: { code: 1, message: '' }, attributes: [] });
  });

  it('rejects a span with a non-string tag or bad id, keeping the rest', () => {
    const good = { traceId: 'ab'.repeat(16), id: '1'.repeat(16), timestamp: 5, duration: 1 };
    const r = decode([good, { ...good, tags: { n: 5 } }, { ...good, id: '12' }]);
    expect(r.spans).toHaveLength(1);
    expect(r.rejected.map((x) => x.reason)).toEqual(['span[1].tags["n"]: string expected, got number', 'span[2].spanId: 8 bytes expected, got 1']);
  });
});
