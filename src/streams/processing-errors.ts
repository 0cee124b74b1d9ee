/**
 * Kafka Streams' ProcessingExceptionHandler idea: an exception a processor throws on one
 * record (or in one punctuation) is that record's problem, not the task's. The record goes to
 * the dead-letter topic with the reason and its neighbours go on. Errors that say the task
 * itself is broken or should retry (`fatal` ones such as StoreIoError, task and topology
 * errors, anything `retriable`) still fail the task, which rolls back to its last commit.
 */
import { TopologyError } from './topology.ts';
import { TailstreamError } from '../util/errors.ts';

/** Carries which node threw, from the innermost processor out to the task. */
export class ProcessingError extends TailstreamError {
  readonly code = 'PROCESSING_FAILED';
  /** Whether the task may retry is the cause's to say (see isFatal). */
  readonly retriable = false;

  constructor(
    readonly node: string,
    override readonly cause: unknown,
  ) {
    super(`processor ${node}: ${describeError(cause)}`);
  }
}

/** True for errors that must fail the task rather than dead-letter one record. */
export function isFatal(err: unknown): boolean {
  if (err instanceof ProcessingError) return isFatal(err.cause);
  if (err instanceof TopologyError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { fatal?: unknown; retriable?: unknown; code?: unknown };
  return e.fatal === true || e.retriable === true || e.code === 'TASK_FAILED';
}

/** `Name: message` on one line, never a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.split('\n')[0] ?? err.name;
  return String(err);
}

/** The node and cause of an error thrown out of `deliver`. */
export function unwrap(err: unknown, fallbackNode: string): { node: string; cause: unknown } {
  return err instanceof ProcessingError ? { node: err.node, cause: err.cause } : { node: fallbackNode, cause: err };
}
