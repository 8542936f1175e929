/**
 * CRC-32C (Castagnoli), the checksum of record batch v2, via `hash-wasm`.
 *
 * WebAssembly is instantiated asynchronously, once: await
 * {@linkcode crc32cReady} before the first {@linkcode crc32c} call (the
 * producer does so when it starts).
 *
 * @module
 */

import { createCRC32 } from "./hash_wasm_crc32.ts";

type Hasher = Awaited<ReturnType<typeof createCRC32>>;

/** The Castagnoli polynomial, reflected. */
const CASTAGNOLI = 0x82f63b78;

let hasher: Hasher | null = null;
let loading: Promise<void> | null = null;

/**
 * Loads the checksum's WebAssembly module; resolves at once after the first time.
 *
 * @example Usage
 * ```ts
 * import { crc32c, crc32cReady } from "./crc32c.ts";
 * await crc32cReady();
 * console.assert(crc32c(new TextEncoder().encode("123456789")) === 0xe3069283);
 * ```
 */
export function crc32cReady(): Promise<void> {
  loading ??= createCRC32(CASTAGNOLI).then((h) => {
    hasher = h;
  });
  return loading;
}

/** Whether {@linkcode crc32c} can be called (the module is loaded). */
export function isCrc32cReady(): boolean {
  return hasher !== null;
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
  const h = hasher;
  if (h === null) throw new Error("CRC-32C is not loaded yet: await crc32cReady() first");
  h.init();
  h.update(data);
  const d = h.digest("binary");
  return ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
}
