import { describe, expect, it } from 'vitest';
import { planShed, type TierUsage } from '../../../src/sampling/assembly/state-budget-plan.ts';

const tiers = (traces: [number, number], decisions: [number, number], windows: [number, number]): TierUsage[] => [
  { kind: 'traces', bytes: traces[0], entries: traces[1] },
  { kind: 'decisions', bytes: decisions[0], entries: decisions[1] },
  { kind: 'windows', bytes: windows[0], entries: windows[1] },
];

describe('planShed: what a task gives up to get under the state disk budget', () => {
  it.each([
    { what: 'nothing when nothing is over', excess: 0, usage: tiers([1000, 10], [100, 5], [10, 2]), fractions: {}, short: 0 },
    { what: 'a share of the span buffer when it covers the excess', excess: 250, usage: tiers([1000, 10], [100, 5], [10, 2]), fractions: { traces: 0.25 }, short: 0 },
    { what: 'the whole buffer, then decisions for the rest', excess: 1050, usage: tiers([1000, 10], [100, 5], [10, 2]), fractions: { traces: 1, decisions: 0.5 }, short: 0 },
    { what: 'windows only after every buffered trace and decision', excess: 1105, usage: tiers([1000, 10], [100, 5], [10, 2]), fractions: { traces: 1, decisions: 1, windows: 0.5 }, short: 0 },
    { what: 'past an empty buffer to the decisions', excess: 50, usage: tiers([0, 0], [100, 5], [10, 2]), fractions: { decisions: 0.5 }, short: 0 },
    { what: 'all it has, and says how much is still over', excess: 5000, usage: tiers([1000, 10], [100, 0], [10, 2]), fractions: { traces: 1, windows: 1 }, short: 3990 },
  ])('gives up $what', ({ excess, usage, fractions, short }) => {
    const plan = planShed(excess, usage);
    expect(Object.fromEntries(plan.fractions)).toEqual(fractions);
    expect(plan.shortBytes).toBe(short);
  });
});
