/**
 * The server adapters' fast CRC-32C: `hash-wasm`'s WebAssembly, which
 * `runtime/node.ts`, `bun.ts` and `deno.ts` hand to the core as their
 * platform's `wasmCrc32c`.
 *
 * Why it lives here and not in the core: the WebAssembly is 7 KB of base64
 * that hardly compresses, and only Bun, Deno and Node gain from it (on
 * Node.js 20 it is about 1.4× faster than the core's tables; on Bun and
 * Deno they are even). Cloudflare Workers forbid compiling WebAssembly from
 * bytes, and browsers may (a CSP): both use the core's TypeScript tables, so
 * a bundle of the core (`bun build mod.ts --target=browser`) carries none of it.
 *
 * @module
 */

import { createCRC32 } from "./hash_wasm_crc32.ts";

/** The Castagnoli polynomial, reflected. */
const CASTAGNOLI = 0x82f63b78;

/** The compile started by the first call, shared by every platform that uses it. */
let compiling: Promise<(data: Uint8Array) => number> | undefined;

/**
 * Compiles `hash-wasm`'s CRC-32 module for CRC-32C once and returns the
 * checksum as a function of the bytes (unsigned 32-bit). Rejects where
 * WebAssembly cannot be compiled from bytes; the core then uses its tables.
 *
 * @example Usage
 * ```ts
 * import { wasmCrc32c } from "./wasm_crc32c.ts";
 * const crc = await wasmCrc32c();
 * console.assert(crc(new TextEncoder().encode("123456789")) === 0xe3069283);
 * ```
 */
export function wasmCrc32c(): Promise<(data: Uint8Array) => number> {
  compiling ??= createCRC32(CASTAGNOLI).then((h) => (data: Uint8Array) => {
    h.init();
    h.update(data);
    const d = h.digest("binary");
    return ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
  });
  // A refused compile is not kept: a later call tries again (and is refused again, cheaply).
  return compiling.catch((e: unknown) => {
    compiling = undefined;
    throw e;
  });
}
