/** Moved to serde/span-codec.ts; this re-export keeps the assembler's import as it is. */
export { spanCodec, type SpanCodec } from '../../serde/span-codec.ts';
