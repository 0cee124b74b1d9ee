import { join } from 'node:path';
import { FileBroker } from '../streams/log/file-broker.ts';
import { LocalRuntime } from '../streams/local-runtime.ts';
import { ProgressMonitor } from '../streams/progress-monitor.ts';
import { DurableSpanPublisher } from './durable-publisher.ts';
import { redactedHeaders } from '../redaction/redactor.ts';
import type { Parts, Runtimes } from './pipeline.ts';

/**
 * Embedded mode: both topologies on the in-process runtime over on-disk topics under
 * DATA_DIR/log, stepped by the runtime's run loop (on every publish and every tick), watched by a
 * progress monitor that /healthz reports.
 */
export async function startEmbedded({ config, topologies, registry, logger, spanBatch, redactor }: Parts): Promise<Runtimes> {
  if (!topologies) throw new Error('embedded mode runs every role; TAILSTREAM_ROLES without KAFKA_BROKERS should have been refused by config');
  const { sampling, sink } = topologies;
  const rawSpans = config.topics.rawSpans;
  const broker = new FileBroker({ dir: join(config.dataDir, 'log'), segmentBytes: config.embeddedLog.segmentBytes, external: [rawSpans] });
  // Changelogs on: with the logs on disk they are what makes a commit atomic (RocksDB
  // catches up from them after a crash), and they are deleted once RocksDB holds them.
  const runtime = new LocalRuntime({ broker, stateDir: join(config.dataDir, 'state'), registry, logger: logger.child('streams'), changelogs: true, commitIntervalMs: 100 });
  await runtime.add(config.applicationIds.sampling, sampling);
  await runtime.add(config.applicationIds.sink, sink);
  const monitor = new ProgressMonitor(runtime, runtime.clock, config.healthStallMs, registry);
  const depth = registry.gauge('tailstream_embedded_log_records', 'Records held in the embedded on-disk topics (not yet released by every reader)');
  const bytes = registry.gauge('tailstream_embedded_log_bytes', 'Bytes held in the embedded on-disk topics; their sum (dead letters aside) is bounded by EMBEDDED_LOG_MAX_BYTES');
  const backlog = registry.gauge('tailstream_embedded_backlog_records', 'Records in source topics not yet processed by their readers');
  depth.onCollect(() => {
    for (const t of broker.topicNames()) {
      depth.set(broker.depth(t), { topic: t });
      bytes.set(broker.sizeBytes(t), { topic: t });
    }
    backlog.set(runtime.lag());
  });
  const loop = runtime.startLoop(Math.min(250, config.assembly.tickMs), {
    succeeded: () => monitor.stepSucceeded(),
    failed: (err) => {
      monitor.stepFailed(err);
      logger.error('embedded pipeline step failed', {}, err);
    },
  });
  const pump = (): void => loop.wake();
  const diskFull = registry.counter('tailstream_embedded_disk_full_refusals_total', 'Ingest requests answered 503 + Retry-After because the disk holding the embedded logs is full');
  const ingestLog = logger.child('ingest');
  let lastDiskFullLog = 0;
  const onDiskFull = (err: unknown): void => {
    diskFull.inc();
    if (Date.now() - lastDiskFullLog < 10_000) return; // one line per 10 s, not one per request
    lastDiskFullLog = Date.now();
    ingestLog.warn('disk full: refusing spans with 503 + Retry-After until space returns (nothing refused is acknowledged)', { dir: broker.dir }, err);
  };
  const publisher = new DurableSpanPublisher(broker, rawSpans, spanBatch, config.embeddedLog.maxBytes, pump, new Set([config.topics.deadLetter]), onDiskFull, redactedHeaders(redactor));
  return {
    publisher,
    health: () => monitor.health(),
    topologies: [config.applicationIds.sampling, config.applicationIds.sink],
    stop: async () => {
      await loop.stop();
      await runtime.close();
      broker.close();
    },
  };
}
