/**
 * Business facts of one request (who, what cart, which order, which feature flags). They
 * are drawn once per trace so every span of the trace that records them agrees, as spans
 * of a real request do; attribute-based sampling policies rely on that.
 */
import type { KeyValue } from '../model/span.ts';
import type { TraceTag } from './app-model.ts';
import type { Rng } from './random.ts';
import { kvArray, kvBool, kvDouble, kvInt, kvString } from './attributes.ts';

export interface TraceFacts {
  readonly userId: string;
  readonly sessionId: string;
  readonly cartSize: number;
  readonly productIds: readonly string[];
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly newCheckout: boolean;
  readonly recsV2: boolean;
  readonly query: string;
  readonly results: number;
}

const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'CAD'] as const;
const QUERIES = ['running shoes', 'espresso machine', 'usb-c cable', 'tent', 'headphones', 'desk lamp', 'yoga mat'] as const;

export function newTraceFacts(rng: Rng): TraceFacts {
  const cartSize = rng.int(1, 6);
  const productIds: string[] = [];
  for (let i = 0; i < cartSize; i++) productIds.push(`SKU-${rng.int(10000, 99999)}`);
  return {
    userId: `u-${rng.int(1, 250_000)}`,
    sessionId: rng.hexId(8),
    cartSize,
    productIds,
    orderId: `ord-${rng.hexId(6)}`,
    amount: Math.round(rng.lognormal(60, 0.8) * cartSize * 100) / 100,
    currency: rng.weighted(CURRENCIES, [60, 20, 10, 5, 5]),
    newCheckout: rng.chance(0.2),
    recsV2: rng.chance(0.5),
    query: rng.pick(QUERIES),
    results: rng.int(0, 120),
  };
}

/** The `app.*` attributes an operation records for its tags. */
export function factAttributes(facts: TraceFacts, tags: readonly TraceTag[] | undefined, out: KeyValue[]): void {
  if (!tags) return;
  for (const tag of tags) {
    switch (tag) {
      case 'user':
        out.push(kvString('app.user.id', facts.userId));
        break;
      case 'session':
        out.push(kvString('app.session.id', facts.sessionId));
        break;
      case 'cart':
        out.push(kvInt('app.cart.size', facts.cartSize), kvArray('app.cart.product_ids', facts.productIds));
        break;
      case 'order':
        out.push(kvString('app.order.id', facts.orderId), kvDouble('app.order.amount', facts.amount), kvString('app.order.currency', facts.currency));
        break;
      case 'flags':
        out.push(kvBool('app.feature.new_checkout', facts.newCheckout), kvBool('app.feature.recs_v2', facts.recsV2));
        break;
      case 'product':
        out.push(kvString('app.product.id', facts.productIds[0] ?? 'SKU-00000'));
        break;
      case 'search':
        out.push(kvString('app.search.query', facts.query), kvInt('app.search.results', facts.results));
        break;
    }
  }
}
