/**
 * The LZ4 block format: a compressor with two match finders and a
 * decompressor, written from the LZ4 block format description.
 *
 * A block is a run of sequences, each a token (literal length in the high
 * nibble, match length − 4 in the low one, 15 meaning "more bytes follow"),
 * the literals, a 2-byte little-endian offset (1–65535) and the rest of the
 * match length. The format's end rules hold for every block written here:
 * the last 5 bytes are literals, and no match starts within the last 12.
 *
 * - The fast finder (what lz4-java's `fastCompressor` is to Kafka: used at
 *   Kafka's default `compression.lz4.level`, 9) keeps one position per
 *   hash of 4 bytes and skips ahead faster the longer it finds nothing, so
 *   incompressible data costs little.
 * - The chain finder (Kafka uses lz4-java's high-compression compressor at
 *   every other level) keeps every position of a hash in a chain and tries
 *   up to `attempts` of them (`lz4_frame.ts` derives it from the level),
 *   taking the longest match: smaller output, slower. Its bytes differ from
 *   lz4-java's HC; any LZ4 reader reads both.
 *
 * @module
 */

import { copyBytes } from "./bytes.ts";

/** Bytes of input a match can cover at most from the end (LASTLITERALS). */
const LAST_LITERALS = 5;
/** No match starts within this many bytes of the end (MFLIMIT). */
const MF_LIMIT = 12;
const MIN_MATCH = 4;
const MAX_OFFSET = 65535;
const HASH_LOG = 14;
/** Fast finder: the skip grows by one every 2^SKIP_STRENGTH misses. */
const SKIP_STRENGTH = 6;

/** The fast finder's table: absolute input position per hash (reused; each call clears it). */
const fastTable = new Int32Array(1 << HASH_LOG);
/** Blocks up to this size use 16-bit positions relative to the block's start. */
const SMALL_BLOCK = 1 << 16;
const SMALL_SHIFT = 32 - 13;
/** The small-block fast finder's table (reused; each call clears it). */
const smallTable = new Uint16Array(1 << 13);
const HASH_MUL = -1640531535;
/** The chain finder's newest position per hash (reused; each call clears it). */
const chainHead = new Int32Array(1 << HASH_LOG);
/** The chain finder's previous position with the same hash, by position mod 64 KiB. */
const chainPrev = new Int32Array(1 << 16);

const hash4 = (v: number) => Math.imul(v, HASH_MUL) >>> (32 - HASH_LOG);

/**
 * The largest block `compressBlock` can write for `n` input bytes.
 *
 * @example Usage
 * ```ts
 * import { lz4BlockBound } from "./lz4_block.ts";
 * console.assert(lz4BlockBound(65536) > 65536);
 * ```
 */
export function lz4BlockBound(n: number): number {
  return n + ((n / 255) | 0) + 16;
}

/** Where a block comes from and goes to. */
export interface Lz4BlockOptions {
  /** Input: `src[start, end)` is compressed; earlier bytes are never referenced. */
  readonly start: number;
  readonly end: number;
  /** Output position; `lz4BlockBound(end - start)` bytes must fit from here. */
  readonly out: number;
  /** The chain finder's search depth (0: the fast finder). */
  readonly attempts: number;
}

/**
 * Compresses `src[start, end)` as one independent LZ4 block into `dst` at
 * `out`; returns the position after the block.
 *
 * @example Usage
 * ```ts
 * import { compressBlock, decompressBlock, lz4BlockBound } from "./lz4_block.ts";
 * const src = new TextEncoder().encode("abcabcabcabcabcabcabcabcabcabc");
 * const dst = new Uint8Array(lz4BlockBound(src.length));
 * const end = compressBlock(src, dst, { start: 0, end: src.length, out: 0, attempts: 0 });
 * console.assert(end < src.length && decompressBlock(dst.subarray(0, end), src.length).length === src.length);
 * ```
 */
export function compressBlock(src: Uint8Array, dst: Uint8Array, options: Lz4BlockOptions): number {
  const { start, end, attempts } = options;
  if (end - start < MF_LIMIT + 1) return writeLastLiterals(src, dst, start, end, options.out);
  return attempts > 0 ? compressChain(src, dst, options) : compressFast(src, dst, options);
}

function compressFast(src: Uint8Array, dst: Uint8Array, options: Lz4BlockOptions): number {
  return options.end - options.start <= SMALL_BLOCK ? compressFastSmall(src, dst, options) : compressFastWide(src, dst, options);
}

/**
 * The fast finder for blocks up to 64 KiB (every block of Kafka's frames):
 * positions relative to the block fit 16 bits, so the table is 16 KiB (as
 * LZ4's own 16-bit table: 2^13 entries) and stays in the L1 cache, and any
 * candidate is within the 64 KiB offset limit. 2× the speed of the wide
 * finder on record batches.
 */
