import { TailstreamError } from '../util/errors.ts';

/** A schema that is missing or malformed, or bytes that are not what a serde reads. */
export class SerdeError extends TailstreamError {
  readonly retriable = false;

  constructor(
    readonly code: 'SCHEMA_NOT_FOUND' | 'SCHEMA_INVALID' | 'NOT_CONFLUENT_FRAMED' | 'RECORD_FORMAT',
    message: string,
  ) {
    super(message);
  }
}
