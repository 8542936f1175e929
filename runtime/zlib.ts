/**
 * The codecs of Node, Bun and Deno: gzip and zstd from their `node:zlib`
 * (see `./zlib_codecs.ts`: zstd where `node:zlib` has it, the core's
 * TypeScript zstd where not, as on Node.js 20), snappy and lz4 from the
 * core's TypeScript (`node:zlib` has neither). Shared by the three
 * adapters' platforms.
 *
 * @module
 */

import * as zlib from "node:zlib";
import { lz4, snappy, zstd } from "../src/typescript_codecs.ts";
import type { PlatformCodecs } from "../src/platform.ts";
import { asyncCodecsFor, codecsOf, type ZlibModule } from "./zlib_codecs.ts";
import { CodecThread, threaded } from "./codec_thread.ts";

const g = globalThis as { Deno?: unknown; Bun?: unknown };
const runtime = g.Deno ? "deno" : g.Bun ? "bun" : "node";
const native = codecsOf(zlib as unknown as ZlibModule, asyncCodecsFor(runtime));
/** The thread of the TypeScript codecs, on Node and Bun (see `./codec_thread.ts`; not on Deno). */
const thread = runtime === "deno" ? null : new CodecThread();

/**
 * The codecs this runtime's `node:zlib` provides, with the core's snappy
 * and lz4, and its zstd where `node:zlib` has none.
 *
 * @example Usage
 * ```ts
 * import { zlibCodecs } from "./zlib.ts";
 * const packed = zlibCodecs.gzip!.compress(new Uint8Array(100), 6);
 * console.assert(packed[0] === 0x1f && zlibCodecs.gzip!.decompress(packed).length === 100);
 * console.assert(zlibCodecs.lz4 !== undefined && zlibCodecs.snappy !== undefined && zlibCodecs.zstd !== undefined);
 * ```
 */
export const zlibCodecs: PlatformCodecs = Object.freeze({
  snappy: thread === null ? snappy : threaded(snappy, "snappy", thread),
  lz4: thread === null ? lz4 : threaded(lz4, "lz4", thread),
  gzip: native.gzip,
  zstd: native.zstd ?? (thread === null ? zstd : threaded(zstd, "zstd", thread)),
});
