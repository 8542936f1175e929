/**
 * Snappy as Kafka writes it (`compression.type=snappy`, codec id 2): the
 * stream framing of xerial snappy-java's `SnappyOutputStream`, which Kafka's
 * Java client uses and every Kafka reader (the broker, librdkafka, franz-go,
 * the Java consumer) expects.
 *
 * - A 16-byte header: the magic `0x82 "SNAPPY" 0x00`, then the version (1)
 *   and the oldest compatible version (1) as 4-byte big-endian integers.
 *   snappy-java writes it even for empty input.
 * - The input in chunks of 32 KiB (snappy-java's default block size), each
 *   a raw Snappy block after its 4-byte big-endian size.
 *
 * @module
 */

import { snappyBound, snappyCompress, snappyDecompress } from "./snappy_block.ts";

const HEADER = Uint8Array.of(0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1);
const MAGIC_SIZE = 8;
const BLOCK_SIZE = 32 * 1024;

/**
 * Compresses `data` as snappy-java's stream format.
 *
 * With `into` at least {@linkcode xerialBound} bytes long, the stream is
 * written there and a view of it returned (no allocation).
 *
 * @example Usage
 * ```ts
 * import { xerialCompress, xerialDecompress } from "./snappy_xerial.ts";
 * const data = new TextEncoder().encode('{"id":1,"name":"x"}'.repeat(100));
 * const packed = xerialCompress(data);
 * console.assert(packed[0] === 0x82 && xerialDecompress(packed).length === data.length);
 * ```
 */
export function xerialCompress(data: Uint8Array, into?: Uint8Array): Uint8Array {
  const bound = xerialBound(data.length);
  const out = into !== undefined && into.length >= bound ? into : new Uint8Array(bound);
  out.set(HEADER);
  let pos = HEADER.length;
  for (let start = 0; start < data.length; start += BLOCK_SIZE) {
    const end = Math.min(start + BLOCK_SIZE, data.length);
    const after = snappyCompress(data, out, { start, end, out: pos + 4 });
    const size = after - pos - 4;
    out[pos] = size >>> 24;
    out[pos + 1] = (size >>> 16) & 0xff;
    out[pos + 2] = (size >>> 8) & 0xff;
    out[pos + 3] = size & 0xff;
    pos = after;
  }
  return out.subarray(0, pos);
}

/**
 * Decompresses snappy-java's stream format (any block size); input without
 * the stream header is read as one raw Snappy block, as snappy-java does.
 *
 * @throws RangeError if the data is malformed.
 *
 * @example Usage
 * ```ts
 * import { xerialCompress, xerialDecompress } from "./snappy_xerial.ts";
 * console.assert(xerialDecompress(xerialCompress(new Uint8Array(0))).length === 0);
 * ```
 */
export function xerialDecompress(data: Uint8Array): Uint8Array {
  const framed = data.length >= HEADER.length && HEADER.subarray(0, MAGIC_SIZE).every((b, i) => data[i] === b);
  if (!framed) return snappyDecompress(data);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let pos = HEADER.length; pos < data.length;) {
    if (pos + 4 > data.length) throw new RangeError("Truncated snappy-java chunk");
    const size = ((data[pos]! << 24) | (data[pos + 1]! << 16) | (data[pos + 2]! << 8) | data[pos + 3]!) >>> 0;
    pos += 4;
    if (pos + size > data.length) throw new RangeError("Truncated snappy-java chunk");
    const part = snappyDecompress(data.subarray(pos, pos + size));
    parts.push(part);
    total += part.length;
    pos += size;
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
 * The most bytes {@linkcode xerialCompress} writes for `n` bytes of input.
 *
 * @example Usage
 * ```ts
 * import { xerialBound } from "./snappy_xerial.ts";
 * console.assert(xerialBound(0) === 16);
 * ```
 */
export function xerialBound(n: number): number {
  return HEADER.length + Math.ceil(n / BLOCK_SIZE) * (4 + snappyBound(BLOCK_SIZE));
}
