/**
 * CRC-32C (Castagnoli), the checksum of record batch v2: `hash-wasm`'s
 * WebAssembly where the runtime may compile WebAssembly from bytes, else
 * the TypeScript tables of `./crc32c_table.ts`.
 *
 * Why two: on Node.js 20 the WebAssembly is about 1.4× faster than the
 * tables (on Bun and Deno they are even), but Cloudflare Workers forbid
 * compiling WebAssembly from bytes ("Wasm code generation disallowed by
 * embedder"), which is how `hash-wasm` loads. The WebAssembly is
 * instantiated asynchronously, once: await {@linkcode crc32cReady} before
 * the first {@linkcode crc32c} call (the producer does so when it starts);
 * with `wasm` false, or when compiling fails, the tables are used at once.
 *
 * @module
 */

import { createCRC32 } from "./hash_wasm_crc32.ts";
import { crc32cTable } from "./crc32c_table.ts";

type Hasher = Awaited<ReturnType<typeof createCRC32>>;

/** The Castagnoli polynomial, reflected. */
const CASTAGNOLI = 0x82f63b78;

/** The checksum in use; null until {@linkcode crc32cReady} chose one. */
let impl: ((data: Uint8Array) => number) | null = null;
/** Which one `impl` is, for {@linkcode crc32cImplementation}. */
let implName: "wasm" | "table" | null = null;
let loading: Promise<void> | null = null;

/** `hash-wasm`'s CRC-32C as a function of the bytes. */
function wasmCrc(h: Hasher): (data: Uint8Array) => number {
  return (data) => {
    h.init();
    h.update(data);
    const d = h.digest("binary");
    return ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
  };
}

function useTable(): void {
  impl = crc32cTable;
  implName = "table";
}

/**
 * Makes {@linkcode crc32c} usable; resolves at once after the first time.
 * `wasm` false (a runtime that forbids compiling WebAssembly from bytes):
 * the TypeScript tables, ready before this returns. Otherwise `hash-wasm`'s
 * WebAssembly is loaded, and if compiling it fails the tables are used. A
 * later call with `wasm` true still loads the WebAssembly (both give the
 * same checksums).
 *
 * @example Usage
 * ```ts
 * import { crc32c, crc32cReady } from "./crc32c.ts";
 * await crc32cReady();
 * console.assert(crc32c(new TextEncoder().encode("123456789")) === 0xe3069283);
 * ```
 */
export function crc32cReady(wasm = true): Promise<void> {
  if (!wasm) {
    if (impl === null) useTable();
    return Promise.resolve();
  }
  loading ??= (async () => {
    try {
      const fast = wasmCrc(await createCRC32(CASTAGNOLI));
      impl = fast;
      implName = "wasm";
    } catch {
      // WebAssembly compiled from bytes is refused here (Workers' embedder, a CSP): same checksum in TypeScript.
      if (implName !== "wasm") useTable();
    }
  })();
  return loading;
}

/**
 * Whether {@linkcode crc32c} can be called (an implementation is chosen).
 *
 * @example Usage
 * ```ts
 * import { crc32cReady, isCrc32cReady } from "./crc32c.ts";
 * await crc32cReady();
 * console.assert(isCrc32cReady());
 * ```
 */
export function isCrc32cReady(): boolean {
  return impl !== null;
}

/**
 * Which implementation {@linkcode crc32c} uses: `"wasm"` (`hash-wasm`),
 * `"table"` (TypeScript), or null before {@linkcode crc32cReady}.
 *
 * @example Usage
 * ```ts
 * import { crc32cImplementation, crc32cReady } from "./crc32c.ts";
 * await crc32cReady(false);
 * console.assert(crc32cImplementation() !== null);
 * ```
 */
export function crc32cImplementation(): "wasm" | "table" | null {
  return implName;
}

/**
 * CRC-32C of `data` as an unsigned 32-bit integer. Requires {@linkcode crc32cReady}.
 *
 * @example Usage
 * ```ts
 * import { crc32c, crc32cReady } from "./crc32c.ts";
 * await crc32cReady();
 * console.assert(crc32c(new Uint8Array(0)) === 0);
 * ```
 */
export function crc32c(data: Uint8Array): number {
  const f = impl;
  if (f === null) throw new Error("CRC-32C is not loaded yet: await crc32cReady() first");
  return f(data);
}
