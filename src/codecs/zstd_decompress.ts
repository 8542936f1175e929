/**
 * A zstd decompressor in TypeScript (RFC 8878, written from the format
 * description): every frame any zstd compressor writes — raw, RLE and
 * compressed blocks; raw, RLE, Huffman and treeless literals with direct or
 * FSE-coded weights; predefined, RLE, FSE and repeat sequence tables;
 * skippable frames. Dictionaries are not supported (Kafka uses none); the
 * content checksum is skipped, not checked (the record batch has a CRC).
 *
 * The producer only needs it to read batches back (tests, tools) where
 * the runtime has no zstd of its own.
 *
 * @module
 */

import { LL_BASELINE, LL_BITS, ML_BASELINE, ML_BITS } from "./zstd_entropy.ts";
import {
  BackReader,
  corrupt,
  decodeHuffmanStream,
  type DTable,
  type HTable,
  LL_DEFAULT,
  ML_DEFAULT,
  OF_DEFAULT,
  readHuffmanTree,
  readNCount,
  rleTable,
} from "./zstd_decode_tables.ts";

/** What a frame's blocks carry from one to the next. */
interface FrameState {
  huffman: HTable | null;
  ll: DTable | null;
  of: DTable | null;
  ml: DTable | null;
  readonly reps: number[];
}

/** Decodes a literals section at `pos`; returns the literals and the position after the section. */
function readLiterals(src: Uint8Array, pos: number, st: FrameState): { lits: Uint8Array; pos: number } {
  const b0 = src[pos]!;
  const type = b0 & 3;
  const format = (b0 >> 2) & 3;
  if (type < 2) {
    let size: number;
    if ((format & 1) === 0) {
      size = b0 >> 3;
      pos += 1;
    } else if (format === 1) {
      size = (b0 >> 4) + (src[pos + 1]! << 4);
      pos += 2;
    } else {
      size = (b0 >> 4) + (src[pos + 1]! << 4) + (src[pos + 2]! << 12);
      pos += 3;
    }
    if (type === 0) return { lits: src.subarray(pos, pos + size), pos: pos + size };
    return { lits: new Uint8Array(size).fill(src[pos]!), pos: pos + 1 };
  }
  let regen: number, comp: number;
  const b1 = src[pos + 1]!, b2 = src[pos + 2]!;
  if (format < 2) {
    const v = b0 | (b1 << 8) | (b2 << 16);
    regen = (v >> 4) & 1023;
    comp = (v >> 14) & 1023;
    pos += 3;
  } else if (format === 2) {
    const v = (b0 | (b1 << 8) | (b2 << 16) | (src[pos + 3]! << 24)) >>> 0;
    regen = (v >>> 4) & 16383;
    comp = v >>> 18;
    pos += 4;
  } else {
    const v = (b0 | (b1 << 8) | (b2 << 16) | (src[pos + 3]! << 24)) >>> 0;
    regen = (v >>> 4) & 262143;
    comp = (v >>> 22) + src[pos + 4]! * 1024;
    pos += 5;
  }
  const end = pos + comp;
  if (type === 2) {
    const tree = readHuffmanTree(src, pos);
    st.huffman = tree.table;
    pos = tree.pos;
  } else if (st.huffman === null) {
    throw corrupt("treeless literals without an earlier Huffman table");
  }
  const lits = new Uint8Array(regen);
  if (format === 0) {
    decodeHuffmanStream(src, pos, end, st.huffman!, lits, 0, regen);
  } else {
    const sizes = [src[pos]! | (src[pos + 1]! << 8), src[pos + 2]! | (src[pos + 3]! << 8), src[pos + 4]! | (src[pos + 5]! << 8)];
    const segment = (regen + 3) >> 2;
    let at = pos + 6;
    for (let k = 0; k < 4; k++) {
      const streamEnd = k < 3 ? at + sizes[k]! : end;
      decodeHuffmanStream(src, at, streamEnd, st.huffman!, lits, Math.min(regen, k * segment), Math.min(regen, (k + 1) * segment));
      at = streamEnd;
    }
  }
  return { lits, pos: end };
}

/** Growing output of a frame. */
class Output {
  buf: Uint8Array;
  len = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(Math.max(64, size));
  }
  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.len + n, this.buf.length * 2));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }
}

function table(src: Uint8Array, pos: number, mode: number, fallback: DTable, previous: DTable | null, maxLog: number, maxSymbol: number): { t: DTable; pos: number } {
  if (mode === 0) return { t: fallback, pos };
  if (mode === 1) return { t: rleTable(src[pos]!), pos: pos + 1 };
  if (mode === 2) {
    const r = readNCount(src, pos, maxLog, maxSymbol);
    return { t: r.table, pos: r.pos };
  }
  if (previous === null) throw corrupt("repeat mode without an earlier table");
  return { t: previous, pos };
}

