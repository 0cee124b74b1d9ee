import { describe, expect, it } from 'vitest';
import { taskShareOf } from '../../../src/sampling/cluster-share.ts';
import { parseSamplingConfigText } from '../../../src/sampling/config.ts';

const config = parseSamplingConfigText(`
policies:
  - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
  - { name: rate, type: rate_limiting, rate_limiting: { spans_per_second: 600 } }
  - { name: bytes, type: bytes_limiting, bytes_limiting: { bytes_per_second: 6000, burst_capacity: 12000 } }
  - { name: adaptive, type: adaptive, adaptive: { target_traces_per_second: 12 } }
  - name: both
    type: and
    and: { and_sub_policy: [{ name: inner, type: rate_limiting, rate_limiting: { spans_per_second: 60 } }] }
`);

describe('taskShareOf', () => {
  it('divides every rate budget by the task count and leaves the rest alone', () => {
    const [errors, rate, bytes, adaptive, both] = taskShareOf(config.policies, 6);
    expect(errors).toEqual(config.policies[0]);
    expect(rate).toMatchObject({ rate_limiting: { spans_per_second: 100 } });
    expect(bytes).toMatchObject({ bytes_limiting: { bytes_per_second: 1000, burst_capacity: 2000 } });
    expect(adaptive).toMatchObject({ adaptive: { target_traces_per_second: 2 } });
    expect(both).toMatchObject({ and: { and_sub_policy: [{ rate_limiting: { spans_per_second: 10 } }] } });
  });

  it('is the configuration itself for one task, and refuses a count below one', () => {
    expect(taskShareOf(config.policies, 1)).toEqual(config.policies);
    expect(() => taskShareOf(config.policies, 0)).toThrow(/task count/);
  });
});
