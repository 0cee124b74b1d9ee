import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfluentRegistry } from '../../src/serde/registry-confluent.ts';
import { spanBatchSerde, wireSchemaId } from '../../src/serde/avro-serde.ts';
import { span } from './edges/span-factory.ts';

/**
 * A small in-memory stand-in for Confluent Schema Registry's REST API (the two calls the
 * client makes): enough to exercise the SCHEMA_REGISTRY_URL path end to end over HTTP.
 */
function fakeRegistry() {
  const schemas: string[] = [];
  const subjects = new Map<string, number[]>();
  const app = express();
  app.use(express.json({ type: () => true, limit: '5mb' }));
  const config = new Map<string, string>();
  app.get('/config/:subject', (req, res) => {
    const level = config.get(req.params.subject);
    if (level) res.json({ compatibilityLevel: level });
    else res.status(404).json({ error_code: 40401, message: 'Subject not found' });
  });
  app.put('/config/:subject', (req, res) => {
    config.set(req.params.subject, (req.body as { compatibility: string }).compatibility);
    res.json(req.body);
  });
  app.post('/subjects/:subject/versions', (req, res) => {
    const schema = (req.body as { schema: string }).schema;
    let id = schemas.indexOf(schema) + 1;
    if (id === 0) id = schemas.push(schema);
    const versions = subjects.get(req.params.subject) ?? [];
    if (!versions.includes(id)) versions.push(id);
    subjects.set(req.params.subject, versions);
    res.json({ id });
  });
  app.get('/schemas/ids/:id', (req, res) => {
    const schema = schemas[Number(req.params.id) - 1];
    if (!schema) res.status(404).json({ error_code: 40403, message: 'Schema not found' });
    else res.json({ schema });
  });
  return { app, subjects };
}

let server: Server;
let url: string;
let registry: ReturnType<typeof fakeRegistry>;
beforeAll(async () => {
  registry = fakeRegistry();
  server = await new Promise<Server>((r) => {
    const s = registry.app.listen(0, '127.0.0.1', () => r(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('Confluent schema registry (SCHEMA_REGISTRY_URL)', () => {
  it('registers SpanBatch under its record name and writes the registry id into the wire format', async () => {
    const serde = await spanBatchSerde(new ConfluentRegistry(url));
    const bytes = serde.serialize([span({ id: 1, service: 'a', kind: 'server' })]);
    expect(registry.subjects.get('tailstream.SpanBatch')).toEqual([serde.schemaId]);
    expect(wireSchemaId(bytes)).toBe(serde.schemaId);
  });

  it('reads a record written by another process, fetching the writer schema by id', async () => {
    const spans = [span({ id: 7, parent: 1, service: 'b', kind: 'client', attrs: { 'peer.service': 'x' } })];
    const bytes = (await spanBatchSerde(new ConfluentRegistry(url))).serialize(spans);
    const reader = await spanBatchSerde(new ConfluentRegistry(url));
    expect(await reader.deserializeAsync(bytes)).toEqual(spans);
  });

  it('fails with a clear error for an id the registry does not know', async () => {
    const reader = await spanBatchSerde(new ConfluentRegistry(url));
    const bytes = Buffer.from([0, 0, 0, 0x30, 0x39, 0]);
    await expect(reader.deserializeAsync(bytes)).rejects.toThrow(/12345|not found/i);
  });
});