/** Decodes one compressed block `src[pos, end)` into `out`. */
function decodeBlock(src: Uint8Array, pos: number, end: number, st: FrameState, out: Output): void {
  const literal = readLiterals(src, pos, st);
  const lits = literal.lits;
  pos = literal.pos;
  let nbSeq = src[pos++]!;
  if (nbSeq >= 128) nbSeq = nbSeq < 255 ? ((nbSeq - 128) << 8) + src[pos++]! : src[pos++]! + (src[pos++]! << 8) + 0x7f00;
  let litPos = 0;
  if (nbSeq > 0) {
    const modes = src[pos++]!;
    const ll = table(src, pos, modes >> 6, LL_DEFAULT, st.ll, 9, 35);
    const of = table(src, ll.pos, (modes >> 4) & 3, OF_DEFAULT, st.of, 8, 31);
    const ml = table(src, of.pos, (modes >> 2) & 3, ML_DEFAULT, st.ml, 9, 52);
    st.ll = ll.t;
    st.of = of.t;
    st.ml = ml.t;
    const r = new BackReader(src, ml.pos, end);
    let sLL = r.read(ll.t.log), sOF = r.read(of.t.log), sML = r.read(ml.t.log);
    const reps = st.reps;
    for (let i = 0; i < nbSeq; i++) {
      const ofCode = of.t.symbol[sOF]!, mlCode = ml.t.symbol[sML]!, llCode = ll.t.symbol[sLL]!;
      const offValue = 2 ** ofCode + r.read(ofCode);
      const mLen = ML_BASELINE[mlCode]! + r.read(ML_BITS[mlCode]!);
      const lLen = LL_BASELINE[llCode]! + r.read(LL_BITS[llCode]!);
      let offset: number;
      if (offValue > 3) {
        offset = offValue - 3;
        reps[2] = reps[1]!, reps[1] = reps[0]!, reps[0] = offset;
      } else {
        const idx = offValue - 1 + (lLen === 0 ? 1 : 0);
        if (idx === 0) {
          offset = reps[0]!;
        } else {
          offset = idx === 3 ? reps[0]! - 1 : reps[idx]!;
          if (idx !== 1) reps[2] = reps[1]!;
          reps[1] = reps[0]!;
          reps[0] = offset;
        }
      }
      if (litPos + lLen > lits.length) throw corrupt("sequence past the literals");
      out.reserve(lLen + mLen);
      const buf = out.buf;
      buf.set(lits.subarray(litPos, litPos + lLen), out.len);
      litPos += lLen;
      out.len += lLen;
      if (offset > out.len || offset === 0) throw corrupt(`offset ${offset} before the start`);
      for (let k = 0, from = out.len - offset; k < mLen; k++) buf[out.len + k] = buf[from + k]!;
      out.len += mLen;
      if (i < nbSeq - 1) {
        sLL = ll.t.base[sLL]! + r.read(ll.t.nbBits[sLL]!);
        sML = ml.t.base[sML]! + r.read(ml.t.nbBits[sML]!);
        sOF = of.t.base[sOF]! + r.read(of.t.nbBits[sOF]!);
      }
    }
    if (r.bit !== 0) throw corrupt("sequences bitstream not consumed exactly");
  }
  out.reserve(lits.length - litPos);
  out.buf.set(lits.subarray(litPos), out.len);
  out.len += lits.length - litPos;
}

/** Decodes the frame whose header starts at `pos` (after the magic); returns the position after it. */
function decodeFrame(src: Uint8Array, pos: number, out: Output): number {
  const fhd = src[pos++]!;
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  if (fhd & 8) throw corrupt("reserved bit set");
  const didSize = [0, 1, 2, 4][fhd & 3]!;
  if (!single) pos++; // Window_Descriptor: the whole frame stays in memory here
  let dictionary = 0;
  for (let i = 0; i < didSize; i++) dictionary += src[pos++]! * 2 ** (8 * i);
  if (dictionary !== 0) throw new RangeError(`zstd frame needs dictionary ${dictionary}; dictionaries are not supported`);
  const fcsSize = fcsFlag === 0 ? single : [0, 2, 4, 8][fcsFlag]!;
  let fcs = 0;
  for (let i = 0; i < fcsSize; i++) fcs += src[pos++]! * 2 ** (8 * i);
  if (fcsSize === 2) fcs += 256;
  out.reserve(fcs);
  const st: FrameState = { huffman: null, ll: null, of: null, ml: null, reps: [1, 4, 8] };
  for (;;) {
    if (pos + 3 > src.length) throw corrupt("truncated block header");
    const h = src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16);
    pos += 3;
    const type = (h >> 1) & 3;
    const size = h >> 3;
    if (type === 0) {
      if (pos + size > src.length) throw corrupt("truncated raw block");
      out.reserve(size);
      out.buf.set(src.subarray(pos, pos + size), out.len);
      out.len += size;
      pos += size;
    } else if (type === 1) {
      out.reserve(size);
      out.buf.fill(src[pos]!, out.len, out.len + size);
      out.len += size;
      pos += 1;
    } else if (type === 2) {
      if (pos + size > src.length) throw corrupt("truncated compressed block");
      decodeBlock(src, pos, pos + size, st, out);
      pos += size;
    } else {
      throw corrupt("reserved block type");
    }
    if (h & 1) break;
  }
  if (fhd & 4) pos += 4; // Content_Checksum
  return pos;
}

/**
 * Decompresses every zstd frame in `src` (skippable frames skipped).
 *
 * @example Usage
 * ```ts
 * import { zstdCompress } from "./zstd_compress.ts";
 * import { zstdDecompress } from "./zstd_decompress.ts";
 * const data = new TextEncoder().encode("kafka ".repeat(1000));
 * console.assert(zstdDecompress(zstdCompress(data, 3)).length === data.length);
 * ```
 */
export function zstdDecompress(src: Uint8Array): Uint8Array {
  const out = new Output(src.length * 4);
  let pos = 0;
  while (pos < src.length) {
    if (pos + 4 > src.length) throw corrupt("truncated frame");
    const magic = (src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16) | (src[pos + 3]! << 24)) >>> 0;
    pos += 4;
    if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) {
      pos += 4 + (src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16)) + src[pos + 3]! * 2 ** 24;
    } else if (magic === 0xfd2fb528) {
      pos = decodeFrame(src, pos, out);
    } else {
      throw corrupt(`unknown magic number 0x${magic.toString(16)}`);
    }
  }
  return out.buf.slice(0, out.len);
}
