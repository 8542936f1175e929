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
import { lz4FrameCompress, lz4FrameDecompress } from "./codecs/lz4_frame.ts";
import { xerialCompress, xerialDecompress } from "./codecs/snappy_xerial.ts";
import { zstdCompress } from "./codecs/zstd_compress.ts";
import { zstdDecompress } from "./codecs/zstd_decompress.ts";

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
 * snappy in snappy-java's stream framing (the xerial header and blocks),
 * as Kafka's Java client writes it; it has no level.
 *
 * @example Usage
 * ```ts
 * import { snappy } from "@edgekafka/producer/codecs";
 * const packed = snappy.compress(new Uint8Array(1000), 0);
 * console.assert(packed.length < 100 && snappy.decompress(packed).length === 1000);
 * ```
 */
export const snappy: Codec = Object.freeze({
  compress: (data: Uint8Array) => xerialCompress(data),
  decompress: (data: Uint8Array) => xerialDecompress(data),
});

/**
 * lz4 as Kafka's LZ4 frame (64 KiB independent blocks, the header checksum
 * Kafka checks); `level` 1–17 (`compression.lz4.level`, default 9).
 *
 * @example Usage
 * ```ts
 * import { lz4 } from "@edgekafka/producer/codecs";
 * const packed = lz4.compress(new Uint8Array(1000), 9);
 * console.assert(packed.length < 100 && lz4.decompress(packed).length === 1000);
 * ```
 */
export const lz4: Codec = Object.freeze({
  compress: (data: Uint8Array, level: number) => lz4FrameCompress(data, level),
  decompress: (data: Uint8Array) => lz4FrameDecompress(data),
});

/**
 * zstd in standard frames (RFC 8878), the core's own TypeScript: for
 * runtimes without a native zstd (Node.js 20 and 22 before 22.15, Workers,
 * browsers); `level` as `compression.zstd.level` (default 3). It compresses
 * less than the zstd library at the same level (README, "Compression").
 *
 * @example Usage
 * ```ts
 * import { zstd } from "@edgekafka/producer/codecs";
 * const packed = zstd.compress(new Uint8Array(1000), 3);
 * console.assert(packed[0] === 0x28 && zstd.decompress(packed).length === 1000);
 * ```
 */
export const zstd: Codec = Object.freeze({
  compress: (data: Uint8Array, level: number) => zstdCompress(data, level),
  decompress: (data: Uint8Array) => zstdDecompress(data),
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
