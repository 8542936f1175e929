/**
 * A zstd compressor in TypeScript (RFC 8878, written from the format
 * description), for the runtimes whose `node:zlib` has no zstd (Node.js 20,
 * Node.js 22 before 22.15) and for Cloudflare Workers and browsers. Any
 * zstd reader reads its frames: the broker, the Java consumer (zstd-jni),
 * librdkafka, franz-go.
 *
 * One frame per call: a single-segment frame with its content size (a
 * Window_Descriptor of 8 MiB above that), no checksum (Kafka's record batch
 * has its CRC), blocks of 128 KiB. A block is compressed when that makes it
 * smaller, else stored raw:
 *
 * - matches from a hash of 4 bytes, with a chain of earlier positions for
 *   levels above 1 (`2^(level − 1)` candidates, at most 16), the three
 *   repeat offsets tried first (they cost a repeat code), extended backwards;
 * - literals Huffman-coded (`zstd_literals.ts`), sequences with the
 *   the cheapest FSE tables (`zstd_sequences.ts`).
 *
 * It compresses less than the zstd library at the same level (no lazy
 * matching, no per-block FSE tables); the README's codec table has ratios
 * and speeds.
 *
 * @module
 */

import { MAX_OFFSET_CODE } from "./zstd_entropy.ts";
import { type Sequences, writeSequences } from "./zstd_sequences.ts";
import { writeLiterals } from "./zstd_literals.ts";

const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const BLOCK_SIZE = 128 * 1024;
const MIN_MATCH = 4;
/** Frames above this size use an 8 MiB window (the size every decoder supports) rather than one segment. */
const MAX_WINDOW = 8 * 1024 * 1024;
const HASH_LOG = 16;
const CHAIN_LOG = 17;
const CHAIN_MASK = (1 << CHAIN_LOG) - 1;
/**
 * The skip grows by one every 2^SKIP_STRENGTH positions without a match, so incompressible data
 * costs little. 4 (lz4 uses 6): 5× the speed on the benchmark's random-letter records for 4 % of
 * their ratio, and the same ratio on JSON records.
 */
const SKIP_STRENGTH = 4;

/** Newest position + 1 per hash of 4 bytes (0: none); cleared per frame. */
const head = new Int32Array(1 << HASH_LOG);
/** Previous position + 1 with the same hash, by position mod 2^CHAIN_LOG. */
const chain = new Int32Array(1 << CHAIN_LOG);
const seq: Sequences = {
  lit: new Uint32Array(BLOCK_SIZE / MIN_MATCH + 1),
  match: new Uint32Array(BLOCK_SIZE / MIN_MATCH + 1),
  off: new Uint32Array(BLOCK_SIZE / MIN_MATCH + 1),
  count: 0,
};
const literals = new Uint8Array(BLOCK_SIZE);
/** A compressed block before it is known to be smaller than the raw one (sequences can cost ~2.5 bytes per input byte at worst). */
const blockOut = new Uint8Array(BLOCK_SIZE * 3 + 1024);

const read32 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
const hash4 = (v: number) => Math.imul(v, -1640531535) >>> (32 - HASH_LOG);

/** Length of the common run of `src` at `a` and `b` (b < a), up to `limit` (exclusive, for `a`). */
function extend(src: Uint8Array, a: number, b: number, limit: number): number {
  const start = a;
  while (a + 4 <= limit && read32(src, a) === read32(src, b)) {
    a += 4;
    b += 4;
  }
  while (a < limit && src[a] === src[b]) {
    a++;
    b++;
  }
  return a - start;
}

/**
 * The most `zstdCompress` writes for `n` bytes (every block raw).
 *
 * @example Usage
 * ```ts
 * import { zstdCompressBound } from "./zstd_compress.ts";
 * console.assert(zstdCompressBound(0) >= 9);
 * ```
 */
export function zstdCompressBound(n: number): number {
  return n + 3 * Math.max(1, Math.ceil(n / BLOCK_SIZE)) + 18;
}

