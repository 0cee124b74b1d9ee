/**
 * Benchmark topology: read, put in a RocksDB store, forward.
 *
 *   input ──▶ store-pass-through (store: last-value) ──▶ output
 */
import { bufferSerde } from '../src/serde/serde.ts';
import { storePassThrough } from '../src/streams/processors/store-pass-through.ts';
import { Topology } from '../src/streams/topology.ts';

export const SOURCE = 'input';
export const PASS = 'store-pass-through';
export const SINK = 'output';
export const STORE = 'last-value';

export function build(config: { inputTopic: string; outputTopic: string }): Topology {
  return new Topology()
    .addSource(SOURCE, config.inputTopic, bufferSerde, bufferSerde)
    .addProcessor(PASS, storePassThrough(STORE), SOURCE)
    .addSink(SINK, config.outputTopic, bufferSerde, bufferSerde, PASS);
}
