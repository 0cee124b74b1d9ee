/**
 * Example topology: counts events per key. `npm start` runs it end to end until the trace
 * pipeline exists; the runtime's tests and the streams benchmark use it too.
 *
 *   events ──▶ count-by-key (store: counts) ──▶ event-counts
 */
import { int64Serde, stringSerde, bufferSerde } from '../src/serde/serde.ts';
import { countByKey } from '../src/streams/processors/count-by-key.ts';
import { Topology } from '../src/streams/topology.ts';

export const SOURCE = 'events-source';
export const COUNTER = 'count-by-key';
export const SINK = 'counts-sink';
export const COUNTS_STORE = 'counts';

export interface EventCountConfig {
  readonly inputTopic: string;
  readonly outputTopic: string;
  /** Hold the counts in memory, restored from their changelog on open (StoreSpec.residentBytes). */
  readonly countsResidentBytes?: number;
}

export function build(config: EventCountConfig): Topology {
  return new Topology()
    .addSource(SOURCE, config.inputTopic, stringSerde, bufferSerde)
    .addProcessor(COUNTER, countByKey(COUNTS_STORE, config.countsResidentBytes === undefined ? {} : { residentBytes: config.countsResidentBytes }), SOURCE)
    .addSink(SINK, config.outputTopic, stringSerde, int64Serde, COUNTER);
}
