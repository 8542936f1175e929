/**
 * The runtime's native gzip, from `node:zlib` (Node, Bun and Deno all have
 * it). Loaded with a dynamic import, so runtimes without it (Workers without
 * Node compatibility) simply keep the JavaScript codec.
 *
 * @module
 */

import type { GzipFunction } from "../src/producer/compression.ts";

/**
 * Loads `node:zlib`'s `gzipSync`; resolves `null` where there is none.
 *
 * @example Usage
 * ```ts
 * import { loadNativeGzip } from "./gzip.ts";
 * const gzip = await loadNativeGzip();
 * if (gzip) console.assert(gzip(new Uint8Array(100), 6)[0] === 0x1f);
 * ```
 */
export async function loadNativeGzip(): Promise<GzipFunction | null> {
  try {
    const zlib = await import("node:zlib");
    return (data, level) => {
      const out = zlib.gzipSync(data, { level });
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    };
  } catch {
    return null;
  }
}
