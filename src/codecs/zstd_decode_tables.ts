/**
 * The tables a zstd decoder builds (RFC 8878, written from the format
 * description): FSE decoding tables from a normalized distribution or a
 * table description, the backward bit reader, and Huffman tables from a
 * tree description (direct or FSE-coded weights). Used by
 * `zstd_decompress.ts`.
 *
 * @module
 */

import { highBit, LL_NORM, ML_NORM, OF_NORM } from "./zstd_entropy.ts";

/** The error for malformed zstd data, naming what is wrong. */
export const corrupt = (what: string): RangeError => new RangeError(`Invalid zstd data: ${what}`);

/** An FSE decoding table: per state, its symbol, and how to get the next state. */
export interface DTable {
  readonly log: number;
  readonly symbol: Uint8Array;
  readonly nbBits: Uint8Array;
  readonly base: Uint16Array;
}

export function buildDTable(norm: readonly number[], log: number): DTable {
  const size = 1 << log;
  const symbol = new Uint8Array(size);
  const next = new Uint16Array(norm.length);
  let high = size - 1;
  for (let s = 0; s < norm.length; s++) {
    if (norm[s] === -1) {
      symbol[high--] = s;
      next[s] = 1;
    } else {
      next[s] = norm[s]!;
    }
  }
  const step = (size >> 1) + (size >> 3) + 3;
  let pos = 0;
  for (let s = 0; s < norm.length; s++) {
    for (let i = 0; i < norm[s]!; i++) {
      symbol[pos] = s;
      do pos = (pos + step) & (size - 1); while (pos > high);
    }
  }
  if (pos !== 0) throw corrupt("FSE table does not fill");
  const nbBits = new Uint8Array(size);
  const base = new Uint16Array(size);
  for (let u = 0; u < size; u++) {
    const x = next[symbol[u]!]!++;
    nbBits[u] = log - highBit(x);
    base[u] = (x << nbBits[u]!) - size;
  }
  return { log, symbol, nbBits, base };
}

/** The table of `RLE_Mode`: one symbol, no bits. */
export const rleTable = (s: number): DTable => ({ log: 0, symbol: Uint8Array.of(s), nbBits: new Uint8Array(1), base: new Uint16Array(1) });
/** The decoding tables of `Predefined_Mode`. */
export const LL_DEFAULT: DTable = buildDTable(LL_NORM, 6);
export const ML_DEFAULT: DTable = buildDTable(ML_NORM, 6);
export const OF_DEFAULT: DTable = buildDTable(OF_NORM, 5);

/** Reads a backward bitstream `src[start, end)`: the last bytes first, from the end mark down. */
export class BackReader {
  readonly #src: Uint8Array;
  readonly #start: number;
  /** Bits left, counted from the stream's first byte; below 0 the reads give zeros. */
  bit: number;

  constructor(src: Uint8Array, start: number, end: number) {
    if (end <= start || src[end - 1] === 0) throw corrupt("bitstream without its end mark");
    this.#src = src;
    this.#start = start;
    this.bit = (end - start - 1) * 8 + highBit(src[end - 1]!);
  }

  read(n: number): number {
    if (n === 0) return 0;
    if (n > 24) {
      const hi = this.read(n - 24);
      return hi * (1 << 24) + this.read(24);
    }
    this.bit -= n;
    let at = this.bit;
    let shiftIn = 0;
    if (at < 0) {
      shiftIn = -at;
      if (shiftIn >= n) return 0;
      at = 0;
    }
    const i = this.#start + (at >> 3);
    const s = this.#src;
    const word = (s[i]! | ((s[i + 1] ?? 0) << 8) | ((s[i + 2] ?? 0) << 16) | ((s[i + 3] ?? 0) << 24)) >>> (at & 7);
    return ((word & ((1 << (n - shiftIn)) - 1)) << shiftIn) >>> 0;
  }
}

