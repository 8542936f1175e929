/**
 * The native codecs a `node:zlib` module provides: gzip on Node, Bun and
 * Deno (1.4–1.8× faster than the core's JavaScript gzip, and a better
 * ratio), and zstd where `node:zlib` has it (Bun 1.4, Deno 2.9 and Node.js
 * 22.15 and later; not Node.js 20). snappy and lz4 stay the core's pure
 * TypeScript codecs: `node:zlib` has neither.
 *
 * Takes the module as an argument, so `./auto.ts` can build the same codecs
 * before it loads the runtime's adapter, without a static `node:` import.
 *
 * @module
 */

import type { Codec, PlatformCodecs } from "../src/platform.ts";

/** The part of `node:zlib` used here (zstd is missing from older Node.js and its types). */
export interface ZlibModule {
  gzipSync(data: Uint8Array, options: { level: number }): Uint8Array;
  /** gzip on the thread pool. */
  gzip?(data: Uint8Array, options: { level: number }, callback: (error: Error | null, out: Uint8Array) => void): void;
  /** zstd on the thread pool. */
  zstdCompress?(data: Uint8Array, options: { params: Record<number, number> }, callback: (error: Error | null, out: Uint8Array) => void): void;
  gunzipSync(data: Uint8Array): Uint8Array;
  zstdCompressSync?(data: Uint8Array, options: { params: Record<number, number> }): Uint8Array;
  zstdDecompressSync?(data: Uint8Array): Uint8Array;
  constants: { ZSTD_c_compressionLevel?: number };
}

/** `fn(data, options, callback)` as a promise of the bytes. */
function promised<O>(
  fn: (data: Uint8Array, options: O, callback: (error: Error | null, out: Uint8Array) => void) => void,
  zlib: ZlibModule,
  data: Uint8Array,
  options: O,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => fn.call(zlib, data, options, (error, out) => (error ? reject(error) : resolve(bytes(out)))));
}

/** A view of a Node `Buffer` as a plain `Uint8Array` (no copy). */
function bytes(out: Uint8Array): Uint8Array {
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The runtime, for the reason zstd is missing. */
function runtimeName(): string {
  const g = globalThis as { process?: { versions?: { node?: string } } };
  const node = g.process?.versions?.node;
  return node === undefined ? "this runtime" : `Node.js ${node}`;
}

/**
 * Which codecs compress on the thread pool (`Codec.compressAsync`), by
 * runtime, as measured (16 × 1 MiB, 2 cores; `node:zlib`'s asynchronous
 * functions against the synchronous ones): gzip on Node (1.7× the
 * throughput, the loop free) and Bun (1.55×). Not on Deno, whose
 * asynchronous gzip was slower than the synchronous one (0.79×) and still
 * held the loop for up to 10 ms; nor zstd anywhere (Bun's and Deno's
 * asynchronous zstd took twice the time of a synchronous one that
 * compresses 1 MiB of records in about 1.4 ms).
 *
 * @example Usage
 * ```ts
 * import { asyncCodecsFor } from "./zlib_codecs.ts";
 * console.assert(asyncCodecsFor("node").includes("gzip") && asyncCodecsFor("deno").length === 0);
 * ```
 */
export function asyncCodecsFor(runtime: string): readonly ("gzip" | "zstd")[] {
  return runtime === "node" || runtime === "bun" ? ["gzip"] : [];
}

/**
 * The codecs `zlib` provides; those in `async` also compress on the
 * thread pool (see {@linkcode asyncCodecsFor}).
 *
 * @example Usage
 * ```ts
 * import * as zlib from "node:zlib";
 * import { codecsOf, type ZlibModule } from "./zlib_codecs.ts";
 * const codecs = codecsOf(zlib as unknown as ZlibModule);
 * const packed = codecs.gzip!.compress(new Uint8Array(100), 6);
 * console.assert(packed[0] === 0x1f && codecs.gzip!.decompress(packed).length === 100);
 * ```
 */
export function codecsOf(zlib: ZlibModule, async: readonly ("gzip" | "zstd")[] = []): PlatformCodecs {
  const gzipAsync = async.includes("gzip") ? zlib.gzip : undefined;
  const gzip: Codec = Object.freeze({
    compress: (data: Uint8Array, level: number) => bytes(zlib.gzipSync(data, { level })),
    decompress: (data: Uint8Array) => bytes(zlib.gunzipSync(data)),
    ...(gzipAsync === undefined ? {} : { compressAsync: (data: Uint8Array, level: number) => promised(gzipAsync, zlib, data, { level }) }),
  });
  const compress = zlib.zstdCompressSync;
  const decompress = zlib.zstdDecompressSync;
  const levelParam = zlib.constants.ZSTD_c_compressionLevel;
  if (compress === undefined || decompress === undefined || levelParam === undefined) {
    return Object.freeze({
      gzip,
      missing: Object.freeze({ zstd: `${runtimeName()}'s node:zlib has no zstd (Node.js 22.15 and later, Bun and Deno have it)` }),
    });
  }
  const zstdAsync = async.includes("zstd") ? zlib.zstdCompress : undefined;
  const zstd: Codec = Object.freeze({
    compress: (data: Uint8Array, level: number) => bytes(compress.call(zlib, data, { params: { [levelParam]: level } })),
    decompress: (data: Uint8Array) => bytes(decompress.call(zlib, data)),
    ...(zstdAsync === undefined
      ? {}
      : { compressAsync: (data: Uint8Array, level: number) => promised(zstdAsync, zlib, data, { params: { [levelParam]: level } }) }),
  });
  return Object.freeze({ gzip, zstd });
}
