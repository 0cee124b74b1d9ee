/**
 * A Confluent Schema Registry behind `AvroRegistry`, through @kafkajs/confluent-schema-registry.
 * Subjects follow RecordNameStrategy (`tailstream.SpanBatch`): one record type may go to
 * several topics, and the serde does not know the topic.
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Schema, Type } from 'avsc';
import { avroType } from './avro-types.ts';
import { defaultSchemaDir, loadSchemaDir, type AvroSchemaJson } from './avro-schemas.ts';
import type { AvroRegistry, RegisteredType } from './registry.ts';
import { SerdeError } from './errors.ts';

export class ConfluentRegistry implements AvroRegistry {
  private readonly client: SchemaRegistry;
  private readonly readers = new Map<string, Type>();
  private readonly writers = new Map<string, Promise<RegisteredType>>();
  private readonly byId = new Map<number, Type>();
  private readonly pending = new Map<number, Promise<Type>>();

  constructor(
    url: string,
    private readonly schemas: ReadonlyMap<string, AvroSchemaJson> = loadSchemaDir(defaultSchemaDir),
  ) {
    this.client = new SchemaRegistry({ host: url });
  }

  readerType(recordName: string): Type {
    let t = this.readers.get(recordName);
    if (!t) {
      t = avroType(this.schemaJson(recordName) as Schema);
      this.readers.set(recordName, t);
    }
    return t;
  }

  writerFor(recordName: string): Promise<RegisteredType> {
    let w = this.writers.get(recordName);
    if (!w) {
      const json = this.schemaJson(recordName);
      const subject = `${String(json['namespace'] ?? 'tailstream')}.${recordName}`;
      w = this.client
        .register({ type: SchemaType.AVRO, schema: JSON.stringify(json) }, { subject })
        .then(({ id }) => {
          const type = this.readerType(recordName);
          this.byId.set(id, type);
          return { id, type };
        });
      w.catch(() => this.writers.delete(recordName));
      this.writers.set(recordName, w);
    }
    return w;
  }

  typeForId(id: number): Promise<Type> {
    const cached = this.byId.get(id);
    if (cached) return Promise.resolve(cached);
    let p = this.pending.get(id);
    if (!p) {
      p = this.client.getSchema(id).then((s) => {
        // Re-parse with our conventions: the client's own parse maps longs to numbers.
        const type = avroType((s as unknown as { schema(): Schema }).schema());
        this.byId.set(id, type);
        return type;
      });
      p.finally(() => this.pending.delete(id)).catch(() => undefined);
      this.pending.set(id, p);
    }
    return p;
  }

  cachedTypeForId(id: number): Type | undefined {
    return this.byId.get(id);
  }

  private schemaJson(recordName: string): AvroSchemaJson {
    const json = this.schemas.get(recordName);
    if (!json) throw new SerdeError('SCHEMA_NOT_FOUND', `no schemas/${recordName}.avsc`);
    return json;
  }
}
