import { describe, expect, it } from 'vitest';
import { clientPeerName, connectionTypeOf, producerDestinationName } from '../../../src/edges/peer.ts';
import type { ConnectionType } from '../../../src/edges/types.ts';
import { span } from './span-factory.ts';
import type { KindName } from './span-factory.ts';

const s = (kind: KindName, attrs: Record<string, string>) => span({ id: 1, service: 'A', kind, attrs });

describe('connectionTypeOf', () => {
  const cases: ReadonlyArray<[string, KindName, Record<string, string>, ConnectionType]> = [
    ['db.system wins over http and address', 'client', { 'db.system': 'elasticsearch', 'http.request.method': 'GET' }, 'database'],
    ['messaging.system on a client span', 'client', { 'messaging.system': 'rabbitmq' }, 'messaging'],
    ['producer kind without attributes', 'producer', {}, 'messaging'],
    ['consumer kind without attributes', 'consumer', {}, 'messaging'],
    ['rpc.system wins over http', 'client', { 'rpc.system': 'grpc', 'http.method': 'POST' }, 'rpc'],
    ['old http.* attribute', 'client', { 'http.method': 'GET' }, 'http'],
    ['url.* attribute', 'server', { 'url.path': '/x' }, 'http'],
    ['nothing known', 'client', { 'server.address': 'x' }, 'other'],
    ['empty db.system is absent', 'client', { 'db.system': '' }, 'other'],
  ];
  it.each(cases)('%s', (_name, kind, attrs, expected) => {
    expect(connectionTypeOf([s(kind, attrs)])).toBe(expected);
  });

  it('combines both sides of a call', () => {
    expect(connectionTypeOf([s('client', {}), s('server', { 'rpc.system': 'grpc' })])).toBe('rpc');
  });
});

describe('virtual node names', () => {
  const clientCases: ReadonlyArray<[Record<string, string>, string | undefined]> = [
    [{ 'peer.service': 'billing', 'db.system': 'redis', 'server.address': 'h' }, 'billing'],
    [{ 'db.system': 'postgresql', 'db.name': 'orders', 'db.namespace': 'ignored', 'server.address': 'h' }, 'postgresql:orders'],
    [{ 'db.system': 'mongodb', 'db.namespace': 'shop' }, 'mongodb:shop'],
    [{ 'db.system': 'redis', 'server.address': 'cache' }, 'redis'],
    [{ 'server.address': 'a', 'net.peer.name': 'b', 'http.host': 'c' }, 'a'],
    [{ 'net.peer.name': 'b', 'http.host': 'c' }, 'b'],
    [{ 'http.host': 'c' }, 'c'],
    [{ 'peer.service': '', 'url.full': 'http://x/' }, undefined],
  ];
  it.each(clientCases)('client %j → %s', (attrs, expected) => {
    expect(clientPeerName(s('client', attrs))).toBe(expected);
  });

  it('reads only string attributes', () => {
    const base = s('client', {});
    const withInt = { ...base, attributes: [{ key: 'peer.service', value: { type: 'int' as const, value: 5n } }] };
    expect(clientPeerName(withInt)).toBeUndefined();
  });

  it('names a producer destination, new attribute first', () => {
    expect(producerDestinationName(s('producer', { 'messaging.destination.name': 'new', 'messaging.destination': 'old' }))).toBe('new');
    expect(producerDestinationName(s('producer', { 'messaging.destination': 'old' }))).toBe('old');
    expect(producerDestinationName(s('producer', { 'peer.service': 'p' }))).toBeUndefined();
  });
});
