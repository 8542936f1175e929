/**
 * zstd's literals section (RFC 8878 §3.1.1.3.1, written from the format
 * description): raw, RLE, or Huffman-coded in 1 or 4 streams with a tree
 * description in the direct (4-bit weight) representation.
 *
 * Code lengths come from a Huffman tree limited to 11 bits (the format's
 * maximum) and made complete, since the decoder derives the last weight by
 * completing to a power of two. The direct representation describes
 * symbols up to 128; literals with a larger byte value, or too few to pay
 * for a tree, are written raw.
 *
 * @module
 */

import { BitWriter, buildFseTable, fseEncode, fseInit, normalize, writeNCount } from "./zstd_entropy.ts";

/** The format's longest Huffman code. */
const MAX_BITS = 11;
/** Fewer literals than this are written raw: the tree and headers would cost more than they save. */
const MIN_HUFFMAN = 64;

const counts = new Uint32Array(256);
const lengths = new Uint8Array(256);
const codes = new Uint16Array(256);
/** Scratch for the Huffman streams (grown as needed). */
let scratch = new Uint8Array(1 << 17);

/**
 * The most a literals section of `n` literals can take (a raw one, with its
 * 3-byte header).
 *
 * @example Usage
 * ```ts
 * import { literalsBound } from "./zstd_literals.ts";
 * console.assert(literalsBound(100) === 103);
 * ```
 */
export function literalsBound(n: number): number {
  return n + 3;
}

/** Writes a raw (type 0) or RLE (type 1) literals header for `n` literals. */
function writeSimpleHeader(type: 0 | 1, n: number, out: Uint8Array, pos: number): number {
  if (n < 32) {
    out[pos++] = type | (n << 3);
  } else if (n < 4096) {
    out[pos++] = type | (1 << 2) | ((n & 0xf) << 4);
    out[pos++] = n >> 4;
  } else {
    out[pos++] = type | (3 << 2) | ((n & 0xf) << 4);
    out[pos++] = (n >> 4) & 0xff;
    out[pos++] = n >> 12;
  }
  return pos;
}

/**
 * Writes the literals section for `lits[from, to)` into `out` at `pos`,
 * choosing the smallest of raw, RLE and Huffman; returns the position after
 * it.
 *
 * @example Usage
 * ```ts
 * import { writeLiterals } from "./zstd_literals.ts";
 * const text = new TextEncoder().encode("abracadabra, abracadabra! ".repeat(20));
 * const out = new Uint8Array(text.length + 3);
 * console.assert(writeLiterals(text, 0, text.length, out, 0) < text.length);
 * ```
 */
export function writeLiterals(lits: Uint8Array, from: number, to: number, out: Uint8Array, pos: number): number {
  const n = to - from;
  counts.fill(0);
  let maxSymbol = 0;
  for (let i = from; i < to; i++) counts[lits[i]!]!++;
  let distinct = 0;
  for (let s = 0; s < 256; s++) {
    if (counts[s]! > 0) {
      distinct++;
      maxSymbol = s;
    }
  }
  if (n > 0 && distinct === 1) {
    pos = writeSimpleHeader(1, n, out, pos);
    out[pos++] = lits[from]!;
    return pos;
  }
  if (n >= MIN_HUFFMAN) {
    const end = writeHuffman(lits, from, to, maxSymbol, out, pos);
    if (end > 0) return end;
  }
  pos = writeSimpleHeader(0, n, out, pos);
  out.set(lits.subarray(from, to), pos);
  return pos + n;
}

/**
 * Code lengths for `counts[0..maxSymbol]` (at least two present): a Huffman
 * tree, lengths capped at 11 bits, then made exactly complete (Kraft sum
 * 1). Returns the longest length.
 */
