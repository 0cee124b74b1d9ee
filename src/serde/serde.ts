/** Turns values into bytes and back. Serdes live only at topology edges and store outer layers. */
export interface Serde<T> {
  serialize(value: T): Buffer;
  deserialize(bytes: Buffer): T;
}

export const stringSerde: Serde<string> = {
  serialize: (v) => Buffer.from(v, 'utf8'),
  deserialize: (b) => b.toString('utf8'),
};

export const bufferSerde: Serde<Buffer> = {
  serialize: (v) => v,
  deserialize: (b) => b,
};

/** JSON with bigint support (encoded as `{"$n":"123"}`), for store values and tests. */
export function jsonSerde<T>(): Serde<T> {
  return {
    serialize: (v) =>
      Buffer.from(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? { $n: x.toString() } : x))),
    deserialize: (b) =>
      JSON.parse(b.toString('utf8'), (_k, x: unknown) =>
        x !== null && typeof x === 'object' && '$n' in x && Object.keys(x).length === 1
          ? BigInt((x as { $n: string }).$n)
          : x,
      ) as T,
  };
}

/** Plain JSON for values without bigint: several times faster than `jsonSerde`'s reviver. */
export function plainJsonSerde<T>(): Serde<T> {
  return {
    serialize: (v) => Buffer.from(JSON.stringify(v)),
    deserialize: (b) => JSON.parse(b.toString('utf8')) as T,
  };
}

/** Big-endian signed 64-bit integers; used for counters in stores. */
export const int64Serde: Serde<bigint> = {
  serialize: (v) => {
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(v);
    return b;
  },
  deserialize: (b) => b.readBigInt64BE(0),
};

/** Doubles as 8 bytes. */
export const float64Serde: Serde<number> = {
  serialize: (v) => {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleBE(v);
    return b;
  },
  deserialize: (b) => b.readDoubleBE(0),
};
