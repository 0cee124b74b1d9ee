/**
 * Jaeger agent's UDP ports: `Agent.emitBatch` datagrams, compact protocol on 6831 and binary
 * on 6832. UDP carries no acknowledgement, so every datagram is counted by outcome in
 * /metrics and refusals are logged (at most once a second per port, with the number held
 * back). Datagrams over 65 000 bytes are refused, as are datagrams arriving while
 * `maxInFlight` are still being published (the publisher's backpressure has no one to answer).
 */
import { createSocket, type Socket } from 'node:dgram';
import type { MetricsRegistry } from '../metrics/registry.ts';
import { createLogger } from '../util/log.ts';
import { ingestDecoded, type IngestHttpOptions } from './http-common.ts';
import { decodeAgentDatagram, type JaegerProtocol } from './jaeger/decode.ts';

export const MAX_DATAGRAM_BYTES = 65_000;
const DEFAULT_MAX_IN_FLIGHT = 256;
/**
 * Kernel receive buffer asked for (Linux caps it at net.core.rmem_max): the OS default
 * (~208 KiB, three full datagrams) overflows when a client flushes a burst while the event
 * loop is busy, and UDP drops silently.
 */
const RECV_BUFFER_BYTES = 4 * 1024 * 1024;

export interface JaegerAgentOptions extends IngestHttpOptions {
  readonly protocol: JaegerProtocol;
  readonly port: number;
  readonly host: string;
  readonly registry: MetricsRegistry;
  readonly maxInFlight?: number;
}

export interface ListeningAgent {
  readonly port: number;
  close(): Promise<void>;
  /** Resolves when every datagram received so far has been handled (tests). */
  idle(): Promise<void>;
}

const log = createLogger('ingest.jaeger-agent');

export function startJaegerAgent(opts: JaegerAgentOptions): Promise<ListeningAgent> {
  const datagrams = opts.registry.counter('tailstream_jaeger_agent_datagrams_total', 'Jaeger agent UDP datagrams by protocol and outcome (accepted, partial, rejected, too_large, overloaded, unavailable)');
  const spans = opts.registry.counter('tailstream_jaeger_agent_spans_total', 'Spans in Jaeger agent UDP datagrams by protocol and outcome (accepted, rejected)');
  const inFlightGauge = opts.registry.gauge('tailstream_jaeger_agent_in_flight', 'Jaeger agent datagrams being published, by protocol');
  const maxInFlight = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const protocol = opts.protocol;
  const pending = new Set<Promise<void>>();
  let lastLog = 0;
  let heldBack = 0;

  const refuse = (outcome: string, reason: string): void => {
    datagrams.inc({ protocol, outcome });
    const now = (opts.nowMs ?? Date.now)();
    if (now - lastLog < 1000) return void heldBack++;
    log.warn('datagram refused', { protocol, port: opts.port, outcome, reason: reason.slice(0, 500), heldBack });
    lastLog = now;
    heldBack = 0;
  };

  const handle = async (msg: Buffer): Promise<void> => {
    const decoded = decodeAgentDatagram(msg, protocol, opts.limits, opts.redaction);
    if (!decoded.ok) return refuse('rejected', decoded.error);
    const out = await ingestDecoded(opts, decoded);
    if (!out.ok) {
      if (out.failure.status === 400) spans.inc({ protocol, outcome: 'rejected' }, decoded.spans.length + decoded.rejected.length);
      return refuse(out.failure.status === 400 ? 'rejected' : 'unavailable', out.failure.message);
    }
    const accepted = decoded.spans.length + decoded.rejected.length - out.rejected.length;
    spans.inc({ protocol, outcome: 'accepted' }, accepted);
    spans.inc({ protocol, outcome: 'rejected' }, out.rejected.length);
    if (out.rejected.length === 0) datagrams.inc({ protocol, outcome: 'accepted' });
    else refuse('partial', out.rejected.map((r) => r.reason).slice(0, 3).join('; '));
  };

  const socket: Socket = createSocket({ type: opts.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: RECV_BUFFER_BYTES });
  socket.on('message', (msg) => {
    if (msg.length > MAX_DATAGRAM_BYTES) return refuse('too_large', `${msg.length} bytes exceed ${MAX_DATAGRAM_BYTES}`);
    if (pending.size >= maxInFlight) return refuse('overloaded', `${pending.size} datagrams still being published`);
    const p = handle(msg).catch((err: unknown) => {
      log.error('datagram handling failed', { protocol }, err);
      datagrams.inc({ protocol, outcome: 'unavailable' });
    });
    pending.add(p);
    inFlightGauge.set(pending.size, { protocol });
    void p.finally(() => {
      pending.delete(p);
      inFlightGauge.set(pending.size, { protocol });
    });
  });
  socket.on('error', (err) => log.error('socket error', { protocol, port: opts.port }, err));

  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port, opts.host, () => {
      socket.off('error', reject);
      resolve({
        port: socket.address().port,
        idle: async () => {
          while (pending.size > 0) await Promise.all([...pending]);
        },
        close: async () => {
          await new Promise<void>((res) => socket.close(() => res()));
          while (pending.size > 0) await Promise.all([...pending]);
        },
      });
    });
  });
}
