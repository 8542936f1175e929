/**
 * zstd's entropy coding as the compressor needs it (RFC 8878, written from
 * the format description): the backward bitstream, FSE encoding with the
 * predefined distributions, and the literal-length, match-length and offset
 * codes.
 *
 * Sequences are always written in `Predefined_Mode`: the three default
 * distributions of the format cover every code, so no table description is
 * written, and the encoding tables are built once. (zstd's own compressor
 * writes tables fitted to each block; that gains a few percent on large
 * blocks, and costs a table description and a histogram per block.)
 *
 * @module
 */

/**
 * A forward bit writer, least significant bit first, whose stream a zstd
 * decoder reads backwards: the last value added is the first one read.
 * `close` adds the end mark (a 1 bit) and pads to a byte.
 *
 * @example Usage
 * ```ts
 * import { BitWriter } from "./zstd_entropy.ts";
 * const out = new Uint8Array(4);
 * const w = new BitWriter(out, 0);
 * w.add(0b0000, 4); w.add(0b0001, 4); w.add(0b01, 2); w.add(0b1, 1);
 * console.assert(w.close() === 2 && out[0] === 0b00010000 && out[1] === 0b00001101);
 * ```
 */
export class BitWriter {
  /** Where the bytes go; sized by the caller for the worst case. */
  readonly out: Uint8Array;
  /** The next byte to write. */
  pos: number;
  /** Bits not yet written (fewer than 8 between calls). */
  #acc = 0;
  /** How many bits `#acc` holds. */
  #n = 0;

  constructor(out: Uint8Array, pos: number) {
    this.out = out;
    this.pos = pos;
  }

  /** Adds the low `bits` bits of `value` (0–31 bits). */
  add(value: number, bits: number): void {
    if (bits > 24) {
      this.add(value & 0xffffff, 24);
      this.add(value >>> 24, bits - 24);
      return;
    }
    this.#acc |= (value & ((1 << bits) - 1)) << this.#n;
    this.#n += bits;
    while (this.#n >= 8) {
      this.out[this.pos++] = this.#acc & 0xff;
      this.#acc >>>= 8;
      this.#n -= 8;
    }
  }

