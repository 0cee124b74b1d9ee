/**
 * Robustness fuzz (issue 12): seeded, bounded, structure-aware mutations of valid span
 * records (fixtures/fuzz-inputs.ts) through every decoder and through the whole
 * tail-sampling topology, mixed with valid traces. Must hold: nothing throws out of a
 * decoder or the topology, processing never wedges (a trace sent last is still decided),
 * every intact neighbour of a broken span lands, every accepted span satisfies the model
 * invariants, and every rejected record lands in the dead-letter topic with a reason.
 */
import { describe, expect, it } from 'vitest';
import { RawSpansDecoder, type DecodeResult } from '../../src/ingest/decode.ts';
import type { Span } from '../../src/model/span.ts';
import { validateSpan } from '../../src/model/validate.ts';
import { generateWorkload } from '../../src/workload/generator.ts';
import { DEFAULT_TOPICS } from '../../topologies/tail-sampling.ts';
import { CONTENT_TYPES, mutate, type FuzzInput } from '../fixtures/fuzz-inputs.ts';
import { randomSpans, rng } from '../fixtures/otel-random.ts';
import { pipelineSerdes, samplingHarness } from '../fixtures/tail-sampling.ts';

const SEED = 20261130;
const DECODER_INPUTS = 2_400;
const TOPOLOGY_INPUTS = 300;
const START_MS = 1_800_000_000_000;

/** The seeded workload's traces, one record each: realistic valid inputs. */
function workloadTraces(traces: number): Span[][] {
  const byTrace = new Map<string, Span[]>();
  for (const d of generateWorkload({ seed: `fuzz-${SEED}`, traces, startMs: START_MS, duplicateRate: 0, lateRate: 0 }).deliveries) {
    const list = byTrace.get(d.span.traceId) ?? [];
    list.push(d.span);
    byTrace.set(d.span.traceId, list);
  }
  return [...byTrace.values()].map((spans) => spans.slice(0, 40));
}

const idOf = (s: Pick<Span, 'traceId' | 'spanId'>) => `${s.traceId}/${s.spanId}`;
const rejectedAny = (r: DecodeResult) => !r.ok || r.rejected.length > 0;

/** The invariants one decoded input must satisfy; returns whether it was (partly) rejected. */
function checkDecoded(input: FuzzInput, r: DecodeResult): boolean {
  const where = `${input.format} / ${input.mutation}`;
  if (!r.ok) {
    expect(r.error, where).not.toBe('');
    expect(input.intact, `${where}: a whole-record failure lost intact spans`).toEqual([]);
    return true;
  }
  for (const s of r.spans) expect(validateSpan(s, 'span'), where).toBeUndefined();
  for (const x of r.rejected) expect(x.reason, where).not.toBe('');
  const accepted = new Set(r.spans.map(idOf));
  for (const s of input.intact) expect(accepted.has(idOf(s)), `${where}: intact span ${idOf(s)} not accepted`).toBe(true);
  return r.rejected.length > 0;
}

describe('fuzz: mutated span records', () => {
  it('every decoder rejects by field and keeps intact neighbours', async () => {
    const avro = (await pipelineSerdes()).spanBatch;
    const decoder = new RawSpansDecoder();
    const r = rng(SEED);
    const valid = [...workloadTraces(100), ...Array.from({ length: 100 }, (_, i) => randomSpans(SEED + i, 1 + (i % 6)))];
    let rejected = 0;
    for (let n = 0; n < DECODER_INPUTS; n++) {
      const input = mutate(valid[Math.floor(r() * valid.length)] as Span[], r, avro);
      const result = decoder.decodeBytes(input.bytes, CONTENT_TYPES[input.format]);
      if (checkDecoded(input, result)) rejected++;
    }
    console.log(`fuzz: ${DECODER_INPUTS} decoder inputs, ${rejected} rejected`);
    expect(rejected).toBeGreaterThan(DECODER_INPUTS / 2);
  });

  it('the tail-sampling topology never wedges: neighbours land, rejects reach the DLQ with reasons', async () => {
    const h = await samplingHarness('decision_wait: 10s\npolicies:\n  - { name: all, type: always_sample }\n', { wallClockMs: START_MS });
    const decoder = new RawSpansDecoder({ registry: h.serdes.registry });
    const r = rng(SEED + 1);
    const valid = workloadTraces(TOPOLOGY_INPUTS);
    const intact = new Set<string>();
    const sampled = new Set<string>();
    let expectedDeadLetters = 0;
    let wedged = 0;
    const collect = () => {
      for (const t of h.sampled()) for (const s of t.spans) {
        expect(validateSpan(s, 'sampled')).toBeUndefined();
        sampled.add(idOf(s));
      }
    };
    try {
      for (let n = 0; n < TOPOLOGY_INPUTS; n++) {
        const input = mutate(valid[n % valid.length] as Span[], r, h.serdes.spanBatch, 0.3);
        const headers = { 'content-type': Buffer.from(CONTENT_TYPES[input.format]) };
        if (rejectedAny(await decoder.decodeAsync({ key: null, value: input.bytes, timestamp: 0, headers }))) expectedDeadLetters++;
        for (const s of input.intact) intact.add(idOf(s));
        try {
          await h.driver.pipeRaw(DEFAULT_TOPICS.rawSpans, null, input.bytes, h.driver.clock.now(), headers);
          if (n % 25 === 24) await h.advance(1_000);
        } catch (err) {
          wedged++;
          throw err;
        }
        collect();
      }
      await h.advance(11_000);
      await h.advance(11_000);
      collect();
      // Processing goes on: a trace sent after everything else is decided and kept.
      const last = (valid[0] as Span[]).map((s) => ({ ...s, traceId: 'f'.repeat(32) }));
      await h.send(last);
      await h.advance(11_000);
      collect();
      for (const s of last) expect(sampled.has(idOf(s)), 'the last trace was not decided').toBe(true);

      const missing = [...intact].filter((id) => !sampled.has(id));
      expect(missing, 'intact neighbours that did not land').toEqual([]);
      const dlq = h.deadLetters();
      expect(dlq.filter((d) => d.reason === '')).toEqual([]);
      expect(dlq).toHaveLength(expectedDeadLetters);
      // Everything invalid was stopped at the decoder: no processor had to give up on a record.
      const counts = h.driver.runtime.metrics.processingErrors.total();
      expect(counts).toBe(0);
      console.log(`fuzz: ${TOPOLOGY_INPUTS} topology inputs, ${expectedDeadLetters} rejected, ${wedged} wedged`);
    } finally {
      await h.driver.close();
    }
  });
});
