import type { StateStore } from '../state/store.ts';
import type { Cancellable, ProcessorContext, PunctuationType, Punctuator } from './processor.ts';
import type { RawRecord, RecordMetadata, StreamRecord } from './record.ts';
import type { StreamTask } from './task.ts';

/** The ProcessorContext of one processor node inside one task. */
export class NodeContext implements ProcessorContext<unknown, unknown> {
  constructor(
    private readonly node: string,
    private readonly task: StreamTask,
  ) {}

  get applicationId(): string {
    return this.task.applicationId;
  }

  get taskId(): number {
    return this.task.id;
  }

  get taskCount(): number {
    return this.task.taskCount;
  }

  forward(record: StreamRecord<unknown, unknown>, childName?: string): Promise<void> {
    return this.task.forwardFrom(this.node, record, childName);
  }

  getStateStore<S extends StateStore>(name: string): S {
    return this.task.store(name) as unknown as S;
  }

  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    if (!(intervalMs > 0)) throw new RangeError(`${this.node}: punctuation interval must be > 0 ms, got ${intervalMs}`);
    return this.task.schedule(this.node, intervalMs, type, punctuator);
  }

  currentStreamTimeMs(): number {
    return this.task.streamTimeMs();
  }

  currentSystemTimeMs(): number {
    return this.task.systemTimeMs();
  }

  commit(): void {
    this.task.requestCommit();
  }

  deadLetter(record: RawRecord, reason: string): void {
    this.task.deadLetterFrom(this.node, record, reason);
  }

  recordMetadata(): RecordMetadata | undefined {
    return this.task.recordMetadata();
  }

  replaying(): boolean {
    return this.task.replaying();
  }
}