  /** Adds the end mark, writes the last byte; returns the position after it. */
  close(): number {
    this.add(1, 1);
    if (this.#n > 0) this.out[this.pos++] = this.#acc & 0xff;
    this.#acc = 0;
    this.#n = 0;
    return this.pos;
  }
}

/** An FSE encoding table (zstd's `FSE_CTable`), built from a normalized distribution. */
export interface FseTable {
  /** The accuracy log: states are `2^log … 2^(log+1) − 1`. */
  readonly log: number;
  /** Next state by `(state >> nbBits) + deltaFind[symbol]`. */
  readonly states: Uint16Array;
  /** Per symbol: how many bits a state gives up, `(state + deltaNbBits) >> 16`. */
  readonly deltaNbBits: Int32Array;
  /** Per symbol: where its states start in `states`. */
  readonly deltaFind: Int32Array;
}

const highBit = (v: number) => 31 - Math.clz32(v);

/**
 * Builds the encoding table of a normalized distribution (`-1` = "less than
 * one"), laid out as the format's decoding table is: "less than one"
 * symbols at the end, the others spread with step `size/2 + size/8 + 3`.
 *
 * @example Usage
 * ```ts
 * import { buildFseTable } from "./zstd_entropy.ts";
 * const t = buildFseTable([2, 1, 1], 2);
 * console.assert(t.states.length === 4 && t.log === 2);
 * ```
 */
export function buildFseTable(norm: readonly number[], log: number): FseTable {
  const size = 1 << log;
  const mask = size - 1;
  let high = size - 1;
  const symbolAt = new Uint8Array(size);
  const cumul = new Int32Array(norm.length + 1);
  for (let s = 0; s < norm.length; s++) {
    if (norm[s] === -1) {
      cumul[s + 1] = cumul[s]! + 1;
      symbolAt[high--] = s;
    } else {
      cumul[s + 1] = cumul[s]! + norm[s]!;
    }
  }
  const step = (size >> 1) + (size >> 3) + 3;
  let pos = 0;
  for (let s = 0; s < norm.length; s++) {
    for (let i = 0; i < norm[s]!; i++) {
      symbolAt[pos] = s;
      do pos = (pos + step) & mask; while (pos > high);
    }
  }
  const states = new Uint16Array(size);
  const next = cumul.slice();
  for (let u = 0; u < size; u++) states[next[symbolAt[u]!]!++] = size + u;
  const deltaNbBits = new Int32Array(norm.length);
  const deltaFind = new Int32Array(norm.length);
  let total = 0;
  for (let s = 0; s < norm.length; s++) {
    const n = norm[s]!;
    if (n === -1 || n === 1) {
      deltaNbBits[s] = (log << 16) - size;
      deltaFind[s] = total - 1;
      total++;
    } else if (n > 1) {
      const maxBitsOut = log - highBit(n - 1);
      deltaNbBits[s] = (maxBitsOut << 16) - (n << maxBitsOut);
      deltaFind[s] = total - n;
      total += n;
    }
  }
  return { log, states, deltaNbBits, deltaFind };
}

/**
 * The first state of an encoder, for the last symbol of the stream.
 *
 * @example Usage
 * ```ts
 * import { LL_TABLE, fseInit } from "./zstd_entropy.ts";
 * const s = fseInit(LL_TABLE, 0);
 * console.assert(s >= 64 && s < 128);
 * ```
 */
export function fseInit(t: FseTable, symbol: number): number {
  const d = t.deltaNbBits[symbol]!;
  const nbBits = (d + (1 << 15)) >> 16;
  return t.states[((((nbBits << 16) - d) >> nbBits) + t.deltaFind[symbol]!)]!;
}

/**
 * Encodes `symbol` from `state`: writes the bits the decoder reads to come
 * back to `state`, returns the new state.
 *
 * @example Usage
 * ```ts
 * import { BitWriter, LL_TABLE, fseEncode, fseInit } from "./zstd_entropy.ts";
 * const w = new BitWriter(new Uint8Array(8), 0);
 * const s = fseEncode(LL_TABLE, fseInit(LL_TABLE, 1), 0, w);
 * console.assert(s >= 64 && s < 128);
 * ```
 */
export function fseEncode(t: FseTable, state: number, symbol: number, w: BitWriter): number {
  const nbBits = (state + t.deltaNbBits[symbol]!) >> 16;
  w.add(state, nbBits);
  return t.states[(state >> nbBits) + t.deltaFind[symbol]!]!;
}

/** Literal-length default distribution (accuracy log 6). */
const LL_NORM = [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1];
/** Match-length default distribution (accuracy log 6). */
const ML_NORM = [
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
];
/** Offset-code default distribution (accuracy log 5; codes up to 28). */
const OF_NORM = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];

/** The literal-length table of `Predefined_Mode`. */
export const LL_TABLE: FseTable = buildFseTable(LL_NORM, 6);
/** The match-length table of `Predefined_Mode`. */
export const ML_TABLE: FseTable = buildFseTable(ML_NORM, 6);
/** The offset table of `Predefined_Mode`. */
export const OF_TABLE: FseTable = buildFseTable(OF_NORM, 5);
/** The largest offset code the predefined offset table has (offsets below 2^29 − 3). */
export const MAX_OFFSET_CODE = 28;

