import { ThriftInput, TType, type ContainerHeader, type FieldHeader, type MessageHeader } from './input.ts';

const PROTOCOL_ID = 0x82;
const VERSION = 1;
const BOOL_TRUE = 1;

/** Compact wire types → binary numbering (index = compact type). */
const FROM_COMPACT: readonly number[] = [TType.STOP, TType.BOOL, TType.BOOL, TType.BYTE, TType.I16, TType.I32, TType.I64, TType.DOUBLE, TType.STRING, TType.LIST, TType.SET, TType.MAP, TType.STRUCT];

/**
 * Thrift's compact protocol (TCompactProtocol, what Jaeger agents take on 6831): zigzag
 * varints, field ids as deltas from the previous field, booleans folded into field headers.
 */
export class CompactInput extends ThriftInput {
  private lastFieldId = 0;
  private readonly fieldIds: number[] = [];
  /** A boolean field's value, carried by its header. */
  private pendingBool: boolean | undefined;

  readMessageBegin(): MessageHeader {
    const id = this.readByte() & 0xff;
    if (id !== PROTOCOL_ID) this.fail(`not a compact protocol message (first byte 0x${id.toString(16)}, expected 0x82)`);
    const vt = this.readByte() & 0xff;
    if ((vt & 0x1f) !== VERSION) this.fail(`compact protocol version ${vt & 0x1f}, expected ${VERSION}`);
    const seqId = this.varint32('sequence id');
    const name = this.at('name', () => this.readString());
    return { name, type: (vt >> 5) & 0x07, seqId };
  }

  override structBegin(): void {
    super.structBegin();
    this.fieldIds.push(this.lastFieldId);
    this.lastFieldId = 0;
  }

  override structEnd(): void {
    super.structEnd();
    this.lastFieldId = this.fieldIds.pop() ?? 0;
  }

  readFieldBegin(): FieldHeader {
    const b = this.readByte() & 0xff;
    const compactType = b & 0x0f;
    if (compactType === 0) return { type: TType.STOP, id: 0 };
    const delta = b >> 4;
    const id = delta === 0 ? this.readI16() : this.lastFieldId + delta;
    this.lastFieldId = id;
    const type = this.wireType(compactType);
    if (type === TType.BOOL) this.pendingBool = compactType === BOOL_TRUE;
    return { type, id };
  }

  readBool(): boolean {
    if (this.pendingBool !== undefined) {
      const v = this.pendingBool;
      this.pendingBool = undefined;
      return v;
    }
    return (this.readByte() & 0xff) === BOOL_TRUE;
  }

  readI16(): number {
    return zigzag32(this.varint32('i16'));
  }

  readI32(): number {
    return zigzag32(this.varint32('i32'));
  }

  readI64(): bigint {
    const n = this.varint64();
    return (n >> 1n) ^ -(n & 1n);
  }

  readDouble(): number {
    this.need(8, 'double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  readBinary(): Buffer {
    const n = this.checkSize(this.varint32('string length'), 1, 'string length');
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  readListBegin(): ContainerHeader {
    const b = this.readByte() & 0xff;
    const short = b >> 4;
    const size = short === 15 ? this.varint32('list size') : short;
    return { elemType: this.wireType(b & 0x0f), size: this.checkSize(size, 1, 'list size') };
  }

  readMapBegin(): { keyType: number; valueType: number; size: number } {
    const size = this.checkSize(this.varint32('map size'), 2, 'map size');
    if (size === 0) return { keyType: TType.STOP, valueType: TType.STOP, size };
    const kv = this.readByte() & 0xff;
    return { keyType: this.wireType(kv >> 4), valueType: this.wireType(kv & 0x0f), size };
  }

  private wireType(compactType: number): number {
    const t = FROM_COMPACT[compactType];
    if (t === undefined || (compactType === 0)) this.fail(`unknown compact wire type ${compactType}`);
    return t;
  }

  /** An unsigned varint of at most 32 bits (5 bytes). */
  private varint32(what: string): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.need(1, what);
      const b = this.buf[this.pos++] as number;
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
    }
    this.fail(`${what}: varint longer than 5 bytes`);
  }

  private varint64(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      this.need(1, 'i64');
      const b = this.buf[this.pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    this.fail('i64: varint longer than 10 bytes');
  }
}

function zigzag32(n: number): number {
  return (n >>> 1) ^ -(n & 1);
}
