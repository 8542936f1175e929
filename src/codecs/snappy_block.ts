/**
 * The raw Snappy block format: a compressor and a decompressor, written from
 * Snappy's format description.
 *
 * A block is the uncompressed length (a little-endian base-128 varint), then
 * elements whose tag's low two bits say what follows: 00 literal (length − 1
 * in the tag's upper six bits, or in the 1–4 bytes after it when those say
 * 60–63), 01 copy of 4–11 bytes at an 11-bit offset, 10 copy of 1–64 bytes
 * at a 16-bit offset, 11 copy at a 32-bit offset (only read, never written:
 * blocks here are at most 64 KiB).
 *
 * The compressor keeps one position per hash of 4 bytes and looks further
 * apart the longer it finds nothing, with the step growing geometrically
 * (current Google Snappy's heuristic, which snappy-java and so Kafka's
 * Java client run; the older linear growth spent 90 % of its time on
 * record batches, where the framing matches every ~100 bytes and the
 * values rarely do). Incompressible input
 * is fast and grows by a few bytes only.
 *
 * @module
 */

import { copyBytes } from "./bytes.ts";

const HASH_LOG = 14;
/** No match is looked for in the last bytes of the input (Snappy's input margin). */
const INPUT_MARGIN = 15;
/** Snappy's fragments: matches never reach back further than this. */
const MAX_FRAGMENT = 1 << 16;

/**
 * Position per hash, relative to the fragment's start (a fragment is at most
 * 64 KiB, so 16 bits hold it: half the cache footprint of absolute
 * positions, 1.7× the speed on record batches). Reused; each fragment
 * clears the part it uses.
 */
const table = new Uint16Array(1 << HASH_LOG);
const HASH_MUL = 0x1e35a7bd;

/**
 * The largest block `snappyCompress` writes for `n` input bytes (Snappy's
 * `MaxCompressedLength`).
 *
 * @example Usage
 * ```ts
 * import { snappyBound } from "./snappy_block.ts";
 * console.assert(snappyBound(32768) > 32768);
 * ```
 */
export function snappyBound(n: number): number {
  return 32 + n + ((n / 6) | 0);
}

/**
 * Compresses `src[start, end)` as one raw Snappy block into `dst` at `out`
 * (`snappyBound(end - start)` bytes must fit); returns the position after it.
 *
 * @example Usage
 * ```ts
 * import { snappyBound, snappyCompress, snappyDecompress } from "./snappy_block.ts";
 * const src = new TextEncoder().encode("snappy snappy snappy snappy snappy");
 * const dst = new Uint8Array(snappyBound(src.length));
 * const end = snappyCompress(src, dst, { start: 0, end: src.length, out: 0 });
 * console.assert(end < src.length && snappyDecompress(dst.subarray(0, end)).length === src.length);
 * ```
 */
export function snappyCompress(
  src: Uint8Array,
  dst: Uint8Array,
  { start, end, out }: { readonly start: number; readonly end: number; readonly out: number },
): number {
  // The uncompressed length.
  for (let n = end - start; ; n = Math.floor(n / 128)) {
    if (n < 128) {
      dst[out++] = n;
      break;
    }
    dst[out++] = (n & 0x7f) | 0x80;
  }
  for (let fragment = start; fragment < end; fragment += MAX_FRAGMENT) {
    out = compressFragment(src, dst, fragment, Math.min(fragment + MAX_FRAGMENT, end), out);
  }
  return out;
}

function compressFragment(src: Uint8Array, dst: Uint8Array, start: number, end: number, out: number): number {
  let anchor = start;
  if (end - start >= INPUT_MARGIN) {
    // As Snappy: the table grows with the fragment (256 to 2^HASH_LOG
    // entries), so a small fragment clears a small table.
    let shift = 32 - 8;
    for (let size = 256; size < end - start && shift > 32 - HASH_LOG; size <<= 1) shift--;
    table.fill(0, 0, 1 << (32 - shift));
    const limit = end - INPUT_MARGIN;
    // One 32-bit little-endian load per word (the engines compile DataView reads to a single load).
    const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
    let ip = start + 1;
    outer: for (;;) {
      // The step is skip / 32 and skip grows by the step: after 32 misses
      // every other byte is tried, then the step grows geometrically.
      let skip = 32;
      let ref: number;
      let next = ip;
      for (;;) {
        ip = next;
        const step = skip >> 5;
        skip += step;
        next = ip + step;
        if (next > limit) break outer;
        const seq = view.getInt32(ip, true);
        const h = Math.imul(seq, HASH_MUL) >>> shift;
        // An empty entry (0) is the fragment's first byte: a candidate
        // like any other, that the comparison rejects or takes.
        ref = start + table[h]!;
        table[h] = ip - start;
        if (view.getInt32(ref, true) === seq) break;
      }
      if (ip > anchor) out = writeLiteral(src, dst, anchor, ip, out);
      // Copies, as long as the byte after one starts another.
      for (;;) {
        let len = 4;
        while (ip + len + 4 <= end && view.getInt32(ip + len, true) === view.getInt32(ref + len, true)) len += 4;
        while (ip + len < end && src[ip + len] === src[ref + len]) len++;
        out = writeCopy(dst, out, ip - ref, len);
        ip += len;
        anchor = ip;
        if (ip >= limit) break outer;
        table[Math.imul(view.getInt32(ip - 1, true), HASH_MUL) >>> shift] = ip - 1 - start;
        const seq = view.getInt32(ip, true);
        const h = Math.imul(seq, HASH_MUL) >>> shift;
        ref = start + table[h]!;
        table[h] = ip - start;
        if (view.getInt32(ref, true) !== seq) break;
      }
      ip++;
      if (ip > limit) break;
    }
  }
  if (anchor < end) out = writeLiteral(src, dst, anchor, end, out);
  return out;
}

