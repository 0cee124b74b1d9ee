import { TailstreamError } from '../util/errors.ts';

/** A malformed field inside one span: rejects that span, not the whole record. */
export class FieldError extends TailstreamError {
  readonly code = 'INVALID_FIELD';
  readonly retriable = false;

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }

  /** The message without the field prefix. */
  get detail(): string {
    return this.message.slice(this.field.length + 2);
  }
}

/** Runs `build`, returning a FieldError it throws instead (other errors propagate). */
export function catchFieldError<T>(build: () => T): T | FieldError {
  try {
    return build();
  } catch (e) {
    if (e instanceof FieldError) return e;
    throw e;
  }
}
