import type { SamplingDecision } from '../../model/sampled-trace.ts';
import type { SampledTraceWriter } from '../../serde/sampled-trace-writer.ts';
import type { ProcessorContext } from '../../streams/processor.ts';
import { StreamRecord } from '../../streams/record.ts';

/** Forwards a kept trace's spans to the sampled-spans sink, `chunk` spans per record at most. */
export async function forwardKept(
  ctx: ProcessorContext<string, unknown>,
  writer: SampledTraceWriter,
  to: { child: string; chunk: number },
  traceId: string,
  spans: readonly Buffer[],
  decision: SamplingDecision,
  now: number,
): Promise<void> {
  for (let i = 0; i < spans.length; i += to.chunk) {
    await ctx.forward(new StreamRecord(traceId, writer.write(traceId, spans.slice(i, i + to.chunk), decision), now), to.child);
  }
}
