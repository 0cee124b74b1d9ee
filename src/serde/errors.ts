import { TailstreamError } from '../util/errors.ts';

/** A schema that is missing or malformed, bytes that are not what a serde reads, or a value its format cannot hold. */
export class SerdeError extends TailstreamError {
  readonly retriable = false;

  constructor(
    readonly code: 'SCHEMA_NOT_FOUND' | 'SCHEMA_INVALID' | 'NOT_CONFLUENT_FRAMED' | 'RECORD_FORMAT' | 'VALUE_OUT_OF_RANGE',
    message: string,
  ) {
    super(message);
  }
}
