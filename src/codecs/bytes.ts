/**
 * Byte helpers the codecs share.
 *
 * @module
 */

/**
 * Copies `src[from, to)` into `dst` at `out`. Short runs are copied by hand:
 * a `subarray` per literal run costs more than the copy itself.
 *
 * @example Usage
 * ```ts
 * import { copyBytes } from "./bytes.ts";
 * const dst = new Uint8Array(4);
 * copyBytes(new Uint8Array([1, 2, 3]), 1, 3, dst, 2);
 * console.assert(dst[2] === 2 && dst[3] === 3);
 * ```
 */
export function copyBytes(src: Uint8Array, from: number, to: number, dst: Uint8Array, out: number): void {
  if (to - from < 32) {
    while (from < to) dst[out++] = src[from++]!;
  } else {
    dst.set(src.subarray(from, to), out);
  }
}
