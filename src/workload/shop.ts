/**
 * "tailshop": the simulated e-commerce application every workload runs. Its call graph
 * is fixed and known, so tests can check edge derivation against it; it covers the cases
 * that trip edge and sampling code: HTTP and gRPC hops, graceful degradation, three
 * database systems, an uninstrumented payment provider and a Kafka fan-out.
 */
import type { AppModel, Call, DbCall, DbSystem, Endpoint, Language, Operation, PeerCall, Service, ServiceCall } from './app-model.ts';

type Opts = Omit<Partial<ServiceCall>, 'kind' | 'service' | 'operation'>;
const svc = (service: string, operation: string, o: Opts = {}): ServiceCall => ({ kind: 'service', service, operation, ...o });
const db = (system: DbSystem, name: string, operation: string, target: string, statement: string, medianMs: number, o: Opts = {}): DbCall => ({
  kind: 'db', system, db: name, operation, target, statement, medianMs, ...o,
});
const http = (method: string, route: string): Endpoint => ({ protocol: 'http', method, route });
const grpc = (rpcService: string, rpcMethod: string): Endpoint => ({ protocol: 'grpc', rpcService, rpcMethod });
const op = (id: string, endpoint: Endpoint, selfMs: number, calls: readonly Call[], extra: Partial<Operation> = {}): Operation => ({
  id, endpoint, selfMs, calls, ...extra,
});
const service = (name: string, language: Language, version: string, instances: number, operations: readonly Operation[]): Service => ({
  name, language, version, instances, operations,
});

const stripeCharge: PeerCall = {
  kind: 'peer', peerService: 'stripe-api', address: 'api.stripe.com', method: 'POST', path: '/v1/charges', medianMs: 60,
};
const auth = svc('auth', 'validate');
const getProduct = (o: Opts = {}): ServiceCall => svc('catalog', 'get-product', o);

