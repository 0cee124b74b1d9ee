import { TailstreamError } from '../util/errors.ts';

/**
 * A store read or write failed. Fatal for the task (`fatal: true`): the record being
 * processed is not to blame, so it is not dead-lettered; the task fails and rolls back.
 */
export class StoreIoError extends TailstreamError {
  readonly code = 'STORE_IO';
  readonly retriable = false;
  readonly fatal = true;
}
