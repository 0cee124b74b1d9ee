/**
 * `npm run demo`: traffic from a simulated e-commerce application (src/workload), sent as
 * OTLP/HTTP JSON to a running tailstream, in real time, so a newcomer sees rows within
 * seconds. DEMO_TRACES_PER_SECOND (default 20), DEMO_SECONDS (default 120), OTLP_ENDPOINT.
 */
import { encodeOtlpJson } from './model/otlp-json.ts';
import type { Span } from './model/span.ts';
import { generateWorkload } from './workload/generator.ts';
import { errorMessage } from './util/errors.ts';

const endpoint = process.env['OTLP_ENDPOINT'] ?? 'http://localhost:4318/v1/traces';
const rate = Number(process.env['DEMO_TRACES_PER_SECOND'] ?? 20);
const seconds = Number(process.env['DEMO_SECONDS'] ?? 120);
const start = Date.now();
const workload = generateWorkload({ seed: start, tracesPerSecond: rate, durationSec: seconds, startMs: start, decisionWaitMs: 10_000 });

let sent = 0;
let failed = 0;
let pending: Span[] = [];

async function flush(): Promise<void> {
  if (pending.length === 0) return;
  const body = encodeOtlpJson(pending);
  const n = pending.length;
  pending = [];
  try {
    const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (res.ok) sent += n;
    else {
      failed += n;
      process.stderr.write(`demo: ${endpoint} answered ${res.status}: ${(await res.text()).slice(0, 200)}\n`);
    }
  } catch (err) {
    failed += n;
    process.stderr.write(`demo: cannot reach ${endpoint} (${errorMessage(err)}); is \`npm start\` running?\n`);
  }
}

const progress = setInterval(() => process.stderr.write(`demo: ${sent} spans sent${failed ? `, ${failed} failed` : ''}\n`), 5_000);
process.stderr.write(`demo: sending ~${rate} traces/s for ${seconds} s to ${endpoint}\n`);
for (const d of workload) {
  const wait = d.arrivalMs - Date.now();
  if (wait > 0) {
    await flush();
    await new Promise((r) => setTimeout(r, wait));
  }
  pending.push(d.span);
  if (pending.length >= 500) await flush();
}
await flush();
clearInterval(progress);
process.stderr.write(`demo: done, ${sent} spans sent (${workload.groundTruth.traceCount} traces)${failed ? `, ${failed} failed` : ''}\n`);
