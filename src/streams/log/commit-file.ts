import { existsSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorMessage, FileError } from '../../util/errors.ts';

/** What one commit point records: every app's input offsets and where every runtime-written log ends. */
export interface CommitState {
  /** applicationId → `topic/partition` → next offset to read. */
  readonly offsets: Record<string, Record<string, number>>;
  /** `topic/partition` → end offset of a log the runtime writes (outputs, changelogs). */
  readonly ends: Record<string, number>;
}

/**
 * The embedded runtime's commit point, one small JSON file replaced atomically: written
 * to a temporary file, fdatasync'd, renamed over the old one, and the directory synced.
 * Whatever a crash interrupts, the file holds either the previous commit or the new one.
 */
export class CommitFile {
  constructor(readonly path: string) {}

  read(): CommitState {
    if (!existsSync(this.path)) return { offsets: {}, ends: {} };
    try {
      const s = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<CommitState>;
      return { offsets: s.offsets ?? {}, ends: s.ends ?? {} };
    } catch (err) {
      throw new FileError('FILE_CORRUPT', this.path, `corrupt commit file ${this.path}: ${errorMessage(err)}`, { cause: err });
    }
  }

  async write(state: CommitState): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const f = await open(tmp, 'w');
    try {
      await f.writeFile(JSON.stringify(state));
      await f.datasync();
    } finally {
      await f.close();
    }
    await rename(tmp, this.path);
    const d = await open(dirname(this.path), 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}
