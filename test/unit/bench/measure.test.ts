import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuTicksFromStat, percentile, processCpuMs } from '../../../bench/_measure.ts';

describe('percentile (nearest rank)', () => {
  it.each([
    [[5], 50, 5],
    [[5], 99, 5],
    [[3, 1, 2, 4], 50, 2],
    [[3, 1, 2, 4], 75, 3],
    [[3, 1, 2, 4], 76, 4],
    [[3, 1, 2, 4], 100, 4],
    [Array.from({ length: 1000 }, (_, i) => 1000 - i), 99, 990],
    [Array.from({ length: 1000 }, (_, i) => i + 1), 50, 500],
    [[10, 9, 100, 1], 25, 1],
  ])('%j p%d = %d', (samples, p, want) => {
    expect(percentile(samples, p)).toBe(want);
  });

  it('sorts numerically, not as strings', () => {
    expect(percentile(Float64Array.from([9, 10, 100]), 34)).toBe(10);
  });

  it('is NaN without samples and refuses p outside (0, 100]', () => {
    expect(percentile([], 99)).toBeNaN();
    expect(() => percentile([1], 0)).toThrow(/p must be in \(0, 100\]/);
    expect(() => percentile([1], 101)).toThrow(/p must be in \(0, 100\]/);
  });
});

describe('CPU time from /proc/<pid>/stat', () => {
  it('adds utime and stime, counting fields after the last ")" of the command name', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
    const tail = 'S 1 2 3 0 -1 4194560 100 0 0 0 1234 56 7 8 20 0 5 0';
    expect(cpuTicksFromStat(`4242 (node) ${tail}`)).toBe(1290);
    expect(cpuTicksFromStat(`4242 (a) b (c) ${tail}`)).toBe(1290);
  });

  it('names the problem when the text is not a stat line', () => {
    expect(() => cpuTicksFromStat('garbage')).toThrow(/no "\)"/);
    expect(() => cpuTicksFromStat('1 (x) S 1 2')).toThrow(/utime\/stime are not integers/);
  });

  it.runIf(process.platform === 'linux')('reads this process: agrees with process.cpuUsage within the tick resolution', () => {
    const end = Date.now() + 200;
    while (Date.now() < end); // burn CPU so both readings are well above zero
    const own = process.cpuUsage();
    const ms = processCpuMs(process.pid);
    expect(readFileSync(`/proc/${process.pid}/stat`, 'utf8')).toContain(`${process.pid} (`);
    // /proc counts every thread of the process; cpuUsage does too.
    expect(ms).toBeGreaterThan((own.user + own.system) / 1000 - 50);
    expect(ms).toBeLessThan((own.user + own.system) / 1000 + 200);
  });
});
