/** Hex helpers for trace/span ids: the model keeps ids as lowercase hex strings. */

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Bytes → lowercase hex; a hand loop beats Buffer.toString('hex') for 8–16 byte ids on hot paths. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] as number] as string;
  return s;
}

/** Lowercase hex → bytes (the caller has validated the string). */
export function hexToBytes(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}

/** True when the id is empty or every digit is zero (OTLP's "invalid id"). */
export function isZeroId(hex: string): boolean {
  for (let i = 0; i < hex.length; i++) if (hex.charCodeAt(i) !== 48) return false;
  return true;
}
