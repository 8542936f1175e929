/**
 * The codecs of Node, Bun and Deno: gzip and zstd from their `node:zlib`
 * (see `./zlib_codecs.ts`: zstd where `node:zlib` has it), snappy and lz4
 * from the core's TypeScript (`node:zlib` has neither). Shared by the three
 * adapters' platforms.
 *
 * @module
 */

import * as zlib from "node:zlib";
import { lz4, snappy } from "../src/portable_codecs.ts";
import type { PlatformCodecs } from "../src/platform.ts";
import { codecsOf, type ZlibModule } from "./zlib_codecs.ts";

/**
 * The codecs this runtime's `node:zlib` provides, with the core's snappy and lz4.
 *
 * @example Usage
 * ```ts
 * import { zlibCodecs } from "./zlib.ts";
 * const packed = zlibCodecs.gzip!.compress(new Uint8Array(100), 6);
 * console.assert(packed[0] === 0x1f && zlibCodecs.gzip!.decompress(packed).length === 100);
 * console.assert(zlibCodecs.lz4 !== undefined && zlibCodecs.snappy !== undefined);
 * ```
 */
export const zlibCodecs: PlatformCodecs = Object.freeze({ snappy, lz4, ...codecsOf(zlib as unknown as ZlibModule) });
