import { describe, expect, it } from 'vitest';
import { ModelIndex, type AppModel } from '../../../src/workload/app-model.ts';
import { SHOP } from '../../../src/workload/shop.ts';

const calls = SHOP.services.flatMap((s) => s.operations.flatMap((o) => o.calls.map((c) => ({ from: s.name, c }))));

describe('the shop model', () => {
  it('has at least 20 services, each with at least one operation and one pod', () => {
    expect(SHOP.services.length).toBeGreaterThanOrEqual(20);
    for (const s of SHOP.services) {
      expect(s.operations.length, s.name).toBeGreaterThan(0);
      expect(s.instances, s.name).toBeGreaterThan(0);
    }
    const names = SHOP.services.map((s) => s.name);
    for (const n of ['frontend', 'api-gateway', 'auth', 'cart', 'checkout', 'payment', 'shipping', 'inventory', 'catalog', 'search', 'recommendation', 'pricing', 'currency', 'email', 'notification', 'user', 'review', 'ad', 'fraud', 'tax', 'loyalty']) {
      expect(names).toContain(n);
    }
  });

  it('is consistent: every call and entry point resolves', () => {
    expect(() => new ModelIndex(SHOP)).not.toThrow();
  });

  it('uses all three database systems, an uninstrumented peer and a kafka fan-out', () => {
    const systems = new Set(calls.flatMap(({ c }) => (c.kind === 'db' ? [c.system] : [])));
    expect([...systems].sort()).toEqual(['mongodb', 'postgresql', 'redis']);
    expect(calls.some(({ from, c }) => from === 'payment' && c.kind === 'peer' && c.peerService === 'stripe-api')).toBe(true);
    const produce = calls.find(({ c }) => c.kind === 'produce');
    expect(produce?.from).toBe('checkout');
    expect(produce?.c.kind === 'produce' && produce.c.consumers.map((k) => k.service).sort()).toEqual(['email', 'shipping']);
  });

  it('mixes http and grpc endpoints', () => {
    const protocols = new Set(SHOP.services.flatMap((s) => s.operations.map((o) => o.endpoint.protocol)));
    expect(protocols).toEqual(new Set(['http', 'grpc', 'messaging', 'internal']));
  });

  const broken: [string, AppModel][] = [
    ['an unknown callee', { ...SHOP, services: [...SHOP.services.filter((s) => s.name !== 'currency')] }],
    ['an unknown entry point', { ...SHOP, entryPoints: [{ service: 'frontend', operation: 'nope', weight: 1 }] }],
    ['a duplicate service', { ...SHOP, services: [...SHOP.services, SHOP.services[0] as AppModel['services'][number]] }],
    [
      'a call to a consumer as if it were an rpc',
      {
        ...SHOP,
        services: SHOP.services.map((s) => (s.name === 'tax' ? { ...s, operations: [{ id: 'calculate', endpoint: { protocol: 'grpc', rpcService: 't', rpcMethod: 'C' }, selfMs: 1, calls: [{ kind: 'service', service: 'email', operation: 'on-order' }] }] } : s)),
      },
    ],
  ];
  it.each(broken)('rejects a model with %s', (_, model) => {
    expect(() => new ModelIndex(model)).toThrow(/unknown|duplicate|not an http/);
  });
});
