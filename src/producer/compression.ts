/**
 * Record compression: the codec for `compression.type`, and where it comes
 * from. Each codec writes the stream Kafka's Java client writes, so every
 * Kafka reader reads it.
 *
 * | codec  | id | implementation |
 * | ------ | -- | -------------- |
 * | gzip   | 1  | the platform's native codec (`node:zlib` on Node, Bun and Deno), else `fflate` |
 * | snappy | 2  | the platform's, else the core's pure TypeScript (`src/codecs/snappy_*.ts`) |
 * | lz4    | 3  | the platform's, else the core's pure TypeScript (`src/codecs/lz4_*.ts`) |
 * | zstd   | 4  | the platform's native codec only; a platform without one is a `ConfigError` |
 *
 * @module
 */

import { gunzipSync, gzipSync } from "npm:fflate@^0.8.3";
import { lz4FrameCompress, lz4FrameDecompress } from "../codecs/lz4_frame.ts";
import { xerialCompress, xerialDecompress } from "../codecs/snappy_xerial.ts";
import { ConfigError } from "../errors.ts";
import type { Codec, Platform } from "../platform.ts";
import type { Compressor } from "./batch.ts";

/** A `compression.type` value. */
export type CompressionType = "none" | "gzip" | "snappy" | "lz4" | "zstd";

/** Codec ids of the batch attributes. */
export const CODEC_GZIP = 1;
/** snappy's codec id. */
export const CODEC_SNAPPY = 2;
/** lz4's codec id. */
export const CODEC_LZ4 = 3;
/** zstd's codec id. */
export const CODEC_ZSTD = 4;

const IDS = { gzip: CODEC_GZIP, snappy: CODEC_SNAPPY, lz4: CODEC_LZ4, zstd: CODEC_ZSTD } as const;

/** Kafka's default zstd level (zstd's own default). */
export const ZSTD_DEFAULT_LEVEL = 3;

/** The core's portable codecs (gzip's level is resolved by `compressorFor`). */
const PORTABLE: { readonly [type in "gzip" | "snappy" | "lz4"]: Codec } = {
  gzip: {
    // mtime 0, as Java writes: the same records compress to the same bytes.
    compress: (data, level) => gzipSync(data, { level: level as 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9, mtime: 0 }),
    decompress: (data) => gunzipSync(data),
  },
  snappy: { compress: (data) => xerialCompress(data), decompress: xerialDecompress },
  lz4: { compress: lz4FrameCompress, decompress: lz4FrameDecompress },
};

/** The configuration keys that choose the codec and its level. */
export interface CompressionConfig {
  readonly compressionType: CompressionType;
  readonly compressionGzipLevel: number;
  readonly compressionLz4Level: number;
  readonly compressionZstdLevel: number;
}

/**
 * The level `compressorFor` gets for the configured codec (its level key;
 * gzip's -1 stays -1: "the codec's default").
 *
 * @example Usage
 * ```ts
 * import { compressionLevel } from "./compression.ts";
 * const config = { compressionType: "lz4", compressionGzipLevel: -1, compressionLz4Level: 12, compressionZstdLevel: 3 } as const;
 * console.assert(compressionLevel(config) === 12);
 * ```
 */
export function compressionLevel(config: CompressionConfig): number {
  switch (config.compressionType) {
    case "gzip":
      return config.compressionGzipLevel;
    case "lz4":
      return config.compressionLz4Level;
    case "zstd":
      return config.compressionZstdLevel;
    default:
      return 0;
  }
}

/**
 * The compressor for `compression.type`, or `null` for `"none"`.
 *
 * @param level The codec's level (gzip: -1 or 1–9; lz4: 1–17; zstd: its
 *   range; snappy has none).
 * @param platform Where a native codec may come from; read at each batch, so
 *   a platform that loads its codecs lazily is used as soon as it has them.
 * @throws ConfigError for zstd when the platform has no zstd codec.
 *
 * @example Usage
 * ```ts
 * import { compressorFor } from "./compression.ts";
 * const gzip = compressorFor("gzip", -1)!;
 * console.assert(gzip.codec === 1 && gzip.compress(new Uint8Array(1000)).length < 100);
 * const lz4 = compressorFor("lz4", 9)!;
 * console.assert(lz4.codec === 3 && lz4.compress(new Uint8Array(1000)).length < 100);
 * ```
 */
export function compressorFor(type: CompressionType, level: number, platform?: Platform): Compressor | null {
  if (type === "none") return null;
  if (type === "zstd") {
    const codecs = platform?.codecs;
    if (codecs?.zstd === undefined) {
      const why = codecs?.missing?.zstd ?? `the platform "${platform?.name ?? "none"}" has no zstd codec`;
      throw new ConfigError(
        "compression.type",
        `Compression codec "zstd" is not available: ${why}; use "lz4", "snappy" or "gzip"`,
      );
    }
  }
  // Kafka's default gzip level is the zlib default, 6; fflate's is the same.
  const resolved = type === "gzip" && level < 0 ? 6 : level;
  const portable = type === "zstd" ? null : PORTABLE[type];
  return {
    codec: IDS[type],
    compress: (records) => (platform?.codecs?.[type] ?? portable!).compress(records, resolved),
  };
}

/**
 * Decompresses a records section (for splitting and tests); zstd needs the
 * platform's codec.
 *
 * @example Usage
 * ```ts
 * import { compressorFor, decompress } from "./compression.ts";
 * const packed = compressorFor("gzip", -1)!.compress(new Uint8Array([1, 2, 3]));
 * console.assert(decompress(1, packed).length === 3);
 * ```
 */
export function decompress(codec: number, data: Uint8Array, platform?: Platform): Uint8Array {
  if (codec === CODEC_GZIP) return gunzipSync(data);
  if (codec === CODEC_SNAPPY) return xerialDecompress(data);
  if (codec === CODEC_LZ4) return lz4FrameDecompress(data);
  const zstd = codec === CODEC_ZSTD ? platform?.codecs?.zstd : undefined;
  if (zstd !== undefined) return zstd.decompress(data);
  throw new RangeError(`Compression codec ${codec} is not supported`);
}