/** The frame header for `n` bytes of content; returns the position after it and the window. */
function writeFrameHeader(n: number, out: Uint8Array): { pos: number; window: number } {
  let pos = 0;
  for (const b of MAGIC) out[pos++] = b;
  const single = n <= MAX_WINDOW;
  const fcsFlag = single && n < 256 ? 0 : single && n < 65792 ? 1 : n < 2 ** 32 ? 2 : 3;
  out[pos++] = (fcsFlag << 6) | (single ? 1 << 5 : 0);
  if (!single) out[pos++] = (23 - 10) << 3; // Window_Descriptor: 2^23 = 8 MiB
  const fcs = fcsFlag === 1 ? n - 256 : n;
  const fcsBytes = [1, 2, 4, 8][fcsFlag]!;
  for (let i = 0; i < fcsBytes; i++) out[pos++] = Math.floor(fcs / 2 ** (8 * i)) & 0xff;
  return { pos, window: single ? n : MAX_WINDOW };
}

/**
 * The level's chain depth: how many earlier positions with the same hash
 * are tried. More than 16 found nothing longer on record batches (level 9,
 * 256 candidates: ×5.29 against ×5.30 at level 3) at a quarter of the speed.
 */
function depthOf(level: number): number {
  const l = level === 0 ? 3 : level;
  return l <= 1 ? 1 : Math.min(16, 2 ** (l - 1));
}

/**
 * Compresses `src` into one zstd frame at `level` (zstd's scale: 0 is the
 * default 3; negative levels are as fast as 1 here; 22 tries the most
 * candidates).
 *
 * @example Usage
 * ```ts
 * import { zstdCompress } from "./zstd_compress.ts";
 * const data = new TextEncoder().encode('{"user":42,"action":"click"}'.repeat(100));
 * const frame = zstdCompress(data, 3);
 * console.assert(frame[0] === 0x28 && frame.length < data.length / 10);
 * ```
 */
export function zstdCompress(src: Uint8Array, level: number): Uint8Array {
  const n = src.length;
  const out = new Uint8Array(zstdCompressBound(n));
  let { pos, window } = writeFrameHeader(n, out);
  // Offsets stay below the window (and within the offset codes of the predefined table).
  const maxDistance = Math.min(window - 1, 2 ** (MAX_OFFSET_CODE + 1) - 4);
  const depth = depthOf(level);
  head.fill(0);
  reps[0] = 1;
  reps[1] = 4;
  reps[2] = 8;
  if (n === 0) {
    out[pos++] = 1; // last, raw, size 0
    out[pos++] = 0;
    out[pos++] = 0;
    return out.subarray(0, pos);
  }
  for (let start = 0; start < n; start += BLOCK_SIZE) {
    const end = Math.min(n, start + BLOCK_SIZE);
    const last = end === n ? 1 : 0;
    const repsBefore = reps.slice();
    findSequences(src, start, end, maxDistance, depth);
    const size = encodeBlock(seq, literals);
    if (size < end - start) {
      writeBlockHeader(out, pos, last | (2 << 1) | (size << 3));
      out.set(blockOut.subarray(0, size), pos + 3);
      pos += 3 + size;
    } else {
      reps.set(repsBefore); // a raw block leaves the decoder's offset history as it was
      writeBlockHeader(out, pos, last | ((end - start) << 3));
      out.set(src.subarray(start, end), pos + 3);
      pos += 3 + end - start;
    }
  }
  return out.subarray(0, pos);
}

function writeBlockHeader(out: Uint8Array, pos: number, v: number): void {
  out[pos] = v & 0xff;
  out[pos + 1] = (v >> 8) & 0xff;
  out[pos + 2] = (v >> 16) & 0xff;
}

/** How many literals `findSequences` collected for the block. */
let literalCount = 0;
/**
 * The decoder's three most recent offsets, as it will hold them after the
 * sequences found so far (1, 4, 8 at the start of a frame). Only compressed
 * blocks change them, so a block written raw puts back what it found.
 */
const reps = new Int32Array(3);

