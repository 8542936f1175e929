/**
 * The native codecs of Node, Bun and Deno, from their `node:zlib` (see
 * `./zlib_codecs.ts`: gzip everywhere, zstd where `node:zlib` has it).
 * Shared by the three adapters' platforms.
 *
 * @module
 */

import * as zlib from "node:zlib";
import type { PlatformCodecs } from "../src/platform.ts";
import { codecsOf, type ZlibModule } from "./zlib_codecs.ts";

/**
 * The codecs this runtime's `node:zlib` provides.
 *
 * @example Usage
 * ```ts
 * import { zlibCodecs } from "./zlib.ts";
 * const packed = zlibCodecs.gzip!.compress(new Uint8Array(100), 6);
 * console.assert(packed[0] === 0x1f && zlibCodecs.gzip!.decompress(packed).length === 100);
 * ```
 */
export const zlibCodecs: PlatformCodecs = codecsOf(zlib as unknown as ZlibModule);
