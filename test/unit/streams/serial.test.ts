import { describe, expect, it } from 'vitest';
import { Serial } from '../../../src/streams/serial.ts';

describe('Serial: the one lock both runtimes take', () => {
  it('runs pieces one at a time in call order, and a failure fails only its caller', async () => {
    const serial = new Serial();
    const log: string[] = [];
    const piece = (name: string, ms: number) => () =>
      new Promise<void>((resolve) => {
        log.push(`${name} start`);
        setTimeout(() => {
          log.push(`${name} end`);
          resolve();
        }, ms);
      });
    const a = serial.run(piece('a', 20));
    const b = serial.run(() => Promise.reject(new Error('b failed')));
    const c = serial.run(piece('c', 1));
    await expect(b).rejects.toThrow('b failed');
    await Promise.all([a, c]);
    expect(log).toEqual(['a start', 'a end', 'c start', 'c end']);
  });
});
