/**
 * Generator throughput, for people sizing benchmarks and load tests:
 * `npx tsx src/workload/measure.ts [traces] [seed]` prints `workload.generate <n> spans/s`.
 * Timing lives here, not in tests, so no test depends on how busy the machine is.
 */
import { generateWorkload } from './generator.ts';

const traces = Number(process.argv[2] ?? 20_000);
const seed = process.argv[3] ?? 'measure';

// Warm up the JIT on a small run first.
for (const _ of generateWorkload({ seed: 'warmup', traces: 500 })) void _;

const t0 = process.hrtime.bigint();
const w = generateWorkload({ seed, traces, keepTraceTruth: false });
let spans = 0;
for (const _ of w) spans++;
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;

console.log(`workload.generate ${Math.round(spans / seconds)} spans/s`);
console.log(`workload.traces ${w.groundTruth.traceCount} traces, ${spans} deliveries in ${seconds.toFixed(2)} s, heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`);
