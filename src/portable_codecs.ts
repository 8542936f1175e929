/**
 * The core's portable codecs — gzip (`fflate`), snappy, lz4 and zstd (the
 * core's own TypeScript, `./codecs/snappy_xerial.ts`, `./codecs/lz4_frame.ts`,
 * `./codecs/zstd_compress.ts`) — for platforms with no native codec of
 * their own. They are not part of the core bundle: the Bun, Deno and Node
 * adapters include snappy and lz4 (and zstd where `node:zlib` has none; gzip
 * comes from `node:zlib`); on Cloudflare Workers and in the browser a
 * producer gets them from `@edgekafka/producer/codecs` (`codecs` option), so
 * a bundle that compresses nothing carries none of them.
 *
 * @module
 */

import { gunzipSync, gzipSync } from "npm:fflate@^0.8.3";
import type { Codec, PlatformCodecs } from "./platform.ts";
import { lz4, snappy, zstd } from "./typescript_codecs.ts";

export { lz4, snappy, zstd };

/**
 * gzip by `fflate` (RFC 1952, MTIME 0 as Java writes it, so the same
 * records compress to the same bytes); `level` 1–9 (`compression.gzip.level`,
 * -1 resolved to 6 by the producer).
 *
 * @example Usage
 * ```ts
 * import { gzip } from "@edgekafka/producer/codecs";
 * const packed = gzip.compress(new Uint8Array(1000), 6);
 * console.assert(packed[0] === 0x1f && gzip.decompress(packed).length === 1000);
 * ```
 */
export const gzip: Codec = Object.freeze({
  compress: (data: Uint8Array, level: number) => gzipSync(data, { level: (level < 0 ? 6 : level) as 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9, mtime: 0 }),
  decompress: (data: Uint8Array) => gunzipSync(data),
});

/**
 * All four, as the `codecs` option takes them.
 *
 * @example Every portable codec on Cloudflare Workers
 * ```ts
 * import { Producer } from "@edgekafka/producer";
 * import { portableCodecs } from "@edgekafka/producer/codecs";
 * const producer = new Producer({ bootstrapServers: "broker:9092", compressionType: "lz4", codecs: portableCodecs });
 * await producer.close();
 * ```
 */
export const portableCodecs: PlatformCodecs = Object.freeze({ gzip, snappy, lz4, zstd });
