/**
 * CRC-32C (Castagnoli) in plain TypeScript, slicing-by-16: sixteen 256-entry
 * tables (16 KiB of `Int32Array`, built at module load from the reflected
 * polynomial) fold 16 input bytes per step with 16 lookups and no per-bit
 * work; the aligned middle of the input is read as 32-bit words. It needs
 * no WebAssembly, so it runs where compiling WebAssembly from bytes is
 * forbidden (Cloudflare Workers).
 *
 * @module
 */

/** The Castagnoli polynomial, reflected. */
const CASTAGNOLI = 0x82f63b78;

/** How many bytes one step folds (and how many tables there are). */
const SLICES = 16;

/** `TABLES[k * 256 + b]`: the CRC register after byte `b` followed by `k` zero bytes. */
const TABLES: Int32Array = buildTables();

/** Whether words read through a `Uint32Array` are little-endian (every engine in use; checked anyway). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function buildTables(): Int32Array {
  const t = new Int32Array(SLICES * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CASTAGNOLI : c >>> 1;
    t[b] = c;
  }
  for (let b = 0; b < 256; b++) {
    let c = t[b]!;
    for (let k = 1; k < SLICES; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + b] = c;
    }
  }
  return t;
}

/**
 * CRC-32C of `data` as an unsigned 32-bit integer, computed in TypeScript
 * (no WebAssembly; usable at once).
 *
 * @example Usage
 * ```ts
 * import { crc32cTable } from "./crc32c_table.ts";
 * console.assert(crc32cTable(new TextEncoder().encode("123456789")) === 0xe3069283);
 * ```
 */
export function crc32cTable(data: Uint8Array): number {
  const t = TABLES;
  const n = data.length;
  let crc = -1;
  let i = 0;
  // Bytes up to a 4-byte boundary, so the middle can be read as aligned words.
  while (i < n && ((data.byteOffset + i) & 3) !== 0) crc = t[(crc ^ data[i++]!) & 0xff]! ^ (crc >>> 8);
  const words = LITTLE_ENDIAN ? ((n - i) >>> 4) << 2 : 0;
  if (words > 0) {
    const w = new Uint32Array(data.buffer, data.byteOffset + i, words);
    for (let j = 0; j < words; j += 4) {
      const a = crc ^ w[j]!, b = w[j + 1]!, c = w[j + 2]!, d = w[j + 3]!;
      crc = t[3840 + (a & 0xff)]! ^ t[3584 + ((a >>> 8) & 0xff)]! ^ t[3328 + ((a >>> 16) & 0xff)]! ^
        t[3072 + (a >>> 24)]! ^ t[2816 + (b & 0xff)]! ^ t[2560 + ((b >>> 8) & 0xff)]! ^
        t[2304 + ((b >>> 16) & 0xff)]! ^ t[2048 + (b >>> 24)]! ^ t[1792 + (c & 0xff)]! ^
        t[1536 + ((c >>> 8) & 0xff)]! ^ t[1280 + ((c >>> 16) & 0xff)]! ^ t[1024 + (c >>> 24)]! ^
        t[768 + (d & 0xff)]! ^ t[512 + ((d >>> 8) & 0xff)]! ^ t[256 + ((d >>> 16) & 0xff)]! ^ t[d >>> 24]!;
    }
    i += words * 4;
  }
  while (i < n) crc = t[(crc ^ data[i++]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
