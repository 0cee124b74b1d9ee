import type { StoreSpec, StateStore } from '../state/store.ts';
import type { RawRecord, RecordMetadata, StreamRecord } from './record.ts';

export type PunctuationType = 'stream-time' | 'wall-clock';
export type Punctuator = (timestampMs: number) => void | Promise<void>;

export interface Cancellable {
  cancel(): void;
}

/**
 * What a processor sees of its task. Time comes only from here (never Date.now()), so the
 * test driver controls it.
 */
export interface ProcessorContext<KOut = unknown, VOut = unknown> {
  readonly applicationId: string;
  /** Task id: the input partition this task owns. */
  readonly taskId: number;
  /**
   * How many tasks the application has: the partition count of its source topics. It does
   * not change when instances come and go, so a cluster-wide budget split by it holds.
   */
  readonly taskCount: number;
  /** Sends a record to all children, or to the named child. */
  forward(record: StreamRecord<KOut, VOut>, childName?: string): Promise<void>;
  getStateStore<S extends StateStore>(name: string): S;
  /** Runs `punctuator` every `intervalMs` of stream time or wall-clock time. */
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable;
  /** Highest record timestamp seen by this task (ms), or -1 before the first record. */
  currentStreamTimeMs(): number;
  /** The runtime's wall clock (ms); the test driver's mock clock in tests. */
  currentSystemTimeMs(): number;
  /** Asks the runtime to commit as soon as the current record is done. */
  commit(): void;
  /**
   * Sends bytes this node cannot handle (e.g. one entry a punctuator fails on) to the
   * topology's dead-letter topic with the reason, so the entry stops coming back and its
   * neighbours go on.
   */
  deadLetter(record: RawRecord, reason: string): void;
  /** Source topic/partition/offset of the record being processed; undefined in punctuation. */
  recordMetadata(): RecordMetadata | undefined;
  /**
   * True while the task still replays records it processed before (see
   * Topology.withSourcePositions): state is incomplete, so nothing may be decided on it.
   */
  replaying(): boolean;
}

export interface Processor<KIn = unknown, VIn = unknown, KOut = unknown, VOut = unknown> {
  init?(context: ProcessorContext<KOut, VOut>): void | Promise<void>;
  process(record: StreamRecord<KIn, VIn>): void | Promise<void>;
  /**
   * Called at the start of every task commit, before outputs and offsets are written: a
   * processor that buffers work outside Kafka (an external sink) writes it out here, so
   * input offsets are committed only after that write is acknowledged. Throwing fails the
   * commit, and the task rolls back to its last commit.
   */
  commit?(): Promise<void>;
  /**
   * False while a commit now would fail (a sink midway through re-cutting a replayed
   * batch): the runtime then commits later, after more input, unless a bound forces it.
   */
  readyToCommit?(): boolean;
  /**
   * The earliest offset of source `topic` this processor must be able to read again to
   * rebuild its unlogged state (undefined: none); the task commits no offset past it.
   */
  committableOffset?(topic: string): bigint | undefined;
  close?(): void | Promise<void>;
}

/** Creates one processor per task and declares the stores it needs (Kafka Streams' ConnectedStoreProvider). */
export interface ProcessorSupplier<KIn = unknown, VIn = unknown, KOut = unknown, VOut = unknown> {
  get(): Processor<KIn, VIn, KOut, VOut>;
  readonly stores?: readonly StoreSpec[];
}