function compressFastSmall(src: Uint8Array, dst: Uint8Array, { start, end, out }: Lz4BlockOptions): number {
  const table = smallTable;
  table.fill(0);
  // One 32-bit little-endian load per word (the engines compile DataView reads to a single load).
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const seq: Sequence = { src, anchor: 0, ip: 0, offset: 0, len: 0 };
  const mfLimit = end - MF_LIMIT;
  const matchLimit = end - LAST_LITERALS;
  let anchor = start;
  let ip = start + 1;
  for (;;) {
    // Find a match: the step grows while nothing matches. An empty entry
    // (0) is the block's first byte, a candidate the comparison judges.
    let ref: number;
    let misses = 1 << SKIP_STRENGTH;
    let word = view.getInt32(ip, true);
    for (;;) {
      if (ip > mfLimit) return writeLastLiterals(src, dst, anchor, end, out);
      const h = Math.imul(word, HASH_MUL) >>> SMALL_SHIFT;
      ref = start + table[h]!;
      table[h] = ip - start;
      if (view.getInt32(ref, true) === word && ref < ip) break;
      const step = misses++ >> SKIP_STRENGTH;
      ip += step;
      if (ip > mfLimit) return writeLastLiterals(src, dst, anchor, end, out);
      // At step 1 the next word is this one shifted by a byte: one load, not four.
      word = step === 1 ? (word >>> 8) | (src[ip + 3]! << 24) : view.getInt32(ip, true);
    }
    while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
      ip--;
      ref--;
    }
    // Matches, as long as the position after one starts another (no literals between).
    for (;;) {
      const len = matchLength(src, view, ip, ref, matchLimit);
      seq.anchor = anchor;
      seq.ip = ip;
      seq.offset = ip - ref;
      seq.len = len;
      out = writeSequence(dst, out, seq);
      ip += len;
      anchor = ip;
      if (ip > mfLimit) return writeLastLiterals(src, dst, anchor, end, out);
      // The position two back is likely to start a later match.
      table[Math.imul(view.getInt32(ip - 2, true), HASH_MUL) >>> SMALL_SHIFT] = ip - 2 - start;
      const word = view.getInt32(ip, true);
      const h = Math.imul(word, HASH_MUL) >>> SMALL_SHIFT;
      ref = start + table[h]!;
      table[h] = ip - start;
      if (view.getInt32(ref, true) !== word || ref >= ip) break;
    }
    ip++;
  }
}

/** The fast finder for larger blocks: absolute positions, offsets checked. */
function compressFastWide(src: Uint8Array, dst: Uint8Array, { start, end, out }: Lz4BlockOptions): number {
  const table = fastTable;
  table.fill(-1);
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const seq: Sequence = { src, anchor: 0, ip: 0, offset: 0, len: 0 };
  const mfLimit = end - MF_LIMIT;
  const matchLimit = end - LAST_LITERALS;
  let anchor = start;
  let ip = start;
  table[hash4(view.getInt32(ip, true))] = ip;
  ip++;
  for (;;) {
    // Find a match: the step grows while nothing matches.
    let ref = -1;
    let misses = 1 << SKIP_STRENGTH;
    for (;;) {
      if (ip > mfLimit) return writeLastLiterals(src, dst, anchor, end, out);
      const word = view.getInt32(ip, true);
      const h = hash4(word);
      ref = table[h]!;
      table[h] = ip;
      if (ref >= start && ip - ref <= MAX_OFFSET && view.getInt32(ref, true) === word) break;
      ip += misses++ >> SKIP_STRENGTH;
    }
    while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
      ip--;
      ref--;
    }
    // Matches, as long as the position after one starts another (no literals between).
    for (;;) {
      const len = matchLength(src, view, ip, ref, matchLimit);
      seq.anchor = anchor;
      seq.ip = ip;
      seq.offset = ip - ref;
      seq.len = len;
      out = writeSequence(dst, out, seq);
      ip += len;
      anchor = ip;
      if (ip > mfLimit) return writeLastLiterals(src, dst, anchor, end, out);
      // The position two back is likely to start a later match.
      table[hash4(view.getInt32(ip - 2, true))] = ip - 2;
      const word = view.getInt32(ip, true);
      const h = hash4(word);
      ref = table[h]!;
      table[h] = ip;
      if (ref < start || ip - ref > MAX_OFFSET || view.getInt32(ref, true) !== word) break;
    }
    ip++;
  }
}

