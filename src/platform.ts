/**
 * The platform seam: everything the runtime-free core needs from the runtime
 * it runs on, in one object set once per producer. Today that is how to open
 * a socket ({@linkcode Connect}) and the runtime's native codecs; each
 * runtime's default lives in `runtime/` (`runtime/node.ts`, `bun.ts`,
 * `deno.ts` export a `platform`), and `mod.ts` registers the current
 * runtime's as the default, so `src/` never imports runtime code.
 *
 * @module
 */

import { ConfigError } from "./errors.ts";
import type { WasmCrc32cLoader } from "./protocol/crc32c.ts";
import type { Connect } from "./socket.ts";

/**
 * A record codec the runtime provides natively. Kafka compresses the records
 * section of a batch; `compress` gets those bytes and returns the codec's
 * standard stream (for gzip: RFC 1952 with MTIME 0).
 *
 * @example A codec that stores (tests only)
 * ```ts
 * import type { Codec } from "@edgekafka/producer";
 * const identity: Codec = { compress: (data) => data.slice(), decompress: (data) => data.slice() };
 * console.assert(identity.compress(new Uint8Array([1]), 6).length === 1);
 * ```
 */
export interface Codec {
  /** Compresses `data` at `level` (the codec's own scale, already resolved from the config). */
  compress(data: Uint8Array, level: number): Uint8Array;
  /** Decompresses what `compress` (or any writer of the format) produced. */
  decompress(data: Uint8Array): Uint8Array;
  /**
   * `compress`, into a buffer the codec keeps and reuses: the result is
   * valid only until the codec's next call. The producer copies it at once
   * into the batch's own memory, so a batch costs no fresh output buffer
   * (whose first writes fault its pages in: measured, a third of the system
   * time of a compressed run). Optional: without it, `compress` is used.
   */
  compressTransient?(data: Uint8Array, level: number): Uint8Array;
  /**
   * Compresses off the event loop (a thread pool, as `node:zlib`'s
   * asynchronous functions), to the same format as `compress`. Where a codec
   * has it, the producer compresses each batch with it as soon as the batch
   * is full or ready, while records go on being appended; without it,
   * batches are compressed synchronously when sent.
   */
  compressAsync?(data: Uint8Array, level: number): Promise<Uint8Array>;
  /**
   * The smallest batch (records section, bytes) worth `compressAsync`:
   * smaller ones compress synchronously, where the hand-off to the other
   * thread costs more than compressing on the loop (0 or absent: every
   * batch goes off the loop).
   */
  readonly compressAsyncMinBytes?: number;
}

/**
 * Codecs by Kafka `compression.type`: a platform's own (native ones, or the
 * core's TypeScript snappy and lz4 in the Bun, Deno and Node adapters), or
 * the `codecs` option's (`@edgekafka/producer/codecs` where the platform
 * has none, as on Cloudflare Workers). A codec that neither has is a
 * `ConfigError` naming the import to add.
 *
 * @example No codec of its own
 * ```ts
 * import type { PlatformCodecs } from "@edgekafka/producer";
 * const codecs: PlatformCodecs = {}; // compression needs the codecs option
 * console.assert(codecs.gzip === undefined);
 * ```
 */
export interface PlatformCodecs {
  /** gzip (RFC 1952, MTIME 0), e.g. `node:zlib`'s or fflate's. */
  readonly gzip?: Codec;
  /** snappy in snappy-java's stream framing. */
  readonly snappy?: Codec;
  /** lz4 as Kafka's LZ4 frame (64 KiB independent blocks). */
  readonly lz4?: Codec;
  /** zstd (standard frames): the core has none, so without one `compression.type=zstd` is a `ConfigError`. */
  readonly zstd?: Codec;
  /** Why a codec the runtime could have is missing, for that `ConfigError` (e.g. the Node.js version). */
  readonly missing?: { readonly gzip?: string; readonly snappy?: string; readonly lz4?: string; readonly zstd?: string };
}

/**
 * What differs per runtime.
 *
 * @example A platform for tests: a custom socket, no codecs
 * ```ts
 * import type { Platform } from "@edgekafka/producer";
 * const platform: Platform = {
 *   name: "memory",
 *   connect: async (_options, handlers) => ({ write: async () => {}, close: () => handlers.onClose() }),
 * };
 * console.assert(platform.codecs === undefined);
 * ```
 */