/** Baselines and extra bits of literal-length codes 16–35. */
const LL_BASE = [16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];
const LL_EXTRA = [1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
/** Baselines (match length) and extra bits of match-length codes 32–52. */
const ML_BASE = [35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539];
const ML_EXTRA = [1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

/** Code of literal lengths below 64 (above: from the top bit). */
const LL_CODE_SMALL = new Uint8Array(64);
/** Code of match lengths − 3 below 128 (above: from the top bit). */
const ML_CODE_SMALL = new Uint8Array(128);
for (let v = 0; v < 64; v++) {
  let code = v;
  if (v >= 16) for (let c = 0; c < LL_BASE.length && LL_BASE[c]! <= v; c++) code = 16 + c;
  LL_CODE_SMALL[v] = code;
}
for (let v = 0; v < 128; v++) {
  let code = v;
  if (v >= 32) for (let c = 0; c < ML_BASE.length && ML_BASE[c]! - 3 <= v; c++) code = 32 + c;
  ML_CODE_SMALL[v] = code;
}

/**
 * The literal-length code of `length` (0–131071).
 *
 * @example Usage
 * ```ts
 * import { llCode } from "./zstd_entropy.ts";
 * console.assert(llCode(15) === 15 && llCode(17) === 16 && llCode(64) === 25 && llCode(65536) === 35);
 * ```
 */
export function llCode(length: number): number {
  return length < 64 ? LL_CODE_SMALL[length]! : highBit(length) + 19;
}

/**
 * The match-length code of `length` (3–131074).
 *
 * @example Usage
 * ```ts
 * import { mlCode } from "./zstd_entropy.ts";
 * console.assert(mlCode(3) === 0 && mlCode(35) === 32 && mlCode(131) === 43 && mlCode(65539) === 52);
 * ```
 */
export function mlCode(length: number): number {
  const base = length - 3;
  return base < 128 ? ML_CODE_SMALL[base]! : highBit(base) + 36;
}

/** Extra bits and baseline of literal-length code `code`. */
export function llExtra(code: number): { bits: number; base: number } {
  return code < 16 ? { bits: 0, base: code } : { bits: LL_EXTRA[code - 16]!, base: LL_BASE[code - 16]! };
}

/** Extra bits and baseline (a match length) of match-length code `code`. */
export function mlExtra(code: number): { bits: number; base: number } {
  return code < 32 ? { bits: 0, base: code + 3 } : { bits: ML_EXTRA[code - 32]!, base: ML_BASE[code - 32]! };
}

/** Extra bits per literal-length code (0 below 16). */
export const LL_BITS: Uint8Array = Uint8Array.from({ length: 36 }, (_, c) => llExtra(c).bits);
/** Baseline per literal-length code. */
export const LL_BASELINE: Int32Array = Int32Array.from({ length: 36 }, (_, c) => llExtra(c).base);
/** Extra bits per match-length code (0 below 32). */
export const ML_BITS: Uint8Array = Uint8Array.from({ length: 53 }, (_, c) => mlExtra(c).bits);
/** Baseline (a match length) per match-length code. */
export const ML_BASELINE: Int32Array = Int32Array.from({ length: 53 }, (_, c) => mlExtra(c).base);

/** A block's sequences, as parallel arrays (one entry per sequence). */
export interface Sequences {
  /** Literal lengths. */
  readonly lit: Uint32Array;
  /** Match lengths (≥ 3). */
  readonly match: Uint32Array;
  /** Offset values: 1–3 repeat codes, else offset + 3. */
  readonly off: Uint32Array;
  /** How many entries are used. */
  count: number;
}

/** Which table a symbol type is written with, and the table. */
interface Choice {
  /** `Compression_Mode`: 0 predefined, 1 RLE, 2 FSE-compressed. */
  mode: number;
  table: FseTable;
}

/** Bits to code `counts` with a distribution `norm` of accuracy `log` (−1 counts as 1). */
function costOf(counts: Uint32Array, maxSymbol: number, norm: ArrayLike<number>, log: number): number {
  let bits = 0;
  for (let s = 0; s <= maxSymbol; s++) {
    const c = counts[s]!;
    if (c === 0) continue;
    const p = norm[s]! === -1 ? 1 : norm[s]!;
    if (p <= 0) return Infinity;
    bits += c * (log - Math.log2(p));
  }
  return bits;
}

/**
 * Normalizes `counts` (total `n`) to sum `2^log`, every present symbol at
 * least 1; the largest symbols absorb the rounding.
 *
 * @example Usage
 * ```ts
 * import { normalize } from "./zstd_entropy.ts";
 * const norm = normalize(Uint32Array.of(90, 9, 1), 2, 100, 5);
 * console.assert(norm[0]! + norm[1]! + norm[2]! === 32 && norm[2] === 1);
 * ```
 */
export function normalize(counts: Uint32Array, maxSymbol: number, n: number, log: number): Int32Array {
  const scale = 1 << log;
  const norm = new Int32Array(maxSymbol + 1);
  let sum = 0;
  let largest = 0;
  for (let s = 0; s <= maxSymbol; s++) {
    const c = counts[s]!;
    if (c === 0) continue;
    norm[s] = Math.max(1, Math.round((c * scale) / n));
    sum += norm[s]!;
    if (norm[s]! > norm[largest]!) largest = s;
  }
  if (sum < scale) norm[largest]! += scale - sum;
  while (sum > scale) {
    // Take from the largest, one at a time, never below 1.
    let big = -1;
    for (let s = 0; s <= maxSymbol; s++) if (norm[s]! > 1 && (big < 0 || norm[s]! > norm[big]!)) big = s;
    norm[big]!--;
    sum--;
  }
  return norm;
}

/**
 * Writes an FSE table description (the format's `FSE_Table_Description`);
 * returns the end.
 *
 * @example Usage
 * ```ts
 * import { writeNCount } from "./zstd_entropy.ts";
 * const out = new Uint8Array(8);
 * console.assert(writeNCount(Int32Array.of(16, 16), 5, out, 0) > 0);
 * ```
 */
export function writeNCount(norm: Int32Array, log: number, out: Uint8Array, pos: number): number {
  let acc = log - 5;
  let nAcc = 4;
  const put = (v: number, bits: number) => {
    acc |= v << nAcc;
    nAcc += bits;
    while (nAcc >= 8) {
      out[pos++] = acc & 0xff;
      acc >>>= 8;
      nAcc -= 8;
    }
  };
  let remaining = (1 << log) + 1;
  let threshold = 1 << log;
  let nbBits = log + 1;
  let s = 0;
  while (remaining > 1) {
    const count = norm[s++]!;
    const max = 2 * threshold - 1 - remaining;
    remaining -= count < 0 ? -count : count;
    let value = count + 1;
    if (value >= threshold) value += max;
    put(value, value < max ? nbBits - 1 : nbBits);
    if (count === 0) {
      // The zeros that follow, in 2-bit groups (3 means "and more").
      let zeros = 0;
      while (norm[s + zeros] === 0) zeros++;
      s += zeros;
      for (; zeros >= 3; zeros -= 3) put(3, 2);
      put(zeros, 2);
    }
    while (remaining < threshold) {
      nbBits--;
      threshold >>= 1;
    }
  }
  if (nAcc > 0) out[pos++] = acc & 0xff;
  return pos;
}

/**
 * The cheapest table for a symbol type's `counts`: RLE for a single symbol,
 * else the predefined one or one fitted to this block (its description
 * written at `out[pos]`), whichever costs fewer bits.
 */
function choose(counts: Uint32Array, n: number, predefinedNorm: readonly number[], predefined: FseTable, maxLog: number, out: Uint8Array, at: { pos: number }): Choice {
  let maxSymbol = 0;
  let distinct = 0;
  for (let s = 0; s < counts.length; s++) {
    if (counts[s]! > 0) {
      maxSymbol = s;
      distinct++;
    }
  }
  if (distinct === 1 && n > 1) {
    out[at.pos++] = maxSymbol;
    return { mode: 1, table: buildFseTable([...new Array(maxSymbol).fill(0), 1], 0) };
  }
  const base = costOf(counts, maxSymbol, predefinedNorm, predefined.log);
  if (n < 32) return { mode: 0, table: predefined };
  const log = Math.max(5, Math.min(maxLog, highBit(n - 1) - 1, 31), Math.min(maxLog, highBit(maxSymbol) + 2));
  const norm = normalize(counts, maxSymbol, n, log);
  const headerEnd = writeNCount(norm, log, out, at.pos);
  const fitted = costOf(counts, maxSymbol, norm, log) + (headerEnd - at.pos) * 8;
  if (fitted >= base) return { mode: 0, table: predefined };
  at.pos = headerEnd;
  return { mode: 2, table: buildFseTable(Array.from(norm), log) };
}

const llCounts = new Uint32Array(36);
const mlCounts = new Uint32Array(53);
const ofCounts = new Uint32Array(32);
let llCodes = new Uint8Array(1024);
let mlCodes = new Uint8Array(1024);
let ofCodes = new Uint8Array(1024);

/**
 * Writes a block's sequences section into `out` at `pos`; returns the
 * position after it. Each symbol type gets its cheapest table (`choose`).
 * The bitstream holds the sequences last to first, so the decoder reads
 * them first to last.
 *
 * @example No sequences
 * ```ts
 * import { writeSequences } from "./zstd_entropy.ts";
 * const out = new Uint8Array(4);
 * const seq = { lit: new Uint32Array(1), match: new Uint32Array(1), off: new Uint32Array(1), count: 0 };
 * console.assert(writeSequences(seq, out, 0) === 1 && out[0] === 0);
 * ```
 */
export function writeSequences(seq: Sequences, out: Uint8Array, pos: number): number {
  const n = seq.count;
  if (n < 128) {
    out[pos++] = n;
  } else if (n < 0x7f00) {
    out[pos++] = (n >> 8) + 0x80;
    out[pos++] = n & 0xff;
  } else {
    out[pos++] = 0xff;
    out[pos++] = (n - 0x7f00) & 0xff;
    out[pos++] = (n - 0x7f00) >> 8;
  }
  if (n === 0) return pos;
  const { lit, match, off } = seq;
  if (llCodes.length < n) {
    llCodes = new Uint8Array(n);
    mlCodes = new Uint8Array(n);
    ofCodes = new Uint8Array(n);
  }
  llCounts.fill(0);
  mlCounts.fill(0);
  ofCounts.fill(0);
  for (let i = 0; i < n; i++) {
    llCounts[(llCodes[i] = llCode(lit[i]!))]!++;
    mlCounts[(mlCodes[i] = mlCode(match[i]!))]!++;
    ofCounts[(ofCodes[i] = highBit(off[i]!))]!++;
  }
  const modes = pos++;
  const at = { pos };
  const LL = choose(llCounts, n, LL_NORM, LL_TABLE, 9, out, at);
  const OF = choose(ofCounts, n, OF_NORM, OF_TABLE, 8, out, at);
  const ML = choose(mlCounts, n, ML_NORM, ML_TABLE, 9, out, at);
  out[modes] = (LL.mode << 6) | (OF.mode << 4) | (ML.mode << 2);
  const w = new BitWriter(out, at.pos);
  const last = n - 1;
  let ll = llCodes[last]!;
  let ml = mlCodes[last]!;
  let of = ofCodes[last]!;
  let sML = fseInit(ML.table, ml);
  let sOF = fseInit(OF.table, of);
  let sLL = fseInit(LL.table, ll);
  w.add(lit[last]! - LL_BASELINE[ll]!, LL_BITS[ll]!);
  w.add(match[last]! - ML_BASELINE[ml]!, ML_BITS[ml]!);
  w.add(off[last]! - (1 << of), of);
  for (let i = n - 2; i >= 0; i--) {
    ll = llCodes[i]!;
    ml = mlCodes[i]!;
    of = ofCodes[i]!;
    // The decoder updates literal length, match length, then offset state; written in reverse.
    sOF = fseEncode(OF.table, sOF, of, w);
    sML = fseEncode(ML.table, sML, ml, w);
    sLL = fseEncode(LL.table, sLL, ll, w);
    // It reads offset, match-length, then literal-length extra bits; written in reverse.
    w.add(lit[i]! - LL_BASELINE[ll]!, LL_BITS[ll]!);
    w.add(match[i]! - ML_BASELINE[ml]!, ML_BITS[ml]!);
    w.add(off[i]! - (1 << of), of);
  }
  // The decoder reads the literal-length state first, then offset, then match length.
  w.add(sML, ML.table.log);
  w.add(sOF, OF.table.log);
  w.add(sLL, LL.table.log);
  return w.close();
}
