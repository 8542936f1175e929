/**
 * zstd's entropy coding as the compressor needs it (RFC 8878, written from
 * the format description): the backward bitstream, FSE encoding tables
 * (the predefined ones built once, fitted ones from normalized counts, and
 * their table description), and the literal-length, match-length and
 * offset codes. `zstd_sequences.ts` chooses the tables and writes a
 * block's sequences with them.
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

/** The index of the highest set bit of `v` (> 0). */
export const highBit = (v: number): number => 31 - Math.clz32(v);

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
export const LL_NORM: readonly number[] = [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1];
/** Match-length default distribution (accuracy log 6). */
export const ML_NORM: readonly number[] = [
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
];
/** Offset-code default distribution (accuracy log 5; codes up to 28). */
export const OF_NORM: readonly number[] = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];

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
