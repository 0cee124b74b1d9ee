/**
 * Where Avro writer schemas get their ids. Both implementations frame values the same way
 * (Confluent wire format), so a record written embedded reads the same as one written
 * against a Confluent registry — only the id source differs.
 */
import type { Schema, Type } from 'avsc';
import { avroType, schemaFingerprint } from './avro-types.ts';
import { defaultSchemaDir, loadSchemaDir, type AvroSchemaJson } from './avro-schemas.ts';
import { TailstreamError } from '../util/errors.ts';
import { SerdeError } from './errors.ts';

export interface RegisteredType {
  readonly id: number;
  readonly type: Type;
}

export interface AvroRegistry {
  /** The reader schema of `recordName` from the local schemas folder. */
  readerType(recordName: string): Type;
  /** Registers (idempotently) the local schema of `recordName` as a writer schema. */
  writerFor(recordName: string): Promise<RegisteredType>;
  /** The writer schema behind an id, fetched once and cached. */
  typeForId(id: number): Promise<Type>;
  /** Cache-only lookup, for synchronous deserializers; undefined until `typeForId` resolved. */
  cachedTypeForId(id: number): Type | undefined;
}

/** Thrown for an unknown schema id: the record cannot be read with the schemas we have. */
export class UnknownSchemaIdError extends TailstreamError {
  readonly code = 'UNKNOWN_SCHEMA_ID';
  readonly retriable = false;
  constructor(readonly schemaId: number) {
    super(`unknown Avro schema id ${schemaId}`);
  }
}

/** Id of a schema in the in-process registry: stable across processes and folder changes. */
export function inProcessSchemaId(schema: Schema): number {
  // 31 bits of the canonical-form fingerprint: same schema → same id everywhere, no coordination.
  return schemaFingerprint(schema).readUInt32BE(0) & 0x7fffffff;
}

/**
 * The embedded-mode registry: ids derive from the schemas folder's content, so every
 * process with the same schemas agrees on ids without a server. `register` adds other
 * versions (older writers) so their records stay readable.
 */
export class InProcessRegistry implements AvroRegistry {
  private readonly readers = new Map<string, Type>();
  private readonly writers = new Map<string, RegisteredType>();
  private readonly byId = new Map<number, Type>();

  constructor(schemas: ReadonlyMap<string, AvroSchemaJson>) {
    for (const [name, json] of schemas) {
      const reg = this.register(json as Schema);
      this.readers.set(name, reg.type);
      this.writers.set(name, reg);
    }
  }

  static fromDir(dir: string = defaultSchemaDir): InProcessRegistry {
    return new InProcessRegistry(loadSchemaDir(dir));
  }

  /** Adds a schema version; returns its id. */
  register(schema: Schema): RegisteredType {
    const id = inProcessSchemaId(schema);
    const existing = this.byId.get(id);
    if (existing) return { id, type: existing };
    const type = avroType(schema);
    this.byId.set(id, type);
    return { id, type };
  }

  readerType(recordName: string): Type {
    const t = this.readers.get(recordName);
    if (!t) throw new SerdeError('SCHEMA_NOT_FOUND', `no schemas/${recordName}.avsc`);
    return t;
  }

  writerFor(recordName: string): Promise<RegisteredType> {
    const w = this.writers.get(recordName);
    return w ? Promise.resolve(w) : Promise.reject(new SerdeError('SCHEMA_NOT_FOUND', `no schemas/${recordName}.avsc`));
  }

  typeForId(id: number): Promise<Type> {
    const t = this.byId.get(id);
    return t ? Promise.resolve(t) : Promise.reject(new UnknownSchemaIdError(id));
  }

  cachedTypeForId(id: number): Type | undefined {
    return this.byId.get(id);
  }
}
