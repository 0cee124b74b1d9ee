import { bufferSerde } from '../../serde/serde.ts';
import { storeSpec, type KeyValueStore } from '../../state/store.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../processor.ts';

/**
 * Puts each record's value in a store under its key, then forwards it unchanged: the
 * stateful pass-through the streams benchmark measures against bare kafkajs.
 */
export function storePassThrough(storeName: string): ProcessorSupplier<Buffer, Buffer, Buffer, Buffer> {
  const spec = storeSpec(storeName, bufferSerde, bufferSerde);
  return {
    stores: [spec],
    get: (): Processor<Buffer, Buffer, Buffer, Buffer> => {
      let ctx: ProcessorContext<Buffer, Buffer>;
      let store: KeyValueStore<Buffer, Buffer>;
      return {
        init(c) {
          ctx = c;
          store = c.getStateStore<KeyValueStore<Buffer, Buffer>>(storeName);
        },
        async process(record) {
          if (record.key !== null && record.value !== null) await store.put(record.key, record.value);
          await ctx.forward(record);
        },
      };
    },
  };
}
