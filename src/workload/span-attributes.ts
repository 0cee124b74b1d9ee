/**
 * The semantic-convention attributes, names and error events of each kind of planned span
 * (HTTP and gRPC client/server, database client, uninstrumented peer, Kafka producer and
 * consumer), as the OpenTelemetry instrumentations of the respective libraries record them.
 */
import type { KeyValue, SpanEvent } from '../model/span.ts';
import type { Endpoint, Language } from './app-model.ts';
import type { PlanNode } from './trace-plan.ts';
import type { TraceFacts } from './trace-facts.ts';
import { kvInt, kvString } from './attributes.ts';

const DB_PORT = { postgresql: 5432, redis: 6379, mongodb: 27017 } as const;

/** Span name per the semantic conventions of the span's protocol. */
export function spanName(n: PlanNode): string {
  const call = n.call;
  if (call?.kind === 'db') return `${call.operation} ${call.target}`;
  if (call?.kind === 'peer') return `${call.method} ${call.path}`;
  if (call?.kind === 'produce') return `publish ${call.topic}`;
  const ep = n.op?.endpoint;
  if (!ep) return 'unknown';
  switch (ep.protocol) {
    case 'http':
      return `${ep.method} ${ep.route}`;
    case 'grpc':
      return `${ep.rpcService}/${ep.rpcMethod}`;
    case 'messaging':
      return `process ${ep.topic}`;
    case 'internal':
      return n.op?.id ?? 'internal';
  }
}

/** HTTP status / gRPC code a server answered with: the failing one 500 / INTERNAL, relays 502 / UNAVAILABLE. */
export function responseCode(server: PlanNode, ep: Endpoint): number {
  if (ep.protocol === 'grpc') return !server.error ? 0 : server.errorOrigin ? 13 : 14;
  return !server.error ? 200 : server.errorOrigin ? 500 : 502;
}

function endpointAttributes(ep: Endpoint, code: number, out: KeyValue[]): void {
  if (ep.protocol === 'http') {
    out.push(kvString('http.request.method', ep.method), kvInt('http.response.status_code', code));
    if (code >= 500) out.push(kvString('error.type', String(code)));
  } else if (ep.protocol === 'grpc') {
    out.push(kvString('rpc.system', 'grpc'), kvString('rpc.service', ep.rpcService), kvString('rpc.method', ep.rpcMethod), kvInt('rpc.grpc.status_code', code));
  }
}

const concretePath = (route: string, facts: TraceFacts): string =>
  route.replace(/\{[^}]+\}/g, facts.productIds[0] ?? 'SKU-00000');

/** Protocol attributes of a SERVER or CONSUMER span (business attributes are added by the caller). */
export function serverAttributes(n: PlanNode, facts: TraceFacts, out: KeyValue[]): void {
  const ep = n.op?.endpoint;
  if (!ep) return;
  if (ep.protocol === 'messaging') {
    out.push(
      kvString('messaging.system', 'kafka'),
      kvString('messaging.operation.type', 'process'),
      kvString('messaging.destination.name', ep.topic),
      kvString('messaging.consumer.group.name', n.service),
      kvString('messaging.kafka.message.key', facts.orderId),
    );
    return;
  }
  endpointAttributes(ep, responseCode(n, ep), out);
  if (ep.protocol === 'http') {
    out.push(kvString('http.route', ep.route), kvString('url.path', concretePath(ep.route, facts)), kvString('url.scheme', 'http'));
    out.push(kvString('server.address', n.service), kvInt('server.port', 8080));
    if (!n.parent) out.push(kvString('user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) tailshop-loadgen/1.0'), kvString('client.address', '203.0.113.7'));
  } else if (ep.protocol === 'grpc') {
    out.push(kvString('server.address', n.service), kvInt('server.port', 50051));
  }
}