export interface Platform {
  /** The runtime's name, for logs (`"node"`, `"bun"`, `"deno"`, …). */
  readonly name: string;
  /** Opens a socket to a broker. */
  readonly connect: Connect;
  /** Its codecs; read at each use, so a platform may fill them in once it has loaded them. */
  readonly codecs?: PlatformCodecs;
  /**
   * One turn of the event loop in which socket I/O runs (`sendAll` and
   * `writable()` yield with it while they send); default a 0 ms timer.
   */
  readonly yieldToEventLoop?: () => Promise<void>;
  /**
   * The runtime's cap on simultaneous outgoing connections (Cloudflare
   * Workers: 6 per request); `max.connections` defaults to it. Absent: none.
   */
  readonly maxConnections?: number;
  /**
   * Loads a WebAssembly CRC-32C for record batches (the Bun, Deno and Node
   * adapters: `hash-wasm`'s). Absent (Cloudflare Workers, which forbid
   * compiling WebAssembly from bytes; browsers), or when it rejects: the
   * core's TypeScript CRC-32C. It lives with the adapters so that a bundle
   * of the core carries no WebAssembly.
   */
  readonly wasmCrc32c?: WasmCrc32cLoader;
}

/** The platform producers use when none is given; set once by `mod.ts`. */
let defaultPlatform: Platform | null = null;

/**
 * Sets the platform producers use when they are given none (`mod.ts` does
 * this with the current runtime's).
 *
 * @example Registering Node's platform
 * ```ts
 * import { setDefaultPlatform } from "@edgekafka/producer";
 * import { platform } from "@edgekafka/producer/node";
 * setDefaultPlatform(platform);
 * ```
 */
export function setDefaultPlatform(platform: Platform): void {
  defaultPlatform = platform;
}

/**
 * The platform a producer uses: the given one, else the registered default;
 * a given `connect` replaces the platform's socket adapter.
 *
 * @example Usage
 * ```ts
 * import { resolvePlatform } from "./platform.ts";
 * const connect = async () => ({ write: async () => {}, close: () => {} });
 * console.assert(resolvePlatform(null, connect).connect === connect);
 * ```
 */
export function resolvePlatform(given: Platform | null, connect: Connect | null): Platform {
  const platform = given ?? defaultPlatform;
  if (platform === null) {
    if (connect !== null) return { name: "custom", connect };
    throw new ConfigError(
      "platform",
      'No platform for this runtime: pass the "platform" option, e.g. `import { platform } from "@edgekafka/producer/node"`',
    );
  }
  if (connect === null) return platform;
  // Codecs are read through, not copied: a platform may fill them in later.
  return {
    name: platform.name,
    connect,
    yieldToEventLoop: platform.yieldToEventLoop,
    get codecs() {
      return platform.codecs;
    },
    get maxConnections() {
      return platform.maxConnections;
    },
    get wasmCrc32c() {
      return platform.wasmCrc32c;
    },
  };
}

/**
 * The producer's cap on connections open at once: `max.connections` if set,
 * else the platform's (`maxConnections`), else none (`Infinity`). A
 * `ConfigError` when `max.connections` is above the platform's cap, which
 * the runtime would enforce anyway (Workers queue a seventh connection
 * until one of the six closes: a producer waiting on it would stall).
 *
 * @example Usage
 * ```ts
 * import { connectionCap } from "./platform.ts";
 * const workers = { name: "cloudflare", connect: async () => ({ write: async () => {}, close: () => {} }), maxConnections: 6 };
 * console.assert(connectionCap(null, workers) === 6 && connectionCap(3, workers) === 3);
 * console.assert(connectionCap(null, { ...workers, maxConnections: undefined }) === Infinity);
 * ```
 */
export function connectionCap(configured: number | null, platform: Platform): number {
  const cap = platform.maxConnections;
  if (configured === null) return cap ?? Infinity;
  if (cap !== undefined && configured > cap) {
    throw new ConfigError(
      "max.connections",
      `Invalid value "${configured}" for "max.connections": this runtime allows at most "${cap}" connections at once (Cloudflare Workers: per request)`,
    );
  }
  return configured;
}
