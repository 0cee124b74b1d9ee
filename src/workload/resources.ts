/**
 * Resources (one per pod) and instrumentation scopes (one per language × library), built
 * once per workload and shared by every span that uses them: spans are immutable, and
 * sharing keeps a million-trace run from allocating the same 10 attributes per span.
 */
import type { InstrumentationScope, Resource } from '../model/span.ts';
import type { AppModel, Language } from './app-model.ts';
import { kvString } from './attributes.ts';
import { Rng } from './random.ts';

/** Which instrumentation library emitted a span. */
export type ScopeArea = 'http' | 'grpc' | 'postgresql' | 'redis' | 'mongodb' | 'kafka' | 'app';

type Libraries = Record<Exclude<ScopeArea, 'app'>, string>;
const LIBRARIES: Record<Language, { readonly prefix: string; readonly version: string; readonly libs: Libraries }> = {
  nodejs: { prefix: '@opentelemetry/instrumentation-', version: '0.57.1', libs: { http: 'http', grpc: 'grpc', postgresql: 'pg', redis: 'ioredis', mongodb: 'mongodb', kafka: 'kafkajs' } },
  go: {
    prefix: 'go.opentelemetry.io/contrib/instrumentation/',
    version: '0.59.0',
    libs: { http: 'net/http/otelhttp', grpc: 'google.golang.org/grpc/otelgrpc', postgresql: 'github.com/jackc/pgx/otelpgx', redis: 'github.com/redis/go-redis/redisotel', mongodb: 'go.mongodb.org/mongo-driver/mongo/otelmongo', kafka: 'github.com/IBM/sarama/otelsarama' },
  },
  java: { prefix: 'io.opentelemetry.', version: '2.12.0-alpha', libs: { http: 'tomcat-10.0', grpc: 'grpc-1.6', postgresql: 'jdbc', redis: 'lettuce-5.1', mongodb: 'mongo-4.0', kafka: 'kafka-clients-2.6' } },
  python: { prefix: 'opentelemetry.instrumentation.', version: '0.50b0', libs: { http: 'flask', grpc: 'grpc', postgresql: 'psycopg', redis: 'redis', mongodb: 'pymongo', kafka: 'confluent_kafka' } },
  dotnet: { prefix: 'OpenTelemetry.Instrumentation.', version: '1.10.0', libs: { http: 'AspNetCore', grpc: 'GrpcNetClient', postgresql: 'Npgsql', redis: 'StackExchangeRedis', mongodb: 'MongoDB', kafka: 'ConfluentKafka' } },
  ruby: { prefix: 'OpenTelemetry::Instrumentation::', version: '0.24.0', libs: { http: 'Rack', grpc: 'Grpc', postgresql: 'PG', redis: 'Redis', mongodb: 'Mongo', kafka: 'RubyKafka' } },
  rust: { prefix: 'opentelemetry-', version: '0.27.0', libs: { http: 'http', grpc: 'tonic', postgresql: 'sqlx', redis: 'redis', mongodb: 'mongodb', kafka: 'rdkafka' } },
};

const SDK_LANGUAGE: Record<Language, string> = { nodejs: 'nodejs', go: 'go', java: 'java', python: 'python', dotnet: 'dotnet', ruby: 'ruby', rust: 'rust' };

/** Pods and scopes of every service of a model. Pod names are stable for a given model. */
export class TelemetrySources {
  private readonly resources = new Map<string, readonly Resource[]>();
  private readonly scopes = new Map<string, Record<ScopeArea, InstrumentationScope>>();

  constructor(model: AppModel) {
    for (const s of model.services) {
      const rng = Rng.derive('pods', model.name, s.name);
      const pods: Resource[] = [];
      for (let i = 0; i < s.instances; i++) {
        const pod = `${s.name}-${rng.hexId(4).slice(0, 8)}-${rng.hexId(3).slice(0, 5)}`;
        pods.push({
          attributes: [
            kvString('service.name', s.name),
            kvString('service.namespace', model.name),
            kvString('service.version', s.version),
            kvString('service.instance.id', pod),
            kvString('deployment.environment', model.environment),
            kvString('deployment.environment.name', model.environment),
            kvString('host.name', `ip-10-0-${rng.int(0, 15)}-${rng.int(2, 254)}.ec2.internal`),
            kvString('k8s.namespace.name', model.name),
            kvString('k8s.pod.name', pod),
            kvString('telemetry.sdk.name', 'opentelemetry'),
            kvString('telemetry.sdk.language', SDK_LANGUAGE[s.language]),
          ],
          droppedAttributesCount: 0,
          schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        });
      }
      this.resources.set(s.name, pods);
      const lib = LIBRARIES[s.language];
      const scope = (name: string, version: string): InstrumentationScope => ({ name, version, attributes: [], droppedAttributesCount: 0, schemaUrl: '' });
      const libScope = (area: keyof Libraries): InstrumentationScope => scope(lib.prefix + lib.libs[area], lib.version);
      this.scopes.set(s.name, {
        http: libScope('http'), grpc: libScope('grpc'), postgresql: libScope('postgresql'), redis: libScope('redis'),
        mongodb: libScope('mongodb'), kafka: libScope('kafka'), app: scope(`${model.name}/${s.name}`, s.version),
      });
    }
  }

  /** The pods of a service (at least one). */
  pods(service: string): readonly Resource[] {
    const r = this.resources.get(service);
    if (!r || r.length === 0) throw new Error(`no pods for service ${service}`);
    return r;
  }

  scope(service: string, area: ScopeArea): InstrumentationScope {
    const s = this.scopes.get(service);
    if (!s) throw new Error(`no scopes for service ${service}`);
    return s[area];
  }
}
