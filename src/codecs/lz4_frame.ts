/**
 * LZ4 as Kafka writes it (`compression.type=lz4`, codec id 3): the LZ4 frame
 * format as Kafka's `Lz4BlockOutputStream` writes it for record batches
 * (magic v2), written from the LZ4 frame format description.
 *
 * - Magic `0x184D2204` (little-endian), then the frame descriptor: FLG
 *   `0x60` (version 01, independent blocks; no block checksums, no content
 *   size, no content checksum) and BD `0x40` (64 KiB maximum block size),
 *   then the header checksum: byte 1 of the xxHash32 (seed 0) of FLG and BD,
 *   `0x82` (the correct checksum: Kafka writes a broken one only for the
 *   magic v0 message format, which this producer never writes).
 * - The input in 64 KiB blocks, each an independent LZ4 block after its
 *   4-byte little-endian size, or stored as is with the size's high bit set
 *   when compressing did not make it smaller.
 * - The end mark: a zero size.
 *
 * @module
 */

import { compressBlock, decompressBlock, lz4BlockBound } from "./lz4_block.ts";
import { xxhash32 } from "./xxhash32.ts";

/** Kafka's default, minimum and maximum `compression.lz4.level` (lz4-java's). */
export const LZ4_LEVELS = Object.freeze({ min: 1, max: 17, default: 9 });

const MAGIC = 0x184d2204;
const FLG = 0x60;
const BD = 0x40;
const BLOCK_SIZE = 64 * 1024;
const INCOMPRESSIBLE = 0x80000000;
const HEADER_SIZE = 7;

/**
 * The chain finder's search depth for `level`: 0 (the fast finder) at
 * Kafka's default level, as Kafka does; else 4·2^(level − 1) candidates,
 * at most 4096 (levels 11–17 search alike).
 */
export function lz4Attempts(level: number): number {
  return level === LZ4_LEVELS.default ? 0 : Math.min(4 << (level - 1), 4096);
}

function writeLE32(dst: Uint8Array, at: number, v: number): void {
  dst[at] = v & 0xff;
  dst[at + 1] = (v >>> 8) & 0xff;
  dst[at + 2] = (v >>> 16) & 0xff;
  dst[at + 3] = v >>> 24;
}

const readLE32 = (b: Uint8Array, i: number) => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;

/**
 * Compresses `data` into one Kafka LZ4 frame at `level` (1–17; 9, Kafka's
 * default, uses the fast match finder).
 *
 * With `into` at least {@linkcode lz4FrameBound} bytes long, the frame is
 * written there and a view of it returned (no allocation).
 *
 * @example Usage
 * ```ts
 * import { lz4FrameCompress, lz4FrameDecompress } from "./lz4_frame.ts";
 * const data = new TextEncoder().encode('{"id":1,"name":"x"}'.repeat(100));
 * const frame = lz4FrameCompress(data, 9);
 * console.assert(frame.length < data.length && lz4FrameDecompress(frame).length === data.length);
 * ```
 */
export function lz4FrameCompress(data: Uint8Array, level: number, into?: Uint8Array): Uint8Array {
  const attempts = lz4Attempts(level);
  const bound = lz4FrameBound(data.length);
  const out = into !== undefined && into.length >= bound ? into : new Uint8Array(bound);
  writeLE32(out, 0, MAGIC);
  out[4] = FLG;
  out[5] = BD;
  out[6] = (xxhash32(out.subarray(4, 6)) >>> 8) & 0xff;
  let pos = HEADER_SIZE;
  for (let start = 0; start < data.length; start += BLOCK_SIZE) {
    const end = Math.min(start + BLOCK_SIZE, data.length);
    const after = compressBlock(data, out, { start, end, out: pos + 4, attempts });
    const size = after - pos - 4;
    if (size >= end - start) {
      // Stored: compressing did not shrink it (as Kafka, also when equal).
      writeLE32(out, pos, (end - start) | INCOMPRESSIBLE);
      out.set(data.subarray(start, end), pos + 4);
      pos += 4 + end - start;
    } else {
      writeLE32(out, pos, size);
      pos = after;
    }
  }
  writeLE32(out, pos, 0);
  return out.subarray(0, pos + 4);
}

/**
 * Decompresses an LZ4 frame (any block size, with or without block and
 * content checksums, which are skipped, not verified); checks the magic and
 * the header checksum.
 *
 * @throws RangeError if the frame is malformed.
 *
 * @example Usage
 * ```ts
 * import { lz4FrameCompress, lz4FrameDecompress } from "./lz4_frame.ts";
 * console.assert(lz4FrameDecompress(lz4FrameCompress(new Uint8Array(0), 9)).length === 0);
 * ```
 */
export function lz4FrameDecompress(frame: Uint8Array): Uint8Array {
  if (frame.length < HEADER_SIZE || readLE32(frame, 0) !== MAGIC) throw new RangeError("Not an LZ4 frame");
  const flg = frame[4]!;
  const bd = frame[5]!;
  if (flg >>> 6 !== 1) throw new RangeError(`LZ4 frame version ${flg >>> 6} is not supported`);
  const blockChecksum = (flg & 0x10) !== 0;
  const contentSize = (flg & 0x08) !== 0;
  const descriptorEnd = 6 + (contentSize ? 8 : 0);
  const check = (xxhash32(frame.subarray(4, descriptorEnd)) >>> 8) & 0xff;
  if (frame[descriptorEnd] !== check) throw new RangeError("LZ4 frame header checksum mismatch");
  const maxBlock = 1 << (2 * ((bd >>> 4) & 7) + 8);
  const parts: Uint8Array[] = [];
  let total = 0;
  let pos = descriptorEnd + 1;
  for (;;) {
    if (pos + 4 > frame.length) throw new RangeError("Truncated LZ4 frame");
    const word = readLE32(frame, pos);
    pos += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (pos + size > frame.length) throw new RangeError("Truncated LZ4 frame");
    const body = frame.subarray(pos, pos + size);
    const part = (word & INCOMPRESSIBLE) !== 0 ? body : decompressBlock(body, maxBlock);
    parts.push(part);
    total += part.length;
    pos += size + (blockChecksum ? 4 : 0);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * The most bytes {@linkcode lz4FrameCompress} writes for `n` bytes of input.
 *
 * @example Usage
 * ```ts
 * import { lz4FrameBound } from "./lz4_frame.ts";
 * console.assert(lz4FrameBound(0) === 11);
 * ```
 */
export function lz4FrameBound(n: number): number {
  return HEADER_SIZE + Math.ceil(n / BLOCK_SIZE) * (4 + lz4BlockBound(BLOCK_SIZE)) + 4;
}
