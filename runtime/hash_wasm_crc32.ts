/**
 * hash-wasm's CRC-32 family on its own: its `dist/crc32.umd.min.js` file
 * carries only that WebAssembly module (7 KB), where the package's main entry
 * carries every algorithm it has (216 KB). The file is a UMD script, which
 * Node, Bun and Deno load as CommonJS: its functions are properties of the
 * default export, taken apart here so `wasm_crc32c.ts` imports a name.
 *
 * @module
 */

import crc32Module from "npm:hash-wasm@^4.13.0/dist/crc32.umd.min.js";

/** The part of hash-wasm's hasher that CRC-32C uses. */
export interface Crc32Hasher {
  /** Starts a new checksum. */
  init(): Crc32Hasher;
  /** Adds bytes to the checksum. */
  update(data: Uint8Array): Crc32Hasher;
  /** The checksum, big-endian. */
  digest(outputType: "binary"): Uint8Array;
}

/**
 * Compiles hash-wasm's CRC-32 module for a reflected polynomial
 * (`0x82f63b78` is CRC-32C's).
 *
 * @example Usage
 * ```ts
 * import { createCRC32 } from "./hash_wasm_crc32.ts";
 * const hasher = await createCRC32(0x82f63b78);
 * const digest = hasher.init().update(new TextEncoder().encode("123456789")).digest("binary");
 * console.assert(digest.length === 4 && digest[0] === 0xe3);
 * ```
 */
export const createCRC32: (polynomial?: number) => Promise<Crc32Hasher> = (
  crc32Module as { createCRC32: (polynomial?: number) => Promise<Crc32Hasher> }
).createCRC32;
