/**
 * Comparisons of Kafka UUIDs (topic ids, 16 bytes), where all zeros means
 * "none" (a broker or version without topic ids).
 *
 * @module
 */

/**
 * Whether a UUID is all zeros.
 *
 * @example Usage
 * ```ts
 * import { isZeroId } from "./uuid.ts";
 * console.assert(isZeroId(new Uint8Array(16)) && !isZeroId(new Uint8Array(16).fill(1)));
 * ```
 */
export function isZeroId(id: Uint8Array): boolean {
  for (const b of id) if (b !== 0) return false;
  return true;
}

/**
 * Whether two UUIDs are the same bytes.
 *
 * @example Usage
 * ```ts
 * import { sameId } from "./uuid.ts";
 * console.assert(sameId(new Uint8Array(16), new Uint8Array(16)));
 * ```
 */
export function sameId(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
