import { describe, expect, it } from 'vitest';
import { isDiskFull } from '../../../src/app/durable-publisher.ts';

describe('isDiskFull', () => {
  it.each([
    [Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }), true],
    [Object.assign(new Error('EDQUOT: disk quota exceeded'), { code: 'EDQUOT' }), true],
    [new Error('fdatasync /data/log/raw-spans-0: ENOSPC: no space left on device'), true],
    [new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ENOSPC' }) }), true],
    [Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }), false],
    ['ENOSPC', false],
  ])('%s -> %s', (err, full) => {
    expect(isDiskFull(err)).toBe(full);
  });
});
