/**
 * Kafka's variable-length integers (protobuf varints, zig-zag for signed
 * values): their sizes, and writers that encode straight into a byte array
 * at a position. `Writer` uses them for its growable buffer; the
 * record-batch encoder uses them to write records into a slab without one.
 *
 * @module
 */

/** Bytes an unsigned varint of `v` (0 ≤ v < 2^32) takes. */
export function uvarintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

/** Bytes a zig-zag signed varint of the 32-bit integer `v` takes. */
export function varintSize(v: number): number {
  return uvarintSize(((v << 1) ^ (v >> 31)) >>> 0);
}

/** Bytes a zig-zag signed varlong of the safe integer `v` takes. */
export function varlongSize(v: number): number {
  // z = 2u + sign, with u = v or -v - 1 (never leaves the safe range); z >> 7 = floor(u / 64).
  let rest = Math.floor((v < 0 ? -v - 1 : v) / 64);
  let n = 1;
  while (rest > 0) {
    rest = Math.floor(rest / 128);
    n++;
  }
  return n;
}

/**
 * Writes an unsigned varint (0 ≤ v < 2^32) at `b[p]`; returns the position after it.
 * The raw form of `Writer.uvarint`, for encoding straight into a slab.
 *
 * @example Usage
 * ```ts
 * import { putUvarint } from "./varint.ts";
 * const b = new Uint8Array(5);
 * console.assert(putUvarint(b, 0, 300) === 2 && b[0] === 0xac && b[1] === 0x02);
 * ```
 */
export function putUvarint(b: Uint8Array, p: number, v: number): number {
  while (v >= 0x80) {
    b[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  b[p++] = v;
  return p;
}

/**
 * Writes a zig-zag signed varint of a 32-bit integer at `b[p]`; returns the position after it.
 *
 * @example Usage
 * ```ts
 * import { putVarint } from "./varint.ts";
 * const b = new Uint8Array(5);
 * console.assert(putVarint(b, 0, -1) === 1 && b[0] === 1);
 * ```
 */
export function putVarint(b: Uint8Array, p: number, v: number): number {
  return putUvarint(b, p, ((v << 1) ^ (v >> 31)) >>> 0);
}

/**
 * Writes a zig-zag signed varlong of a safe integer at `b[p]` (up to 10
 * bytes); returns the position after it.
 *
 * @example Usage
 * ```ts
 * import { putVarlong } from "./varint.ts";
 * const b = new Uint8Array(10);
 * console.assert(putVarlong(b, 0, 2 ** 40) === 6);
 * ```
 */
export function putVarlong(b: Uint8Array, p: number, v: number): number {
  if (v >= -0x40000000 && v < 0x40000000) return putVarint(b, p, v);
  // Zig-zag z = 2u + sign would exceed 2^53 for |v| > 2^52: emit its first group from u directly.
  const u = v < 0 ? -v - 1 : v;
  let rest = Math.floor(u / 64);
  const first = (u % 64) * 2 + (v < 0 ? 1 : 0);
  b[p++] = rest > 0 ? first | 0x80 : first;
  while (rest > 0) {
    b[p++] = rest >= 0x80 ? (rest % 128) | 0x80 : rest;
    rest = Math.floor(rest / 128);
  }
  return p;
}
