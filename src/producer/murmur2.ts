/**
 * Java-compatible murmur2, as Kafka's `Utils.murmur2`: keyed records must
 * land on the partition the Java producer picks, so this must match it bit
 * for bit (seed `0x9747b28c`, m `0x5bd1e995`, r 24, 32-bit wrapping maths,
 * tail bytes falling through 3 → 2 → 1).
 *
 * @module
 */

import { utf8Length } from "../protocol/writer.ts";

const M = 0x5bd1e995;
const SEED = 0x9747b28c;

/** Scratch for the UTF-8 of non-ASCII string keys (reused; grows as needed). */
let scratch = new Uint8Array(256);
const encoder = new TextEncoder();

/**
 * murmur2 of `data`, as a signed 32-bit integer (Java's `int`).
 *
 * @example Usage
 * ```ts
 * import { murmur2 } from "@edgekafka/producer";
 * console.assert(murmur2(new TextEncoder().encode("kafka")) === murmur2(new TextEncoder().encode("kafka")));
 * ```
 */
export function murmur2(data: Uint8Array, length = data.length): number {
  let h = (SEED ^ length) | 0;
  const end4 = length & ~3;
  for (let i = 0; i < end4; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The tail bytes, falling through 3 → 2 → 1 as Java's switch does.
  const tail = length & 3;
  if (tail >= 3) h ^= data[end4 + 2]! << 16;
  if (tail >= 2) h ^= data[end4 + 1]! << 8;
  if (tail >= 1) {
    h ^= data[end4]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * murmur2 of a string's UTF-8 bytes, without allocating for ASCII strings.
 *
 * @example Usage
 * ```ts
 * import { murmur2 } from "@edgekafka/producer";
 * import { murmur2String } from "./murmur2.ts";
 * console.assert(murmur2String("ключ") === murmur2(new TextEncoder().encode("ключ")));
 * ```
 */
export function murmur2String(s: string): number {
  const n = utf8Length(s);
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  if (n === s.length) {
    for (let i = 0; i < n; i++) scratch[i] = s.charCodeAt(i);
  } else {
    encoder.encodeInto(s, scratch);
  }
  return murmur2(scratch, n);
}

/**
 * The partition Kafka's default partitioner picks for a key:
 * `(murmur2(key) & 0x7fffffff) % numPartitions`, over all partitions.
 *
 * @example Usage
 * ```ts
 * import { partitionForKey } from "@edgekafka/producer";
 * const p = partitionForKey("user-42", 6);
 * console.assert(p >= 0 && p < 6);
 * ```
 */
export function partitionForKey(key: Uint8Array | string, numPartitions: number): number {
  const h = typeof key === "string" ? murmur2String(key) : murmur2(key);
  return (h & 0x7fffffff) % numPartitions;
}
