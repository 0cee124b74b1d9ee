/**
 * The one error family, as @clickhouse/client has one: every error tailstream throws on
 * purpose carries a stable `code` to branch on (never the message) and `retriable`, which
 * says whether the same operation may succeed later (the streams runtime fails the task and
 * retries from its last commit; the HTTP layer answers 429/503 with Retry-After). Messages
 * name the file, topic or field at fault. `name` is the class name, so logs and dead-letter
 * reasons (`Name: message`) say which family spoke.
 */
export abstract class TailstreamError extends Error {
  abstract readonly code: string;
  abstract readonly retriable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The message of anything thrown (an Error's message, else its text): no `(err as Error)` casts. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A file tailstream wrote cannot be read back or synced (torn, corrupt, or the disk failed). */
export class FileError extends TailstreamError {
  readonly retriable = false;

  constructor(
    readonly code: 'FILE_CORRUPT' | 'FILE_IO',
    /** The file or directory at fault. */
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
