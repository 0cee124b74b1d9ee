import { describe, expect, it } from 'vitest';
import { headSampleRate, otelTraceState } from '../../../src/sampling/head-rate.ts';
import type { AnyValue, Span } from '../../../src/model/span.ts';
import { span } from '../edges/span-factory.ts';

const tagged = (id: number, tags: Record<string, AnyValue>, extra: Partial<Span> = {}): Span => ({
  ...span({ id, service: 's', kind: 'server' }),
  attributes: Object.entries(tags).map(([key, value]) => ({ key, value })),
  ...extra,
});
const dbl = (value: number): AnyValue => ({ type: 'double', value });
const str = (value: string): AnyValue => ({ type: 'string', value });

describe('head-sampling rate of a trace', () => {
  it.each([
    ['Jaeger probabilistic 0.25 (double)', { 'sampler.type': str('probabilistic'), 'sampler.param': dbl(0.25) }, 4],
    ['Jaeger probabilistic 0.5 (string)', { 'sampler.type': str('probabilistic'), 'sampler.param': str('0.5') }, 2],
    ['Jaeger probabilistic 1', { 'sampler.type': str('probabilistic'), 'sampler.param': dbl(1) }, 1],
    ['Jaeger const', { 'sampler.type': str('const'), 'sampler.param': { type: 'bool', value: true } as AnyValue }, undefined],
    ['Jaeger rate limiting tells no probability', { 'sampler.type': str('ratelimiting'), 'sampler.param': dbl(2) }, undefined],
    ['Jaeger lower bound tells no probability', { 'sampler.type': str('lowerbound'), 'sampler.param': dbl(0.001) }, undefined],
    ['a probability out of range is ignored', { 'sampler.type': str('probabilistic'), 'sampler.param': dbl(0) }, undefined],
  ])('%s', (_name, tags, rate) => {
    expect(headSampleRate([tagged(1, tags)])?.rate).toBe(rate);
  });

  it.each([
    ['ot=th:c', 4],
    ['ot=th:8', 2],
    ['ot=th:0', 1],
    ['vendor=x,ot=rv:abcdef01234567;th:e', 8],
    ['ot=p:3', 8],
    ['ot=th:fffffffffffffff', undefined], // 15 digits: invalid
    ['ot=th:C', undefined], // hex digits are lowercase
    ['other=th:8', undefined],
  ])('tracestate %s', (ts, rate) => {
    expect(otelTraceState(ts)?.rate).toBe(rate);
  });

  it('the root span speaks for the trace; without one, the first span that reports a rate', () => {
    const child = tagged(2, { 'sampler.type': str('probabilistic'), 'sampler.param': dbl(0.5) }, { parentSpanId: '0000000000000001' });
    const root = tagged(1, {}, { traceState: 'ot=th:c' });
    expect(headSampleRate([child, root])).toEqual({ rate: 4, source: 'tracestate ot=th:c' });
    expect(headSampleRate([child])).toEqual({ rate: 2, source: 'sampler.param=0.5' });
    expect(headSampleRate([tagged(3, {})])).toBeUndefined();
  });
});
