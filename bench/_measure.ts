/**
 * Small measuring helpers for the benchmarks: percentiles of latency samples and the CPU
 * time of another process, read from /proc (Linux) so a child's work is counted whole —
 * every thread, chdb's and RocksDB's included.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The nearest-rank `p`-th percentile (0 < p ≤ 100) of `samples`; NaN when there are none. */
export function percentile(samples: ArrayLike<number>, p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile: p must be in (0, 100], got ${p}`);
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.ceil((p / 100) * sorted.length) - 1] as number;
}

/**
 * utime + stime in clock ticks from the text of /proc/<pid>/stat. The command name (field
 * 2) is in parentheses and may itself hold spaces and ')', so fields count from the last ')'.
 */
export function cpuTicksFromStat(stat: string): number {
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error(`/proc stat: no ")" after the command name in ${JSON.stringify(stat.slice(0, 80))}`);
  // After ')': field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
  const fields = stat.slice(close + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) throw new Error(`/proc stat: utime/stime are not integers in ${JSON.stringify(stat.slice(0, 200))}`);
  return utime + stime;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const out = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticksPerSecond = Number.isInteger(out) && out > 0 ? out : 100;
  }
  return ticksPerSecond;
}

/** CPU milliseconds process `pid` has used so far (all threads; 10 ms resolution at 100 Hz). */
export function processCpuMs(pid: number): number {
  return (cpuTicksFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8')) * 1000) / clockTicks();
}