function writeLiteral(src: Uint8Array, dst: Uint8Array, from: number, to: number, out: number): number {
  const n = to - from - 1;
  if (n < 60) {
    dst[out++] = n << 2;
  } else {
    const bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
    dst[out++] = (59 + bytes) << 2;
    for (let i = 0; i < bytes; i++) dst[out++] = (n >>> (8 * i)) & 0xff;
  }
  copyBytes(src, from, to, dst, out);
  return out + to - from;
}

function writeCopy(dst: Uint8Array, out: number, offset: number, len: number): number {
  // Long copies go out as 64-byte pieces, leaving at least 4 for the last.
  for (; len >= 68; len -= 64) out = writeCopy2(dst, out, offset, 64);
  if (len > 64) {
    out = writeCopy2(dst, out, offset, 60);
    len -= 60;
  }
  if (len < 12 && offset < 2048) {
    dst[out++] = 1 | ((len - 4) << 2) | ((offset >>> 8) << 5);
    dst[out++] = offset & 0xff;
    return out;
  }
  return writeCopy2(dst, out, offset, len);
}

function writeCopy2(dst: Uint8Array, out: number, offset: number, len: number): number {
  dst[out++] = 2 | ((len - 1) << 2);
  dst[out++] = offset & 0xff;
  dst[out++] = offset >>> 8;
  return out;
}

/**
 * Decompresses one raw Snappy block.
 *
 * @throws RangeError if the block is malformed.
 *
 * @example Usage
 * ```ts
 * import { snappyDecompress } from "./snappy_block.ts";
 * // Length 6, the literal "ab", then a 4-byte copy at offset 2.
 * const block = new Uint8Array([6, 0x04, 0x61, 0x62, 0x01, 0x02]);
 * console.assert(new TextDecoder().decode(snappyDecompress(block)) === "ababab");
 * ```
 */
export function snappyDecompress(block: Uint8Array): Uint8Array {
  let ip = 0;
  let size = 0;
  for (let shift = 0; ; shift += 7) {
    if (ip >= block.length || shift > 28) throw new RangeError("Malformed Snappy length");
    const b = block[ip++]!;
    size += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  const out = new Uint8Array(size);
  let op = 0;
  while (ip < block.length) {
    const tag = block[ip++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const bytes = len - 59;
        if (ip + bytes > block.length) throw new RangeError("Truncated Snappy literal");
        len = 0;
        for (let i = 0; i < bytes; i++) len += block[ip + i]! * 2 ** (8 * i);
        ip += bytes;
      }
      len += 1;
      if (ip + len > block.length || op + len > size) throw new RangeError("Snappy literal overruns the block");
      out.set(block.subarray(ip, ip + len), op);
      ip += len;
      op += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | block[ip++]!;
    } else if (kind === 2) {
      len = (tag >>> 2) + 1;
      offset = block[ip]! | (block[ip + 1]! << 8);
      ip += 2;
    } else {
      len = (tag >>> 2) + 1;
      offset = (block[ip]! | (block[ip + 1]! << 8) | (block[ip + 2]! << 16) | (block[ip + 3]! << 24)) >>> 0;
      ip += 4;
    }
    if (ip > block.length) throw new RangeError("Truncated Snappy copy");
    if (offset === 0 || offset > op || op + len > size) throw new RangeError(`Snappy copy at offset ${offset} is out of range`);
    for (let from = op - offset, stop = op + len; op < stop;) out[op++] = out[from++]!;
  }
  if (op !== size) throw new RangeError(`Snappy block holds ${op} bytes, its header says ${size}`);
  return out;
}