function buildLengths(maxSymbol: number): number {
  const symbols: number[] = [];
  for (let s = 0; s <= maxSymbol; s++) {
    lengths[s] = 0;
    if (counts[s]! > 0) symbols.push(s);
  }
  symbols.sort((a, b) => counts[a]! - counts[b]! || a - b);
  const leaves = symbols.length;
  // Two-queue Huffman: leaves in ascending count, internal nodes in creation order (also ascending).
  const weight = new Float64Array(2 * leaves - 1);
  const parent = new Int32Array(2 * leaves - 1);
  for (let i = 0; i < leaves; i++) weight[i] = counts[symbols[i]!]!;
  let leaf = 0;
  let inner = leaves;
  for (let k = leaves; k < 2 * leaves - 1; k++) {
    let pick = 0;
    for (let j = 0; j < 2; j++) {
      const node = leaf < leaves && (inner >= k || weight[leaf]! <= weight[inner]!) ? leaf++ : inner++;
      parent[node] = k;
      pick += weight[node]!;
    }
    weight[k] = pick;
  }
  const depth = new Int32Array(2 * leaves - 1);
  for (let k = 2 * leaves - 3; k >= 0; k--) depth[k] = depth[parent[k]!]! + 1;
  for (let i = 0; i < leaves; i++) lengths[symbols[i]!] = Math.min(depth[i]!, MAX_BITS);
  // Kraft sum in units of 2^-MAX_BITS; capping may have overfilled it: lengthen the
  // longest codes still short of the cap (the rarest symbols) until it fits.
  const full = 1 << MAX_BITS;
  let kraft = 0;
  for (const s of symbols) kraft += 1 << (MAX_BITS - lengths[s]!);
  while (kraft > full) {
    let best = -1;
    for (const s of symbols) if (lengths[s]! < MAX_BITS && (best < 0 || lengths[s]! > lengths[best]!)) best = s;
    if (best < 0) break;
    kraft -= 1 << (MAX_BITS - lengths[best]! - 1);
    lengths[best]!++;
  }
  // Under-full (after lengthening): shorten the longest codes whose gain still fits.
  while (kraft < full) {
    let best = -1;
    for (const s of symbols) {
      const gain = 1 << (MAX_BITS - lengths[s]!);
      if (lengths[s]! > 1 && kraft + gain <= full && (best < 0 || lengths[s]! > lengths[best]!)) best = s;
    }
    if (best < 0) break;
    kraft += 1 << (MAX_BITS - lengths[best]!);
    lengths[best]!--;
  }
  let longest = 0;
  for (const s of symbols) longest = Math.max(longest, lengths[s]!);
  return longest;
}

/**
 * Canonical codes from the lengths, as the decoder assigns them: by weight
 * ascending (longest codes first), then symbol order, each taking
 * 2^(weight − 1) slots of the 2^longest table.
 */
function assignCodes(maxSymbol: number, longest: number): void {
  let slot = 0;
  for (let weight = 1; weight <= longest; weight++) {
    const len = longest + 1 - weight;
    for (let s = 0; s <= maxSymbol; s++) {
      if (lengths[s] !== len) continue;
      codes[s] = slot >> (weight - 1);
      slot += 1 << (weight - 1);
    }
  }
}

/** Encodes `lits[from, to)` as one Huffman stream, last literal first; returns the end. */
function writeStream(lits: Uint8Array, from: number, to: number, out: Uint8Array, pos: number): number {
  const w = new BitWriter(out, pos);
  for (let i = to - 1; i >= from; i--) {
    const s = lits[i]!;
    w.add(codes[s]!, lengths[s]!);
  }
  return w.close();
}

/**
 * A Huffman-coded literals section, or 0 when it would not be smaller than
 * the raw one.
 */
