/**
 * The native gzip of Node, Bun and Deno: all three have `node:zlib`, which
 * is 1.4–1.8× faster than the core's JavaScript codec and compresses
 * better. Shared by the three adapters' platforms.
 *
 * @module
 */

import { gunzipSync, gzipSync } from "node:zlib";
import type { PlatformCodecs } from "../src/platform.ts";

/** A view of a Node `Buffer` as a plain `Uint8Array` (no copy). */
function bytes(out: Uint8Array): Uint8Array {
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * The codecs `node:zlib` provides.
 *
 * @example Usage
 * ```ts
 * import { zlibCodecs } from "./zlib.ts";
 * const packed = zlibCodecs.gzip!.compress(new Uint8Array(100), 6);
 * console.assert(packed[0] === 0x1f && zlibCodecs.gzip!.decompress(packed).length === 100);
 * ```
 */
export const zlibCodecs: PlatformCodecs = Object.freeze({
  gzip: Object.freeze({
    compress: (data: Uint8Array, level: number) => bytes(gzipSync(data, { level })),
    decompress: (data: Uint8Array) => bytes(gunzipSync(data)),
  }),
});
