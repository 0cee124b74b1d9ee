/**
 * N concurrent OTLP/HTTP clients, each sending its next body as soon as the last one was
 * answered (closed loop, keep-alive connections), timing every accepted POST.
 */
import { Agent, request } from 'node:http';

export interface PostRun {
  /** Latency of each accepted POST, ms (request start to end of the response). */
  readonly latenciesMs: Float64Array;
  /** First request sent to last response read. */
  readonly seconds: number;
  /** 429/503 answers, each retried after its Retry-After. */
  readonly throttled: number;
  /** Spans the receiver accepted but reported as rejected (partialSuccess). */
  readonly partialSuccesses: number;
}

interface Answer {
  readonly status: number;
  readonly body: Buffer;
  readonly retryAfterS: number;
}

function post(agent: Agent, port: number, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: '127.0.0.1', port, method: 'POST', path: '/v1/traces', headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), retryAfterS: Number(res.headers['retry-after'] ?? 1) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * POSTs every body once to the OTLP/HTTP receiver on `port`, `clients` at a time, in order.
 * `progress` is called with the number of bodies answered so far. Any answer other than
 * 200 or 429/503 fails the run, naming the status and the receiver's message.
 */
export async function postAll(port: number, bodies: readonly Buffer[], clients: number, progress: (done: number) => void): Promise<PostRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies = new Float64Array(bodies.length);
  let next = 0;
  let done = 0;
  let throttled = 0;
  let partialSuccesses = 0;
  const client = async (): Promise<void> => {
    try {
      await send();
    } catch (err) {
      next = bodies.length; // the other clients stop too
      throw err;
    }
  };
  const send = async (): Promise<void> => {
    while (next < bodies.length) {
      const i = next++;
      const body = bodies[i] as Buffer;
      for (;;) {
        const t0 = performance.now();
        const a = await post(agent, port, body);
        if (a.status === 429 || a.status === 503) {
          throttled++;
          await new Promise((r) => setTimeout(r, Math.max(0.05, a.retryAfterS) * 1000));
          continue;
        }
        if (a.status !== 200) throw new Error(`POST /v1/traces (body ${i}, ${body.length} bytes): HTTP ${a.status}: ${a.body.toString('utf8').slice(0, 300)}`);
        latencies[i] = performance.now() - t0;
        // An empty ExportTraceServiceResponse means every span was accepted.
        if (a.body.length > 0) partialSuccesses++;
        break;
      }
      progress(++done);
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: clients }, client));
  } finally {
    agent.destroy();
  }
  return { latenciesMs: latencies, seconds: (performance.now() - started) / 1000, throttled, partialSuccesses };
}