/**
 * Fills `seq` and `literals` with the block `src[start, end)`: greedy
 * matches against everything before it within `maxDistance`, a repeat
 * offset preferred unless a new one is longer by more than its cost.
 */
function findSequences(src: Uint8Array, start: number, end: number, maxDistance: number, depth: number): void {
  seq.count = 0;
  literalCount = 0;
  let anchor = start;
  let ip = start;
  while (ip + MIN_MATCH <= end) {
    const cur = read32(src, ip);
    let mLen = 0;
    let mOff = 0;
    let repIndex = -1;
    // Repeat offsets: after literals codes 1-3 name reps 0-2; with none before, codes 1-2 name reps 1-2.
    for (let r = ip > anchor ? 0 : 1; r < 3; r++) {
      const o = reps[r]!;
      if (ip - o < 0 || read32(src, ip - o) !== cur) continue;
      const len = MIN_MATCH + extend(src, ip + MIN_MATCH, ip - o + MIN_MATCH, end);
      if (len > mLen) {
        mLen = len;
        mOff = o;
        repIndex = r;
      }
    }
    const h = hash4(cur);
    let cand = head[h]! - 1;
    head[h] = ip + 1;
    if (depth > 1) chain[ip & CHAIN_MASK] = cand + 1;
    // A new offset costs about log2(offset) bits more than a repeat code: worth it if longer by a byte or two.
    const repLen = mLen;
    for (let tries = depth; cand >= 0 && ip - cand <= maxDistance && tries > 0; tries--) {
      if (read32(src, cand) === cur) {
        const len = MIN_MATCH + extend(src, ip + MIN_MATCH, cand + MIN_MATCH, end);
        if (len > mLen && (repIndex < 0 || len > repLen + 1)) {
          mLen = len;
          mOff = ip - cand;
          repIndex = -1;
        }
      }
      if (depth === 1) break;
      const next = chain[cand & CHAIN_MASK]! - 1;
      if (next >= cand || ip - next > CHAIN_MASK) break;
      cand = next;
    }
    if (mLen < MIN_MATCH) {
      ip += 1 + ((ip - anchor) >> SKIP_STRENGTH);
      continue;
    }
    // Backwards over equal literals; a repeat code keeps what it needs before it (literals for rep 0).
    const floor = repIndex === 0 ? anchor + 1 : repIndex > 0 ? (ip > anchor ? anchor + 1 : anchor) : anchor;
    while (ip > floor && ip - mOff > 0 && src[ip - 1] === src[ip - 1 - mOff]) {
      ip--;
      mLen++;
    }
    const litLen = ip - anchor;
    literals.set(src.subarray(anchor, ip), literalCount);
    literalCount += litLen;
    const i = seq.count++;
    seq.lit[i] = litLen;
    seq.match[i] = mLen;
    if (repIndex < 0) {
      seq.off[i] = mOff + 3;
      reps[2] = reps[1]!;
      reps[1] = reps[0]!;
      reps[0] = mOff;
    } else {
      seq.off[i] = litLen > 0 ? repIndex + 1 : repIndex;
      if (repIndex === 2) reps[2] = reps[1]!;
      if (repIndex > 0) {
        reps[1] = reps[0]!;
        reps[0] = mOff;
      }
    }
    ip += mLen;
    anchor = ip;
    // Index a position inside the match too: the next record often starts the same way.
    if (ip - 2 > start && ip + 2 <= end) {
      const p = ip - 2;
      const h2 = hash4(read32(src, p));
      if (depth > 1) chain[p & CHAIN_MASK] = head[h2]!;
      head[h2] = p + 1;
    }
  }
  literals.set(src.subarray(anchor, end), literalCount);
  literalCount += end - anchor;
}

/** Writes literals and sequences of the block into `blockOut`; returns its size. */
function encodeBlock(s: Sequences, lits: Uint8Array): number {
  const p = writeLiterals(lits, 0, literalCount, blockOut, 0);
  return writeSequences(s, blockOut, p);
}
