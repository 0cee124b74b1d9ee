import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** What the RocksDB state takes on disk: every file under the state directory. */
export interface StateDirUsage {
  readonly usedBytes: number;
  /** Bytes per store directory, keyed `<app>/<task>/<store>` (the layout StreamTask opens). */
  readonly stores: ReadonlyMap<string, number>;
}

/** Deeper than `<app>/<task>/<store>/<file>`: RocksDB makes no subdirectories. */
const MAX_DEPTH = 6;

/**
 * Sums the space each file takes (allocated blocks, as `du` counts them: RocksDB
 * preallocates its manifest and write-ahead log, so the length would understate them) —
 * SST files, WAL, manifest, info logs, checkpoints. A few dozen files per task: cheap
 * enough for every few seconds, never per record. Files RocksDB deletes mid-walk are
 * skipped.
 */
export async function measureStateDir(dir: string): Promise<StateDirUsage> {
  const stores = new Map<string, number>();
  let usedBytes = 0;
  const walk = async (path: string, parts: readonly string[]): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (err) {
      if (isGone(err)) return;
      throw err;
    }
    for (const e of entries) {
      const child = join(path, e.name);
      if (e.isDirectory()) {
        if (parts.length < MAX_DEPTH) await walk(child, [...parts, e.name]);
        continue;
      }
      let bytes: number;
      try {
        const st = await lstat(child);
        bytes = typeof st.blocks === 'number' ? st.blocks * 512 : st.size;
      } catch (err) {
        if (isGone(err)) continue;
        throw err;
      }
      usedBytes += bytes;
      if (parts.length >= 3) {
        const key = parts.slice(0, 3).join('/');
        stores.set(key, (stores.get(key) ?? 0) + bytes);
      }
    }
  };
  await walk(dir, []);
  return { usedBytes, stores };
}

function isGone(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
