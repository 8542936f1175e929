/**
 * A zstd block's sequences section (RFC 8878 §3.1.1.3.2, written from the
 * format description): for literal lengths, offsets and match lengths each,
 * the cheapest of the predefined table, RLE (one symbol) or a table fitted
 * to the block (its description written first), then the sequences in one
 * backward FSE bitstream.
 *
 * @module
 */

import {
  BitWriter,
  buildFseTable,
  type FseTable,
  fseEncode,
  fseInit,
  highBit,
  LL_BASELINE,
  LL_BITS,
  LL_NORM,
  LL_TABLE,
  llCode,
  ML_BASELINE,
  ML_BITS,
  ML_NORM,
  ML_TABLE,
  mlCode,
  normalize,
  OF_NORM,
  OF_TABLE,
  writeNCount,
} from "./zstd_entropy.ts";

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
 * import { writeSequences } from "./zstd_sequences.ts";
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
