/** The dead-letter topic for raw-spans: nothing is dropped silently. */
export const RAW_SPANS_DLQ = 'raw-spans.dlq';

export { deadLetterHeaders, toDeadLetter } from '../streams/dead-letter.ts';
