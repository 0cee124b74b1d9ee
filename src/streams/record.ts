/** Kafka header values as kafkajs hands them over; we normalise to Buffer on read. */
export type Headers = Readonly<Record<string, Buffer>>;

/**
 * An immutable record flowing through a topology. Processors derive new records with the
 * `with*` methods instead of mutating one that may already have been forwarded.
 */
export class StreamRecord<K, V> {
  constructor(
    readonly key: K,
    readonly value: V,
    /** Event time in ms since the epoch. */
    readonly timestamp: number,
    readonly headers: Headers = {},
  ) {
    Object.freeze(this);
  }

  withKey<K2>(key: K2): StreamRecord<K2, V> {
    return new StreamRecord(key, this.value, this.timestamp, this.headers);
  }

  withValue<V2>(value: V2): StreamRecord<K, V2> {
    return new StreamRecord(this.key, value, this.timestamp, this.headers);
  }

  withTimestamp(timestamp: number): StreamRecord<K, V> {
    return new StreamRecord(this.key, this.value, timestamp, this.headers);
  }

  withHeaders(headers: Headers): StreamRecord<K, V> {
    return new StreamRecord(this.key, this.value, this.timestamp, Object.freeze({ ...headers }));
  }
}

/** Where the record being processed came from. */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /**
   * Below the task's processed position: the record was processed before and is read
   * again only to rebuild state; whatever it would emit was emitted the first time.
   */
  readonly replay?: boolean;
}

/** A record in its serialized form, as read from or written to a topic. */
export interface RawRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
}
