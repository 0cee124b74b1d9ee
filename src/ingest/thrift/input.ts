/**
 * A bounded reader of Thrift's binary and compact protocols (the two the Jaeger agent
 * listens on). Every length and count is checked against the bytes left before anything is
 * allocated, every loop consumes at least one byte and nesting is capped, so a malformed or
 * hostile packet ends in a `ThriftError` naming the field it was reading, never a crash, a
 * huge allocation or a hang.
 */

/** Wire types, in the binary protocol's numbering (the compact reader maps its own to these). */
export const TType = { STOP: 0, BOOL: 2, BYTE: 3, DOUBLE: 4, I16: 6, I32: 8, I64: 10, STRING: 11, STRUCT: 12, MAP: 13, SET: 14, LIST: 15 } as const;
export type TType = (typeof TType)[keyof typeof TType];

const TYPE_NAMES: Readonly<Record<number, string>> = { 2: 'bool', 3: 'byte', 4: 'double', 6: 'i16', 8: 'i32', 10: 'i64', 11: 'string', 12: 'struct', 13: 'map', 14: 'set', 15: 'list' };
export const typeName = (t: number): string => TYPE_NAMES[t] ?? `type ${t}`;

/** Containers and structs nested deeper than this are refused (Jaeger's structs nest 4 deep). */
export const MAX_NESTING = 32;

export class ThriftError extends Error {
  constructor(
    /** Where in the message, e.g. `Batch.spans[3].tags[1].vStr`. */
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
    this.name = 'ThriftError';
  }
}

export interface FieldHeader {
  readonly type: number;
  readonly id: number;
}
export interface ContainerHeader {
  readonly elemType: number;
  readonly size: number;
}
export interface MessageHeader {
  readonly name: string;
  readonly type: number;
  readonly seqId: number;
}

/** What both protocols offer; `path` is a stack of field names and list indexes for errors. */
export abstract class ThriftInput {
  protected pos = 0;
  private readonly path: (string | number)[] = [];
  private depth = 0;

  constructor(protected readonly buf: Buffer) {}

  abstract readMessageBegin(): MessageHeader;
  abstract readFieldBegin(): FieldHeader;
  abstract readBool(): boolean;
  abstract readI16(): number;
  abstract readI32(): number;
  abstract readI64(): bigint;
  abstract readDouble(): number;
  abstract readBinary(): Buffer;
  abstract readListBegin(): ContainerHeader;
  abstract readMapBegin(): { readonly keyType: number; readonly valueType: number; readonly size: number };
  /** Called when a struct starts and ends (compact keeps the last field id per struct). */
  structBegin(): void {
    if (++this.depth > MAX_NESTING) this.fail(`nested deeper than ${MAX_NESTING} levels`);
  }
  structEnd(): void {
    this.depth--;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }
  get atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  readByte(): number {
    this.need(1, 'byte');
    return this.buf.readInt8(this.pos++);
  }

  readString(): string {
    return this.readBinary().toString('utf8');
  }

  /** Runs `read` with `name` on the path (a field name or a list index). */
  at<T>(name: string | number, read: () => T): T {
    this.path.push(name);
    const v = read();
    this.path.pop();
    return v;
  }

  fail(detail: string): never {
    let s = '';
    for (const p of this.path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
    throw new ThriftError(s || 'message', detail);
  }

  /** Fails unless the wire type is the one the schema declares. */
  expect(actual: number, wanted: number): void {
    if (actual !== wanted) this.fail(`${typeName(wanted)} expected, got ${typeName(actual)}`);
  }

  protected need(n: number, what: string): void {
    if (n > this.buf.length - this.pos) this.fail(`truncated: ${what} needs ${n} byte(s), ${this.buf.length - this.pos} left`);
  }

  /** A length or count read from the wire: non-negative and, at `minBytes` each, within the bytes left. */
  protected checkSize(n: number, minBytes: number, what: string): number {
    if (n < 0) this.fail(`negative ${what} ${n}`);
    if (n * minBytes > this.remaining) this.fail(`${what} ${n} exceeds the ${this.remaining} byte(s) left`);
    return n;
  }

  /** Reads past a value of any type (unknown fields), within the nesting cap. */
  skip(type: number): void {
    switch (type) {
      case TType.BOOL: this.readBool(); return;
      case TType.BYTE: this.readByte(); return;
      case TType.I16: this.readI16(); return;
      case TType.I32: this.readI32(); return;
      case TType.I64: this.readI64(); return;
      case TType.DOUBLE: this.readDouble(); return;
      case TType.STRING: this.readBinary(); return;
      case TType.STRUCT:
        this.structBegin();
        for (let f = this.readFieldBegin(); f.type !== TType.STOP; f = this.readFieldBegin()) this.at(f.id, () => this.skip(f.type));
        this.structEnd();
        return;
      case TType.LIST:
      case TType.SET: {
        const { elemType, size } = this.readListBegin();
        this.nest(() => { for (let i = 0; i < size; i++) this.skip(elemType); });
        return;
      }
      case TType.MAP: {
        const { keyType, valueType, size } = this.readMapBegin();
        this.nest(() => { for (let i = 0; i < size; i++) { this.skip(keyType); this.skip(valueType); } });
        return;
      }
      default:
        this.fail(`unknown wire type ${type}`);
    }
  }

  private nest(body: () => void): void {
    this.structBegin();
    body();
    this.structEnd();
  }
}