function compressChain(src: Uint8Array, dst: Uint8Array, { start, end, out, attempts }: Lz4BlockOptions): number {
  const head = chainHead;
  const prev = chainPrev;
  head.fill(-1);
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const seq: Sequence = { src, anchor: 0, ip: 0, offset: 0, len: 0 };
  const mfLimit = end - MF_LIMIT;
  const matchLimit = end - LAST_LITERALS;
  let anchor = start;
  let ip = start;
  /** Positions below this are in the chains. */
  let inserted = start;
  const insertUpTo = (target: number) => {
    for (; inserted < target; inserted++) {
      const h = hash4(view.getInt32(inserted, true));
      prev[inserted & 0xffff] = head[h]!;
      head[h] = inserted;
    }
  };
  while (ip <= mfLimit) {
    insertUpTo(ip);
    const word = view.getInt32(ip, true);
    let ref = head[hash4(word)]!;
    let bestLen = 0;
    let bestRef = -1;
    for (let tries = attempts; tries > 0 && ref >= start && ip - ref <= MAX_OFFSET; tries--) {
      if (src[ref + bestLen] === src[ip + bestLen] && view.getInt32(ref, true) === word) {
        const len = matchLength(src, view, ip, ref, matchLimit);
        if (len > bestLen) {
          bestLen = len;
          bestRef = ref;
          if (ip + len >= matchLimit) break;
        }
      }
      ref = prev[ref & 0xffff]!;
    }
    if (bestLen < MIN_MATCH) {
      ip++;
      continue;
    }
    seq.anchor = anchor;
    seq.ip = ip;
    seq.offset = ip - bestRef;
    seq.len = bestLen;
    out = writeSequence(dst, out, seq);
    ip += bestLen;
    anchor = ip;
  }
  return writeLastLiterals(src, dst, anchor, end, out);
}

/** How far the match of `ip` at `ref` goes (at least 4, known to match), up to `limit`. */
function matchLength(src: Uint8Array, view: DataView, ip: number, ref: number, limit: number): number {
  let len = MIN_MATCH;
  while (ip + len + 4 <= limit && view.getInt32(ip + len, true) === view.getInt32(ref + len, true)) len += 4;
  while (ip + len < limit && src[ip + len] === src[ref + len]) len++;
  return len;
}

/**
 * One sequence: literals `src[anchor, ip)`, then a match of `len` bytes
 * `offset` back. Each finder fills one in place per sequence: an object per
 * sequence costs a fifth of the fast finder's speed with Bun.
 */
interface Sequence {
  readonly src: Uint8Array;
  anchor: number;
  ip: number;
  offset: number;
  len: number;
}

function writeSequence(dst: Uint8Array, out: number, { src, anchor, ip, offset, len }: Sequence): number {
  const literals = ip - anchor;
  const matchCode = len - MIN_MATCH;
  const token = out++;
  dst[token] = ((literals >= 15 ? 15 : literals) << 4) | (matchCode >= 15 ? 15 : matchCode);
  if (literals >= 15) out = writeLength(dst, out, literals - 15);
  copyBytes(src, anchor, ip, dst, out);
  out += literals;
  dst[out++] = offset & 0xff;
  dst[out++] = offset >>> 8;
  if (matchCode >= 15) out = writeLength(dst, out, matchCode - 15);
  return out;
}

function writeLastLiterals(src: Uint8Array, dst: Uint8Array, anchor: number, end: number, out: number): number {
  const literals = end - anchor;
  dst[out++] = (literals >= 15 ? 15 : literals) << 4;
  if (literals >= 15) out = writeLength(dst, out, literals - 15);
  copyBytes(src, anchor, end, dst, out);
  return out + literals;
}

function writeLength(dst: Uint8Array, out: number, rest: number): number {
  for (; rest >= 255; rest -= 255) dst[out++] = 255;
  dst[out++] = rest;
  return out;
}

/**
 * Decompresses one LZ4 block of at most `maxSize` bytes.
 *
 * @throws RangeError if the block is malformed or decompresses to more than `maxSize` bytes.
 *
 * @example Usage
 * ```ts
 * import { decompressBlock } from "./lz4_block.ts";
 * // "a" as a literal, then a 5-byte match at offset 1, then the 5 last literals.
 * const block = new Uint8Array([0x11, 0x61, 0x01, 0x00, 0x50, 0x61, 0x61, 0x61, 0x61, 0x61]);
 * console.assert(new TextDecoder().decode(decompressBlock(block, 64)) === "a".repeat(11));
 * ```
 */
export function decompressBlock(block: Uint8Array, maxSize: number): Uint8Array {
  const out = new Uint8Array(maxSize);
  let op = 0;
  let ip = 0;
  const readLength = (base: number) => {
    let len = base;
    if (base === 15) {
      let b: number;
      do {
        if (ip >= block.length) throw new RangeError("Truncated LZ4 block");
        b = block[ip++]!;
        len += b;
      } while (b === 255);
    }
    return len;
  };
  while (ip < block.length) {
    const token = block[ip++]!;
    const literals = readLength(token >>> 4);
    if (ip + literals > block.length || op + literals > maxSize) throw new RangeError("LZ4 literals overrun the block");
    out.set(block.subarray(ip, ip + literals), op);
    ip += literals;
    op += literals;
    if (ip === block.length) break; // the last sequence has no match
    if (ip + 2 > block.length) throw new RangeError("Truncated LZ4 block");
    const offset = block[ip]! | (block[ip + 1]! << 8);
    ip += 2;
    const len = readLength(token & 15) + MIN_MATCH;
    if (offset === 0 || offset > op) throw new RangeError(`LZ4 match offset ${offset} is out of range`);
    if (op + len > maxSize) throw new RangeError("LZ4 match overruns the block");
    // Byte by byte: a match may overlap what it copies (offset < len).
    for (let from = op - offset, stop = op + len; op < stop;) out[op++] = out[from++]!;
  }
  return out.subarray(0, op);
}
