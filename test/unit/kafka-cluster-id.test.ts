import { describe, expect, it } from 'vitest';
import { newClusterId } from '../broker/kafka-broker.ts';

describe('test broker cluster id', () => {
  it('never starts with "-" (StorageTool would take it for an option and fail the global setup)', () => {
    // 0xF8 encodes to '-' first in base64url; the second draw does not.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x10)];
    const id = newClusterId(() => draws.shift() ?? Buffer.alloc(16));
    expect(id).not.toMatch(/^-/);
    expect(id).toBe(Buffer.alloc(16, 0x10).toString('base64url'));
  });
});
