/**
 * Record compression: the codec for `compression.type`, and where it comes
 * from. Each codec writes the stream Kafka's Java client writes, so every
 * Kafka reader reads it.
 *
 * A codec comes from the `codecs` option first, then from the platform:
 *
 * | codec  | id | Bun, Deno, Node | Cloudflare Workers, browsers |
 * | ------ | -- | --------------- | ---------------------------- |
 * | gzip   | 1  | `node:zlib` | `gzip` from `@edgekafka/producer/codecs` (fflate) |
 * | snappy | 2  | the core's TypeScript (`src/codecs/snappy_*.ts`) | `snappy` from `@edgekafka/producer/codecs` |
 * | lz4    | 3  | the core's TypeScript (`src/codecs/lz4_*.ts`) | `lz4` from `@edgekafka/producer/codecs` |
 * | zstd   | 4  | `node:zlib` where it has zstd, else the core's TypeScript (`src/codecs/zstd_*.ts`; Node 20) | `zstd` from `@edgekafka/producer/codecs` |
 *
 * The core itself holds no codec: a bundle that compresses nothing carries
 * none. A codec neither gives is a `ConfigError` at construction that names
 * the import to add.
 *
 * @module
 */

import { ConfigError } from "../errors.ts";
import { UnsupportedVersionError } from "../protocol/api_error_classes.ts";
import type { Codec, Platform, PlatformCodecs } from "../platform.ts";
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
const NAMES: Readonly<Record<number, Exclude<CompressionType, "none">>> = { 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd" };

/** Kafka's default zstd level (zstd's own default). */
export const ZSTD_DEFAULT_LEVEL = 3;

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

/** The codec `type` from the `codecs` option, else the platform's (read at each use: a platform may load its codecs lazily). */
function codecOf(type: Exclude<CompressionType, "none">, platform: Platform | undefined, codecs: PlatformCodecs | null | undefined): Codec | undefined {
  return codecs?.[type] ?? platform?.codecs?.[type];
}

/**
 * The compressor for `compression.type`, or `null` for `"none"`.
 *
 * @param level The codec's level (gzip: -1 or 1–9; lz4: 1–17; zstd: its
 *   range; snappy has none).
 * @param platform Where a native codec may come from; read at each batch, so
 *   a platform that loads its codecs lazily is used as soon as it has them.
 * @param codecs The `codecs` option: codecs that take precedence over the
 *   platform's (`@edgekafka/producer/codecs` on platforms without their own).
 * @throws ConfigError when neither has the codec, naming the import to add.
 *
 * @example Usage
 * ```ts
 * import { compressorFor } from "./compression.ts";
 * import { portableCodecs } from "@edgekafka/producer/codecs";
 * const gzip = compressorFor("gzip", -1, undefined, portableCodecs)!;
 * console.assert(gzip.codec === 1 && gzip.compress(new Uint8Array(1000)).length < 100);
 * const lz4 = compressorFor("lz4", 9, undefined, portableCodecs)!;
 * console.assert(lz4.codec === 3 && lz4.compress(new Uint8Array(1000)).length < 100);
 * ```
 */
export function compressorFor(type: CompressionType, level: number, platform?: Platform, codecs?: PlatformCodecs | null): Compressor | null {
  if (type === "none") return null;
  if (codecOf(type, platform, codecs) === undefined) throw missingCodec(type, platform);
  // Kafka's default gzip level is the zlib default, 6.
  const resolved = type === "gzip" && level < 0 ? 6 : level;
  /** Asynchronous compressions of this compressor under way. */
  let running = 0;
  const codecNow = (): Codec => {
    const codec = codecOf(type, platform, codecs);
    if (codec === undefined) throw missingCodec(type, platform);
    return codec;
  };
  return {
    codec: IDS[type],
    compress: (records) => codecNow().compress(records, resolved),
    compressTransient: (records) => {
      const codec = codecNow();
      return codec.compressTransient?.(records, resolved) ?? codec.compress(records, resolved);
    },
    decompress: (packed) => decompress(IDS[type], packed, platform, codecs),
    compressAsync: (records) => {
      // At most one batch per core compresses off the loop; beyond that the batch is compressed at seal,
      // on the loop, which slows appends down as synchronous compression does (otherwise sends would run
      // ahead and fill buffer.memory with batches waiting for the thread pool, and latency with it).
      if (running >= ASYNC_LIMIT) return null;
      const codec = codecOf(type, platform, codecs);
      if (records.length < (codec?.compressAsyncMinBytes ?? 0)) return null;
      const started = codec?.compressAsync?.(records, resolved);
      if (started === undefined) return null;
      running++;
      return started.finally(() => running--);
    },
  };
}

/** How many batches of a producer may compress off the event loop at once: one per core (2 where unknown), at most 4. */
const ASYNC_LIMIT = Math.max(1, Math.min(4, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2));

/** The `ConfigError` for a codec nobody provides: why the platform lacks it, and what to add. */
function missingCodec(type: Exclude<CompressionType, "none">, platform: Platform | undefined): ConfigError {
  const name = platform?.name ?? "none";
  const why = platform?.codecs?.missing?.[type] ?? `the platform "${name}" has no ${type} codec`;
  const fix = `add it with import { ${type} } from "@edgekafka/producer/codecs" and the option codecs: { ${type} }`;
  return new ConfigError("compression.type", `Compression codec "${type}" is not available: ${why}; ${fix}`);
}

/**
 * Decompresses a records section (for splitting and tests) with the codec
 * from `codecs`, else the platform's.
 *
 * @example Usage
 * ```ts
 * import { compressorFor, decompress } from "./compression.ts";
 * import { portableCodecs } from "@edgekafka/producer/codecs";
 * const packed = compressorFor("gzip", -1, undefined, portableCodecs)!.compress(new Uint8Array([1, 2, 3]));
 * console.assert(decompress(1, packed, undefined, portableCodecs).length === 3);
 * ```
 */
export function decompress(codec: number, data: Uint8Array, platform?: Platform, codecs?: PlatformCodecs | null): Uint8Array {
  const type = NAMES[codec];
  const found = type === undefined ? undefined : codecOf(type, platform, codecs);
  if (found === undefined) throw new RangeError(`Compression codec ${codec} is not supported${type === undefined ? "" : ` here: no ${type} codec`}`);
  return found.decompress(data);
}

/** The first Produce version that may carry zstd batches (KIP-110: Kafka 2.1). */
export const ZSTD_MIN_PRODUCE_VERSION = 7;

/**
 * The Produce `version` a request to `node` goes with, unless its batches
 * are zstd and the broker is older than Kafka 2.1 (Produce below v7), which
 * refuses them: then a non-retriable `UnsupportedVersionError` that says
 * so, failing those batches instead of sending them to be refused.
 *
 * @example Usage
 * ```ts
 * import { CODEC_ZSTD, produceVersionFor } from "./compression.ts";
 * console.assert(produceVersionFor({ codec: CODEC_ZSTD }, 9, 1) === 9);
 * let refused = false;
 * try { produceVersionFor({ codec: CODEC_ZSTD }, 6, 1); } catch { refused = true; }
 * console.assert(refused);
 * ```
 */
export function produceVersionFor(compressor: { readonly codec: number } | null, version: number, node: number): number {
  if (compressor?.codec === CODEC_ZSTD && version < ZSTD_MIN_PRODUCE_VERSION) {
    throw new UnsupportedVersionError(
      `Broker ${node} speaks Produce up to v${version}; compression.type "zstd" needs Produce v${ZSTD_MIN_PRODUCE_VERSION} or later (Kafka 2.1+): use "lz4", "snappy" or "gzip" with this broker`,
    );
  }
  return version;
}