const services: readonly Service[] = [
  service('frontend', 'nodejs', '2.14.1', 3, [
    op('home', http('GET', '/'), 4, [svc('api-gateway', 'home')], { tags: ['session', 'flags'] }),
    op('product', http('GET', '/product/{id}'), 5, [svc('api-gateway', 'product')], { tags: ['session', 'product'] }),
    op('search', http('GET', '/search'), 3, [svc('api-gateway', 'search')], { tags: ['session', 'search'] }),
    op('view-cart', http('GET', '/cart'), 3, [svc('api-gateway', 'get-cart')], { tags: ['session', 'cart'] }),
    op('add-to-cart', http('POST', '/cart'), 3, [svc('api-gateway', 'add-to-cart')], { tags: ['session', 'product'] }),
    op('checkout', http('POST', '/checkout'), 6, [svc('api-gateway', 'checkout')], { tags: ['session', 'cart', 'flags'] }),
    op('login', http('POST', '/login'), 3, [svc('api-gateway', 'login')], { tags: ['session'] }),
  ]),
  service('api-gateway', 'go', '1.8.0', 2, [
    op('home', http('GET', '/api/home'), 1, [auth, svc('catalog', 'list-products'), svc('recommendation', 'list', { swallowErrors: true, parallel: true }), svc('ad', 'get-ads', { swallowErrors: true, parallel: true }), svc('currency', 'convert')]),
    op('product', http('GET', '/api/products/{id}'), 1, [auth, getProduct(), svc('pricing', 'get-price', { parallel: true }), svc('review', 'list', { parallel: true, swallowErrors: true }), svc('inventory', 'check-stock', { parallel: true }), svc('recommendation', 'list', { swallowErrors: true, p: 0.5 })], { tags: ['user', 'product'] }),
    op('search', http('GET', '/api/search'), 1, [auth, svc('search', 'query')], { tags: ['user', 'search'] }),
    op('get-cart', http('GET', '/api/cart'), 1, [auth, svc('cart', 'get-cart'), svc('currency', 'convert'), svc('loyalty', 'get-points', { swallowErrors: true })], { tags: ['user', 'cart'] }),
    op('add-to-cart', http('POST', '/api/cart/items'), 1, [auth, svc('inventory', 'check-stock'), svc('pricing', 'get-price'), svc('cart', 'add-item')], { tags: ['user', 'product'] }),
    op('checkout', http('POST', '/api/checkout'), 1, [auth, svc('checkout', 'place-order')], { tags: ['user', 'order'] }),
    op('login', http('POST', '/api/login'), 1, [svc('auth', 'login')]),
  ]),
  service('auth', 'go', '3.2.0', 2, [
    op('validate', grpc('auth.v1.AuthService', 'ValidateToken'), 0.4, [db('redis', 'sessions', 'GET', 'session', 'GET session:?', 0.3)], { tags: ['session'] }),
    op('login', grpc('auth.v1.AuthService', 'Login'), 8, [svc('user', 'get-user'), db('redis', 'sessions', 'SET', 'session', 'SET session:? ? EX 3600', 0.3)], { tags: ['user'], slowCandidate: true }),
  ]),
  service('user', 'java', '5.0.3', 2, [
    op('get-user', grpc('user.v1.UserService', 'GetUser'), 1.5, [db('postgresql', 'users', 'SELECT', 'users', 'SELECT id, email, tier FROM users WHERE id = $1', 1.2)], { tags: ['user'] }),
  ]),
  service('catalog', 'go', '4.1.0', 3, [
    op('list-products', grpc('catalog.v1.CatalogService', 'ListProducts'), 2, [db('postgresql', 'catalog', 'SELECT', 'products', 'SELECT id, name, price FROM products ORDER BY rank LIMIT $1', 3)], { slowCandidate: true }),
    op('get-product', grpc('catalog.v1.CatalogService', 'GetProduct'), 0.8, [db('redis', 'catalog-cache', 'GET', 'product', 'GET product:?', 0.3), db('postgresql', 'catalog', 'SELECT', 'products', 'SELECT * FROM products WHERE id = $1', 1.5, { p: 0.3 })], { tags: ['product'] }),
  ]),
  service('search', 'python', '0.9.7', 2, [
    op('query', http('GET', '/v1/search'), 8, [db('mongodb', 'search', 'aggregate', 'products_idx', '{"aggregate":"products_idx","pipeline":[{"$search":"?"}]}', 6), getProduct({ repeat: [1, 5], parallel: true }), svc('pricing', 'get-price')], { tags: ['search'], slowCandidate: true }),
  ]),
  service('recommendation', 'python', '1.3.0', 2, [
    op('list', grpc('recommendation.v1.RecommendationService', 'ListRecommendations'), 6, [getProduct({ repeat: [1, 4], parallel: true })], { tags: ['user', 'flags'], slowCandidate: true }),
  ]),
  service('ad', 'java', '2.0.0', 2, [
    op('get-ads', grpc('ad.v1.AdService', 'GetAds'), 2, [db('redis', 'ads-cache', 'HGETALL', 'ads', 'HGETALL ads:?', 0.4)]),
  ]),
  service('pricing', 'java', '3.4.2', 2, [
    op('get-price', grpc('pricing.v1.PricingService', 'GetPrice'), 1, [svc('currency', 'convert')], { tags: ['product'] }),
  ]),
  service('currency', 'nodejs', '1.1.0', 2, [op('convert', grpc('currency.v1.CurrencyService', 'Convert'), 0.5, [])]),
  service('review', 'python', '0.4.1', 1, [
    op('list', http('GET', '/v1/reviews/{productId}'), 2, [db('mongodb', 'reviews', 'find', 'reviews', '{"find":"reviews","filter":{"productId":"?"}}', 2)], { tags: ['product'] }),
  ]),
  service('inventory', 'java', '2.7.0', 2, [
    op('check-stock', grpc('inventory.v1.InventoryService', 'CheckStock'), 0.8, [db('postgresql', 'inventory', 'SELECT', 'stock', 'SELECT quantity FROM stock WHERE sku = $1', 1)]),
    op('reserve', grpc('inventory.v1.InventoryService', 'Reserve'), 1.5, [db('postgresql', 'inventory', 'UPDATE', 'stock', 'UPDATE stock SET quantity = quantity - $1 WHERE sku = $2', 2, { repeat: 'cartSize' })], { tags: ['cart'], slowCandidate: true }),
  ]),
  service('cart', 'dotnet', '1.9.4', 2, [
    op('get-cart', grpc('cart.v1.CartService', 'GetCart'), 0.6, [db('redis', 'cart', 'HGETALL', 'cart', 'HGETALL cart:?', 0.3)], { tags: ['user', 'cart'] }),
    op('add-item', grpc('cart.v1.CartService', 'AddItem'), 0.6, [db('redis', 'cart', 'HSET', 'cart', 'HSET cart:? ? ?', 0.3)], { tags: ['user', 'product'] }),
    op('empty-cart', grpc('cart.v1.CartService', 'EmptyCart'), 0.4, [db('redis', 'cart', 'DEL', 'cart', 'DEL cart:?', 0.3)], { tags: ['user'] }),
  ]),
  service('checkout', 'go', '6.0.2', 2, [
    op('place-order', grpc('checkout.v1.CheckoutService', 'PlaceOrder'), 4, [
      svc('cart', 'get-cart'), svc('user', 'get-user'), svc('pricing', 'get-price', { repeat: 'cartSize', parallel: true }),
      svc('tax', 'calculate'), svc('fraud', 'score'), svc('payment', 'charge'), svc('inventory', 'reserve'),
      svc('shipping', 'quote'), db('postgresql', 'orders', 'INSERT', 'orders', 'INSERT INTO orders (id, user_id, amount, currency) VALUES ($1, $2, $3, $4)', 2),
      svc('loyalty', 'add-points', { swallowErrors: true }), svc('cart', 'empty-cart', { swallowErrors: true }),
      { kind: 'produce', topic: 'orders', consumers: [{ service: 'shipping', operation: 'on-order' }, { service: 'email', operation: 'on-order' }] },
    ], { tags: ['user', 'cart', 'order', 'flags'] }),
  ]),
  service('tax', 'go', '1.0.5', 1, [op('calculate', grpc('tax.v1.TaxService', 'Calculate'), 0.7, [db('redis', 'tax-rates', 'GET', 'rates', 'GET rates:?', 0.3)], { tags: ['order'] })]),
  service('fraud', 'python', '2.2.0', 2, [
    op('score', http('POST', '/v1/score'), 5, [db('mongodb', 'fraud', 'find', 'features', '{"find":"features","filter":{"userId":"?"}}', 3)], { tags: ['user', 'order'], slowCandidate: true }),
  ]),
  service('payment', 'nodejs', '4.3.1', 2, [
    op('charge', grpc('payment.v1.PaymentService', 'Charge'), 2, [stripeCharge, db('postgresql', 'payments', 'INSERT', 'charges', 'INSERT INTO charges (id, order_id, amount) VALUES ($1, $2, $3)', 1.5)], { tags: ['order'], slowCandidate: true }),
  ]),
  service('shipping', 'rust', '0.12.0', 2, [
    op('quote', http('POST', '/v1/quote'), 1, [svc('currency', 'convert')], { tags: ['cart'] }),
    op('on-order', { protocol: 'messaging', topic: 'orders' }, 2, [db('postgresql', 'shipping', 'INSERT', 'shipments', 'INSERT INTO shipments (order_id, address) VALUES ($1, $2)', 2), svc('notification', 'notify')], { tags: ['order'] }),
  ]),
  service('email', 'ruby', '1.4.0', 1, [
    op('on-order', { protocol: 'messaging', topic: 'orders' }, 6, [svc('user', 'get-user'), db('redis', 'email-templates', 'GET', 'template', 'GET template:order-confirmation', 0.3)], { tags: ['order'] }),
  ]),
  service('notification', 'go', '0.8.0', 1, [
    op('notify', http('POST', '/v1/notify'), 1, [db('mongodb', 'notifications', 'insert', 'outbox', '{"insert":"outbox","documents":["?"]}', 1.5)], { tags: ['user'] }),
  ]),
  service('loyalty', 'java', '1.2.0', 1, [
    op('get-points', grpc('loyalty.v1.LoyaltyService', 'GetPoints'), 0.8, [db('postgresql', 'loyalty', 'SELECT', 'points', 'SELECT balance FROM points WHERE user_id = $1', 1)], { tags: ['user'] }),
    op('add-points', grpc('loyalty.v1.LoyaltyService', 'AddPoints'), 0.8, [db('postgresql', 'loyalty', 'UPDATE', 'points', 'UPDATE points SET balance = balance + $1 WHERE user_id = $2', 1.5)], { tags: ['user', 'order'] }),
  ]),
  service('batch-indexer', 'go', '0.3.0', 1, [op('reindex', { protocol: 'internal' }, 5, [])]),
];

/** The shop: services, call graph and traffic mix (weights ≈ page views per 100 requests). */
export const SHOP: AppModel = {
  name: 'tailshop',
  environment: 'production',
  services,
  entryPoints: [
    { service: 'frontend', operation: 'home', weight: 25 },
    { service: 'frontend', operation: 'product', weight: 22 },
    { service: 'frontend', operation: 'search', weight: 14 },
    { service: 'frontend', operation: 'add-to-cart', weight: 10 },
    { service: 'frontend', operation: 'view-cart', weight: 7 },
    { service: 'frontend', operation: 'checkout', weight: 8 },
    { service: 'frontend', operation: 'login', weight: 4 },
    // Mobile app clients hit the gateway directly.
    { service: 'api-gateway', operation: 'product', weight: 10 },
  ],
};

/** The service and operation the huge fan-out batch trace runs in. */
export const BATCH_JOB = { service: 'batch-indexer', operation: 'reindex', db: 'catalog' } as const;