/** Attributes of a CLIENT span to an instrumented service: mirrors what the callee answered. */
export function clientAttributes(n: PlanNode, facts: TraceFacts, out: KeyValue[]): void {
  const server = n.children[0];
  const ep = n.op?.endpoint;
  if (!server || !ep) return;
  endpointAttributes(ep, responseCode(server, ep), out);
  if (ep.protocol === 'http') {
    out.push(kvString('url.full', `http://${server.service}:8080${concretePath(ep.route, facts)}`), kvString('server.address', server.service), kvInt('server.port', 8080));
  } else {
    out.push(kvString('server.address', server.service), kvInt('server.port', 50051));
  }
}

/** Attributes of a leaf CLIENT span (database or uninstrumented peer) or a PRODUCER span. */
export function leafAttributes(n: PlanNode, facts: TraceFacts, out: KeyValue[]): void {
  const call = n.call;
  if (call?.kind === 'db') {
    out.push(
      kvString('db.system', call.system),
      kvString('db.name', call.db),
      kvString('db.namespace', call.db),
      kvString('db.operation.name', call.operation),
      kvString('db.statement', call.statement),
      kvString('db.query.text', call.statement),
      kvString('server.address', `${call.system}-${call.db}.data.svc.cluster.local`),
      kvInt('server.port', DB_PORT[call.system]),
    );
    if (call.system === 'mongodb') out.push(kvString('db.collection.name', call.target));
    if (n.error) out.push(kvString('error.type', 'timeout'));
  } else if (call?.kind === 'peer') {
    const code = n.error ? 502 : 200;
    out.push(
      kvString('peer.service', call.peerService),
      kvString('server.address', call.address),
      kvInt('server.port', 443),
      kvString('http.request.method', call.method),
      kvString('url.full', `https://${call.address}${call.path}`),
      kvInt('http.response.status_code', code),
    );
    if (n.error) out.push(kvString('error.type', String(code)));
  } else if (call?.kind === 'produce') {
    out.push(
      kvString('messaging.system', 'kafka'),
      kvString('messaging.operation.type', 'publish'),
      kvString('messaging.destination.name', call.topic),
      kvString('messaging.kafka.message.key', facts.orderId),
      kvString('messaging.destination.partition.id', String(facts.orderId.charCodeAt(facts.orderId.length - 1) % 12)),
    );
  }
}

const LANGUAGE_EXCEPTION: Record<Language, string> = {
  nodejs: 'TypeError', go: '*errors.errorString', java: 'java.lang.IllegalStateException', python: 'KeyError',
  dotnet: 'System.InvalidOperationException', ruby: 'NoMethodError', rust: 'anyhow::Error',
};

/** The exception a failing span records: what failed, in the thrower's own words. */
export function exceptionFor(n: PlanNode, language: Language): { type: string; message: string } {
  const call = n.call;
  if (call?.kind === 'db') {
    if (call.system === 'redis') return { type: 'RedisTimeoutError', message: `Command timed out after 500ms: ${call.operation}` };
    if (call.system === 'mongodb') return { type: 'MongoNetworkTimeoutError', message: `connection timed out querying ${call.db}.${call.target}` };
    return { type: 'PSQLException', message: 'ERROR: canceling statement due to statement timeout' };
  }
  if (call?.kind === 'peer') return { type: 'StripeAPIError', message: `${call.peerService} responded 502 Bad Gateway` };
  if (n.errorOrigin) return { type: LANGUAGE_EXCEPTION[language], message: `${n.op?.id ?? 'operation'}: unexpected state for order` };
  return { type: 'UpstreamError', message: `downstream call failed while handling ${n.op?.id ?? 'request'}` };
}

/** An OTel `exception` event with a synthetic but plausible stack trace. */
export function exceptionEvent(n: PlanNode, language: Language, timeUnixNano: bigint): SpanEvent {
  const { type, message } = exceptionFor(n, language);
  const fn = n.op?.id ?? spanName(n);
  const stack = `${type}: ${message}\n    at ${n.service}.${fn} (${n.service}/handlers.${language}:${42 + fn.length})\n    at ${n.service}.serve (${n.service}/server.${language}:118)`;
  return {
    timeUnixNano,
    name: 'exception',
    attributes: [kvString('exception.type', type), kvString('exception.message', message), kvString('exception.stacktrace', stack)],
    droppedAttributesCount: 0,
  };
}
