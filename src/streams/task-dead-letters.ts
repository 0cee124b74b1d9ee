/**
 * A task's handling of records it cannot process (see processing-errors.ts): dead-letter
 * with reason and source, count, log, and let the task go on; fatal errors are rethrown.
 */
import type { Logger } from '../util/log.ts';
import { toDeadLetter } from './dead-letter.ts';
import type { StreamsMetrics } from './metrics.ts';
import { describeError, isFatal, unwrap } from './processing-errors.ts';
import type { RawRecord } from './record.ts';
import type { OutgoingRecord } from './task.ts';
import type { SourceNode, Topology } from './topology.ts';

/** Why a record was dead-lettered, as the metric's `cause` label. */
export type DeadLetterCause = 'deserialize' | 'process' | 'punctuate' | 'rejected';

export interface TaskDeadLettersOptions {
  readonly applicationId: string;
  readonly topology: Topology;
  readonly metrics: StreamsMetrics;
  readonly logger: Logger;
  readonly emit: (r: OutgoingRecord) => void;
}

export class TaskDeadLetters {
  private readonly topic: string | undefined;

  constructor(private readonly o: TaskDeadLettersOptions) {
    this.topic = o.topology.deadLetterTopic();
  }

  /** Sends a record to a dead-letter topic with the reason, keeping the original bytes. */
  send(topic: string, raw: RawRecord, reason: string, source: string, cause: DeadLetterCause): void {
    this.o.metrics.deadLetters.inc({ app: this.o.applicationId, topic, cause });
    this.o.logger.warn('record sent to dead-letter topic', { topic, source, reason });
    this.o.emit({ topic, ...toDeadLetter(raw, reason, source) });
  }

  /** A source record that failed to deserialize. */
  undeserializable(source: SourceNode, raw: RawRecord, where: string, err: unknown): void {
    this.sendOrSkip(source, raw, `cannot deserialize record ${where}: ${describeError(err)}`, `source:${source.name}`, 'deserialize');
  }

  /** A processor threw on a source record: rethrows fatal errors, dead-letters the record otherwise. */
  processingFailed(source: SourceNode, raw: RawRecord, where: string, err: unknown): void {
    const { node, cause } = unwrap(err, source.name);
    if (isFatal(cause)) throw cause;
    this.o.metrics.processingErrors.inc({ app: this.o.applicationId, node, cause: 'process' });
    this.sendOrSkip(source, raw, `processor ${node} failed on ${where}: ${describeError(cause)}`, `processor:${node}`, 'process');
  }

  /** A punctuator threw: fatal errors fail the task, anything else is counted and its next run goes ahead. */
  punctuationFailed(node: string, err: unknown): void {
    if (isFatal(err)) throw err;
    this.o.metrics.processingErrors.inc({ app: this.o.applicationId, node, cause: 'punctuate' });
    this.o.logger.error('punctuation failed; it runs again at its next interval', { node, error: describeError(err) });
  }

  /** What a processor hands to `ProcessorContext.deadLetter` (e.g. one entry a punctuator cannot handle). */
  fromProcessor(node: string, raw: RawRecord, reason: string): void {
    if (this.topic) this.send(this.topic, raw, reason, `processor:${node}`, 'punctuate');
    else this.o.logger.error('record dropped: the topology has no dead-letter topic', { node, reason });
  }

  /** A processor routed a record to the dead-letter topic through its own sink: count it like ours. */
  countIfDeadLetter(topic: string): void {
    if (topic === this.topic) this.o.metrics.deadLetters.inc({ app: this.o.applicationId, topic, cause: 'rejected' });
  }

  private sendOrSkip(source: SourceNode, raw: RawRecord, reason: string, from: string, cause: DeadLetterCause): void {
    const topic = source.deadLetterTopic ?? this.topic;
    if (topic) this.send(topic, raw, reason, from, cause);
    else this.o.logger.error('record skipped: the topology has no dead-letter topic', { source: from, reason });
  }
}