/** Parses an FSE table description at `pos` (forward bits); returns the table and the position after it. */
export function readNCount(src: Uint8Array, pos: number, maxLog: number, maxSymbol: number): { table: DTable; pos: number } {
  let bit = pos * 8;
  const peek = (n: number) => {
    const i = bit >> 3;
    const w = (src[i] ?? 0) | ((src[i + 1] ?? 0) << 8) | ((src[i + 2] ?? 0) << 16) | ((src[i + 3] ?? 0) << 24);
    return (w >>> (bit & 7)) & ((1 << n) - 1);
  };
  const log = peek(4) + 5;
  bit += 4;
  if (log > maxLog) throw corrupt(`FSE accuracy log ${log} above ${maxLog}`);
  const norm: number[] = [];
  let remaining = (1 << log) + 1;
  let threshold = 1 << log;
  let nbBits = log + 1;
  while (remaining > 1) {
    if (norm.length > maxSymbol) throw corrupt("FSE table has too many symbols");
    const max = 2 * threshold - 1 - remaining;
    let count: number;
    const low = peek(nbBits - 1);
    if (low < max) {
      count = low;
      bit += nbBits - 1;
    } else {
      count = peek(nbBits);
      if (count >= threshold) count -= max;
      bit += nbBits;
    }
    count--;
    remaining -= count < 0 ? -count : count;
    norm.push(count);
    if (count === 0) {
      for (;;) {
        const repeat = peek(2);
        bit += 2;
        for (let r = 0; r < repeat; r++) norm.push(0);
        if (repeat !== 3) break;
      }
    }
    while (remaining < threshold) {
      nbBits--;
      threshold >>= 1;
    }
  }
  if (remaining !== 1 || norm.length > maxSymbol + 1) throw corrupt("FSE table description");
  return { table: buildDTable(norm, log), pos: (bit + 7) >> 3 };
}

/** A Huffman decoding table: the symbol and code length for every `maxBits`-bit prefix. */
export interface HTable {
  readonly maxBits: number;
  readonly symbol: Uint8Array;
  readonly length: Uint8Array;
}

/** Reads a Huffman tree description at `pos`; returns the table and the position after it. */
export function readHuffmanTree(src: Uint8Array, pos: number): { table: HTable; pos: number } {
  const header = src[pos++]!;
  const weights: number[] = [];
  if (header >= 128) {
    const count = header - 127;
    for (let i = 0; i < count; i++) weights.push(i & 1 ? src[pos + (i >> 1)]! & 15 : src[pos + (i >> 1)]! >> 4);
    pos += (count + 1) >> 1;
  } else {
    const end = pos + header;
    const { table, pos: start } = readNCount(src, pos, 6, 255);
    const r = new BackReader(src, start, end);
    let s1 = r.read(table.log);
    let s2 = r.read(table.log);
    for (;;) {
      weights.push(table.symbol[s1]!);
      s1 = table.base[s1]! + r.read(table.nbBits[s1]!);
      if (r.bit < 0) {
        weights.push(table.symbol[s2]!);
        break;
      }
      weights.push(table.symbol[s2]!);
      s2 = table.base[s2]! + r.read(table.nbBits[s2]!);
      if (r.bit < 0) {
        weights.push(table.symbol[s1]!);
        break;
      }
      if (weights.length > 255) throw corrupt("too many Huffman weights");
    }
    pos = end;
  }
  let total = 0;
  for (const w of weights) if (w > 0) total += 1 << (w - 1);
  if (total === 0) throw corrupt("Huffman tree without weights");
  const maxBits = highBit(total) + 1;
  const rest = (1 << maxBits) - total;
  if (maxBits > 11 || (rest & (rest - 1)) !== 0) throw corrupt("Huffman weights do not complete a tree");
  weights.push(highBit(rest) + 1);
  const size = 1 << maxBits;
  const symbol = new Uint8Array(size);
  const length = new Uint8Array(size);
  let slot = 0;
  for (let w = 1; w <= maxBits; w++) {
    for (let s = 0; s < weights.length; s++) {
      if (weights[s] !== w) continue;
      const span = 1 << (w - 1);
      symbol.fill(s, slot, slot + span);
      length.fill(maxBits + 1 - w, slot, slot + span);
      slot += span;
    }
  }
  return { table: { maxBits, symbol, length }, pos };
}

/** Decodes one Huffman stream `src[start, end)` into `out[from, to)`; it must be consumed exactly. */
export function decodeHuffmanStream(src: Uint8Array, start: number, end: number, t: HTable, out: Uint8Array, from: number, to: number): void {
  const r = new BackReader(src, start, end);
  for (let i = from; i < to; i++) {
    // Peek maxBits (zeros past the start), then give back what the code did not use.
    const v = r.read(t.maxBits);
    out[i] = t.symbol[v]!;
    r.bit += t.maxBits - t.length[v]!;
  }
  if (r.bit !== 0) throw corrupt("Huffman stream not consumed exactly");
}
