/**
 * CRC-32C (Castagnoli), the checksum of record batch v2: the platform's
 * WebAssembly (`Platform.wasmCrc32c`: `hash-wasm` in the Bun, Deno and Node
 * adapters) where it has one and it compiles, else the TypeScript tables of
 * `./crc32c_table.ts`.
 *
 * Why two, and why the WebAssembly comes from the platform: on Node.js 20
 * the WebAssembly is about 1.4× faster than the tables (on Bun and Deno they
 * are even), but Cloudflare Workers forbid compiling WebAssembly from bytes
 * ("Wasm code generation disallowed by embedder"), which is how `hash-wasm`
 * loads, and its 7 KB of base64 would be most of what a browser or Workers
 * bundle of the core cannot compress. So the core holds only the tables, and
 * the server adapters supply the WebAssembly. It is instantiated
 * asynchronously, once: await {@linkcode crc32cReady} before the first
 * {@linkcode crc32c} call (the producer does so when it starts); without a
 * WebAssembly loader, or when compiling fails, the tables are used at once.
 *
 * @module
 */

import { crc32cTable } from "./crc32c_table.ts";

/**
 * Loads a faster CRC-32C (WebAssembly) for {@linkcode crc32cReady}: a
 * platform's `wasmCrc32c`. Resolves to the checksum as a function of the
 * bytes (unsigned 32-bit); rejects where it cannot be compiled.
 *
 * @example A loader that hands out the core's tables (tests only)
 * ```ts
 * import type { WasmCrc32cLoader } from "@edgekafka/producer";
 * import { crc32cTable } from "./crc32c_table.ts";
 * const load: WasmCrc32cLoader = () => Promise.resolve(crc32cTable);
 * console.assert((await load())(new TextEncoder().encode("123456789")) === 0xe3069283);
 * ```
 */
export type WasmCrc32cLoader = () => Promise<(data: Uint8Array) => number>;

/** The checksum in use; null until {@linkcode crc32cReady} chose one. */
let impl: ((data: Uint8Array) => number) | null = null;
/** Which one `impl` is, for {@linkcode crc32cImplementation}. */
let implName: "wasm" | "table" | null = null;
/** The WebAssembly load in flight or done; null before the first loader was given. */
let loading: Promise<void> | null = null;

function useTable(): void {
  impl = crc32cTable;
  implName = "table";
}

/**
 * Makes {@linkcode crc32c} usable; resolves at once after the first time.
 * With a `wasm` loader (a platform's `wasmCrc32c`), the WebAssembly is
 * loaded once, and if compiling it fails the tables are used. Without one:
 * a load already in flight is awaited, else the TypeScript tables are
 * ready before this returns. A later call with a loader still loads the
 * WebAssembly (both give the same checksums).
 *
 * @example Usage
 * ```ts
 * import { crc32c, crc32cReady } from "./crc32c.ts";
 * await crc32cReady();
 * console.assert(crc32c(new TextEncoder().encode("123456789")) === 0xe3069283);
 * ```
 */
export function crc32cReady(wasm?: WasmCrc32cLoader): Promise<void> {
  if (wasm === undefined) {
    if (loading !== null) return loading;
    if (impl === null) useTable();
    return Promise.resolve();
  }
  loading ??= (async () => {
    try {
      impl = await wasm();
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
 * Which implementation {@linkcode crc32c} uses: `"wasm"` (the platform's
 * WebAssembly), `"table"` (TypeScript), or null before {@linkcode crc32cReady}.
 *
 * @example Usage
 * ```ts
 * import { crc32cImplementation, crc32cReady } from "./crc32c.ts";
 * await crc32cReady();
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