function writeHuffman(lits: Uint8Array, from: number, to: number, maxSymbol: number, out: Uint8Array, pos: number): number {
  const n = to - from;
  const longest = buildLengths(maxSymbol);
  let bits = 0;
  for (let s = 0; s <= maxSymbol; s++) bits += counts[s]! * lengths[s]!;
  if ((bits >> 3) + 16 >= n) return 0;
  assignCodes(maxSymbol, longest);

  if (scratch.length < n + 64) scratch = new Uint8Array(n + n / 4 + 64);
  // Tree description: weights of symbols 0..maxSymbol-1 (the last one's is implied).
  const weights = new Uint8Array(maxSymbol);
  for (let s = 0; s < maxSymbol; s++) weights[s] = lengths[s] ? longest + 1 - lengths[s]! : 0;
  let p = writeFseWeights(weights, longest, scratch, 0);
  if (p < 0) {
    // Direct representation: 4 bits a weight, up to 128 of them.
    if (maxSymbol > 128) return 0;
    p = 0;
    scratch[p++] = 127 + maxSymbol;
    for (let s = 0; s < maxSymbol; s += 2) scratch[p++] = (weights[s]! << 4) | (s + 1 < maxSymbol ? weights[s + 1]! : 0);
  }
  const single = n <= 1023;
  if (single) {
    p = writeStream(lits, from, to, scratch, p);
  } else {
    const segment = (n + 3) >> 2;
    const jump = p;
    p += 6;
    for (let k = 0; k < 4; k++) {
      const start = p;
      p = writeStream(lits, from + Math.min(n, k * segment), from + Math.min(n, (k + 1) * segment), scratch, p);
      if (k < 3) {
        scratch[jump + 2 * k] = (p - start) & 0xff;
        scratch[jump + 2 * k + 1] = (p - start) >> 8;
      }
    }
  }
  const size = p;
  // Size_Format: 00 one stream (10-bit sizes); 01, 10, 11 four streams with 10-, 14-, 18-bit sizes.
  const largest = Math.max(n, size);
  const headerSize = single ? 3 : largest < 1024 ? 3 : largest < 16384 ? 4 : 5;
  if (single && size > 1023) return 0;
  if (headerSize + size >= n + 3) return 0;
  if (headerSize === 3) {
    const format = single ? 0 : 1;
    const v = 2 | (format << 2) | (n << 4) | (size << 14); // 24 bits
    out[pos++] = v & 0xff;
    out[pos++] = (v >> 8) & 0xff;
    out[pos++] = (v >> 16) & 0xff;
  } else if (headerSize === 4) {
    const v = (2 | (2 << 2) | (n << 4)) + size * 2 ** 18; // 32 bits
    for (let i = 0; i < 4; i++) out[pos++] = Math.floor(v / 2 ** (8 * i)) & 0xff;
  } else {
    const v = (2 | (3 << 2) | (n << 4)) + size * 2 ** 22; // 40 bits
    for (let i = 0; i < 5; i++) out[pos++] = Math.floor(v / 2 ** (8 * i)) & 0xff;
  }
  out.set(scratch.subarray(0, size), pos);
  return pos + size;
}

const weightCounts = new Uint32Array(13);

/**
 * The Huffman weights FSE-coded (`headerByte` < 128): a table description
 * (accuracy 6 at most), then one backward bitstream with two interleaved
 * states, even weights from the first and odd ones from the second. Returns
 * the end, or −1 when the direct representation is to be used (fewer than
 * two weights, or the coded form takes 128 bytes or more).
 */
function writeFseWeights(weights: Uint8Array, longest: number, out: Uint8Array, pos: number): number {
  const k = weights.length;
  if (k < 2) return -1;
  weightCounts.fill(0);
  for (let i = 0; i < k; i++) weightCounts[weights[i]!]!++;
  let maxWeight = 0;
  for (let w = 0; w <= longest; w++) if (weightCounts[w]! > 0) maxWeight = w;
  if (maxWeight === 0) return -1;
  const log = 6;
  const norm = normalize(weightCounts, maxWeight, k, log);
  // A state of a symbol above half the table reads no bits, and the decoder stops at the first read
  // past the stream's start: cap every symbol at half so the last update always reads.
  const half = 1 << (log - 1);
  for (let w = 0; w <= maxWeight; w++) {
    let excess = norm[w]! - half;
    for (let v = 0; excess > 0 && v <= maxWeight; v++) {
      if (v === w || norm[v] === 0) continue;
      const room = Math.min(excess, half - norm[v]!);
      if (room > 0) {
        norm[v]! += room;
        norm[w]! -= room;
        excess -= room;
      }
    }
    if (excess > 0) return -1;
  }
  const start = pos++;
  pos = writeNCount(norm, log, out, pos);
  const table = buildFseTable(Array.from(norm), log);
  const w = new BitWriter(out, pos);
  // Index i belongs to state i & 1; the last two start their states, the rest are encoded backwards.
  const states = [0, 0];
  states[(k - 1) & 1] = fseInit(table, weights[k - 1]!);
  states[(k - 2) & 1] = fseInit(table, weights[k - 2]!);
  for (let i = k - 3; i >= 0; i--) states[i & 1] = fseEncode(table, states[i & 1]!, weights[i]!, w);
  w.add(states[1]!, log);
  w.add(states[0]!, log);
  pos = w.close();
  const size = pos - start - 1;
  if (size >= 128) return -1;
  out[start] = size;
  return pos;
}
