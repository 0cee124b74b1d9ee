import { describe, expect, it } from 'vitest';
import { retryConcurrentTransactions } from '../../src/streams/kafka-commit.ts';

const concurrent = () => Object.assign(new Error('another concurrent operation on the same transaction was ongoing'), { type: 'CONCURRENT_TRANSACTIONS' });

/** A step that fails with `errors` in turn, then succeeds. */
function step(errors: Error[]): { run: () => Promise<string>; calls: () => number } {
  let n = 0;
  return {
    run: async () => {
      const e = errors[n++];
      if (e) throw e;
      return 'done';
    },
    calls: () => n,
  };
}

describe('retryConcurrentTransactions', () => {
  it('retries a step the coordinator refused with CONCURRENT_TRANSACTIONS', async () => {
    const s = step([concurrent(), concurrent()]);
    await expect(retryConcurrentTransactions(s.run)).resolves.toBe('done');
    expect(s.calls()).toBe(3);
  });

  it('does not retry other errors', async () => {
    const fenced = Object.assign(new Error('fenced'), { type: 'INVALID_PRODUCER_EPOCH' });
    const s = step([fenced]);
    await expect(retryConcurrentTransactions(s.run)).rejects.toBe(fenced);
    expect(s.calls()).toBe(1);
  });

  it('gives up after the attempts it was given', async () => {
    const s = step([concurrent(), concurrent(), concurrent()]);
    await expect(retryConcurrentTransactions(s.run, 2)).rejects.toMatchObject({ type: 'CONCURRENT_TRANSACTIONS' });
    expect(s.calls()).toBe(2);
  });
});
