/**
 * The core's own TypeScript codecs as {@linkcode Codec}s: snappy
 * (`./codecs/snappy_xerial.ts`), lz4 (`./codecs/lz4_frame.ts`) and zstd
 * (`./codecs/zstd_compress.ts`, `./codecs/zstd_decompress.ts`), with no dependency. Apart
 * from `./portable_codecs.ts` (which adds gzip from `fflate`) so that the
 * Bun, Deno and Node adapters, whose gzip is `node:zlib`'s, do not load
 * `fflate` (about 8 ms of Node's start-up).
 *
 * @module
 */

import type { Codec } from "./platform.ts";
import { lz4FrameBound, lz4FrameCompress, lz4FrameDecompress } from "./codecs/lz4_frame.ts";
import { xerialBound, xerialCompress, xerialDecompress } from "./codecs/snappy_xerial.ts";
import { zstdCompress } from "./codecs/zstd_compress.ts";
import { zstdDecompress } from "./codecs/zstd_decompress.ts";

/**
 * The output buffer a codec's `compressTransient` reuses: grown to the
 * largest bound asked for, up to {@linkcode SCRATCH_KEEP_BYTES} (a larger
 * one is made for that call and not kept).
 */
class Scratch {
  #buffer = new Uint8Array(0);

  for(bound: number): Uint8Array {
    if (bound <= this.#buffer.length) return this.#buffer;
    const buffer = new Uint8Array(bound);
    if (bound <= SCRATCH_KEEP_BYTES) this.#buffer = buffer;
    return buffer;
  }
}

/** The largest output buffer a codec keeps between batches (a 1 MiB batch's bound fits). */
const SCRATCH_KEEP_BYTES = 2 * 1024 * 1024;

const snappyScratch = new Scratch();
const lz4Scratch = new Scratch();

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
  compressTransient: (data: Uint8Array) => xerialCompress(data, snappyScratch.for(xerialBound(data.length))),
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
  compressTransient: (data: Uint8Array, level: number) => lz4FrameCompress(data, level, lz4Scratch.for(lz4FrameBound(data.length))),
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
