/**
 * Record compression. `gzip` uses the platform's native codec when it has one
 * (Node, Bun and Deno all have `node:zlib`: 1.4–1.8× faster than JavaScript,
 * and a better ratio), else `fflate`; both write standard gzip. The other
 * codecs Kafka knows (snappy, lz4, zstd) are refused by the configuration for
 * now.
 *
 * @module
 */

import { gunzipSync, gzipSync } from "fflate";
import type { Platform } from "../platform.ts";
import type { Compressor } from "./batch.ts";

/** Codec ids of the batch attributes. */
export const CODEC_GZIP = 1;

/**
 * The compressor for `compression.type`, or `null` for `"none"`.
 *
 * @param platform Where a native codec may come from; read at each batch, so
 *   a platform that loads its codecs lazily is used as soon as it has them.
 *
 * @example Usage
 * ```ts
 * import { compressorFor } from "./compression.ts";
 * const gzip = compressorFor("gzip", -1)!;
 * console.assert(gzip.codec === 1 && gzip.compress(new Uint8Array(1000)).length < 100);
 * ```
 */
export function compressorFor(type: "none" | "gzip", level: number, platform?: Platform): Compressor | null {
  if (type === "none") return null;
  // Kafka's default gzip level is the zlib default, 6; fflate's is the same.
  // mtime 0, as Java writes: the same records compress to the same bytes.
  const lvl = (level < 0 ? 6 : level) as 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  const opts = { level: lvl, mtime: 0 };
  return {
    codec: CODEC_GZIP,
    compress: (records) => {
      const native = platform?.codecs?.gzip;
      return native !== undefined ? native.compress(records, lvl) : gzipSync(records, opts);
    },
  };
}

/**
 * Decompresses a records section (for splitting and tests).
 *
 * @example Usage
 * ```ts
 * import { compressorFor, decompress } from "./compression.ts";
 * const packed = compressorFor("gzip", -1)!.compress(new Uint8Array([1, 2, 3]));
 * console.assert(decompress(1, packed).length === 3);
 * ```
 */
export function decompress(codec: number, data: Uint8Array): Uint8Array {
  if (codec === CODEC_GZIP) return gunzipSync(data);
  throw new RangeError(`Compression codec ${codec} is not supported`);
}
