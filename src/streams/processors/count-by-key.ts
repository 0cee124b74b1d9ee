import { int64Serde, stringSerde } from '../../serde/serde.ts';
import { storeSpec, type KeyValueStore } from '../../state/store.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../processor.ts';
import type { StreamRecord } from '../record.ts';

/**
 * Counts records per key in a store and forwards the new count (a KTable-style running
 * aggregate). Keyless records are counted under ''.
 */
export function countByKey(storeName: string, opts: { residentBytes?: number } = {}): ProcessorSupplier<string, unknown, string, bigint> {
  const spec = storeSpec(storeName, stringSerde, int64Serde, opts);
  return {
    stores: [spec],
    get: (): Processor<string, unknown, string, bigint> => {
      let ctx: ProcessorContext<string, bigint>;
      let store: KeyValueStore<string, bigint>;
      return {
        init(c) {
          ctx = c;
          store = c.getStateStore<KeyValueStore<string, bigint>>(storeName);
        },
        async process(record: StreamRecord<string, unknown>) {
          const key = record.key ?? '';
          const next = ((await store.get(key)) ?? 0n) + 1n;
          await store.put(key, next);
          await ctx.forward(record.withKey(key).withValue(next));
        },
      };
    },
  };
}
