import { ThriftInput, TType, type ContainerHeader, type FieldHeader, type MessageHeader } from './input.ts';

const VERSION_1 = 0x80010000;
const VERSION_MASK = 0xffff0000;

/** Thrift's binary protocol: big-endian fixed-width integers, i32 lengths (TBinaryProtocol). */
export class BinaryInput extends ThriftInput {
  readMessageBegin(): MessageHeader {
    const first = this.readI32();
    if (first < 0) {
      if ((first & VERSION_MASK) >>> 0 !== VERSION_1) this.fail(`bad binary protocol version 0x${(first >>> 0).toString(16)}`);
      const name = this.at('name', () => this.readString());
      return { name, type: first & 0xff, seqId: this.readI32() };
    }
    // Old (non-strict) form: the name's length comes first.
    this.checkSize(first, 1, 'message name length');
    const name = this.buf.toString('utf8', this.pos, this.pos + first);
    this.pos += first;
    const type = this.readByte();
    return { name, type, seqId: this.readI32() };
  }

  readFieldBegin(): FieldHeader {
    const type = this.readByte();
    if (type === TType.STOP) return { type, id: 0 };
    return { type, id: this.readI16() };
  }

  readBool(): boolean {
    return this.readByte() !== 0;
  }

  readI16(): number {
    this.need(2, 'i16');
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  readI32(): number {
    this.need(4, 'i32');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  readI64(): bigint {
    this.need(8, 'i64');
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  readDouble(): number {
    this.need(8, 'double');
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  readBinary(): Buffer {
    const n = this.checkSize(this.readI32(), 1, 'string length');
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  readListBegin(): ContainerHeader {
    const elemType = this.readByte();
    return { elemType, size: this.checkSize(this.readI32(), 1, 'list size') };
  }

  readMapBegin(): { keyType: number; valueType: number; size: number } {
    const keyType = this.readByte();
    const valueType = this.readByte();
    return { keyType, valueType, size: this.checkSize(this.readI32(), 2, 'map size') };
  }
}
