import type { Response } from 'express';

const BIG = '\u0000bigint:';
const BIG_QUOTED = /"\\u0000bigint:(-?\d+)"/g;

/**
 * JSON text in which bigints are bare numbers with every digit (int64 attribute values
 * past 2^53), which JSON.stringify cannot write by itself.
 */
export function stringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${BIG}${v.toString()}` : v)).replace(BIG_QUOTED, '$1');
}

export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).type('application/json').send(stringify(body));
}
