import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, FileError } from '../util/errors.ts';

/**
 * Per-task file mapping each store to the last changelog offset its local RocksDB holds.
 * Restore starts after it. Written atomically (rename) after every commit.
 */
export class CheckpointFile {
  private readonly path: string;
  constructor(taskDir: string) {
    this.path = join(taskDir, '.checkpoint');
  }

  read(): Map<string, bigint> {
    if (!existsSync(this.path)) return new Map();
    try {
      const raw = JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, string>;
      return new Map(Object.entries(raw).map(([k, v]) => [k, BigInt(v)]));
    } catch (err) {
      throw new FileError('FILE_CORRUPT', this.path, `corrupt checkpoint file ${this.path}: ${errorMessage(err)}`, { cause: err });
    }
  }

  write(offsets: ReadonlyMap<string, bigint>): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries([...offsets].map(([k, v]) => [k, v.toString()]))));
    renameSync(tmp, this.path);
  }
}
