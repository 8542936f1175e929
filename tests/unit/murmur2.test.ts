/**
 * murmur2 and the keyed partitioner against Kafka's own Java code
 * (`Utils.murmur2`, `Utils.toPositive(h) % n`).
 *
 * The fixture tests/unit/fixtures/murmur2_vectors.json was made with Kafka 4.4.0's kafka-clients by
 * tests/kafka/Murmur2Vectors.java (from the repository root):
 *
 *   LONG=$(python3 -c "print('ключ'*100)") && EMOJI=$(python3 -c "print('🔑'*70)") && \
 *   bash tests/kafka/kafka.sh --libs broker java tests/kafka/Murmur2Vectors.java --binary 20240611 --array \
 *     "é" "éé" "ééé" "€" "€€" "𝄞" "a𝄞" "ab𝄞" "abc𝄞" "👨‍👩‍👧‍👦" "日本語のキー" "Ωmega-ключ-🔑-键" \
 *     "key with spaces" "tab	inside" 'quote"back\slash' "$LONG" "$EMOJI" \
 *     > tests/unit/fixtures/murmur2_vectors.json
 *
 * (the tab in "tab	inside" is a literal tab). It holds the generator's built-in string keys, the
 * extra string keys above (2-, 3- and 4-byte UTF-8, ZWJ emoji, keys longer than murmur2String's
 * 256-byte scratch), and 123 binary keys, three per length 0..40, from `java.util.Random(20240611)`
 * (every tail length, bytes ≥ 0x80 that are not UTF-8). For each: Java's signed murmur2 and the
 * partition for 1, 3, 6, 7 and 100 partitions.
 */

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { murmur2, murmur2String, partitionForKey } from "../../src/producer/murmur2.ts";

interface Vector {
  key?: string;
  keyHex?: string;
  murmur2: number;
  p: Record<string, number>;
}

const VECTORS: Vector[] = JSON.parse(readFileSync(join(import.meta.dir, "fixtures", "murmur2_vectors.json"), "utf8"));
const stringVectors = VECTORS.filter((v) => v.key !== undefined);
const binaryVectors = VECTORS.filter((v) => v.keyHex !== undefined);
const utf8 = new TextEncoder();

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

describe("fixture", () => {
  test("covers what the test claims", () => {
    expect(stringVectors.length).toBe(33);
    expect(binaryVectors.length).toBe(123);
    const lengths = new Set(binaryVectors.map((v) => v.keyHex!.length / 2));
    expect([...lengths].sort((a, b) => a - b)).toEqual(Array.from({ length: 41 }, (_, i) => i));
    // Some binary keys are not valid UTF-8, so the bytes path is really exercised.
    const strict = new TextDecoder("utf-8", { fatal: true });
    const invalid = binaryVectors.filter((v) => {
      try {
        strict.decode(fromHex(v.keyHex!));
        return false;
      } catch {
        return true;
      }
    });
    expect(invalid.length).toBeGreaterThan(100);
    // Non-ASCII keys with 2-, 3- and 4-byte characters, and keys past the 256-byte scratch.
    expect(stringVectors.some((v) => utf8.encode(v.key!).length > 256 && /[^\x00-\x7f]/.test(v.key!))).toBe(true);
    expect(stringVectors.map((v) => v.key)).toContain("🔑");
    expect(stringVectors.map((v) => v.key)).toContain("é");
    expect(stringVectors.map((v) => v.key)).toContain("键");
    // Hashes of both signs, so `& 0x7fffffff` (not Math.abs) matters.
    expect(VECTORS.some((v) => v.murmur2 < 0)).toBe(true);
    expect(VECTORS.some((v) => v.murmur2 > 0)).toBe(true);
  });
});

describe("murmur2 of bytes", () => {
  test.each(binaryVectors.map((v) => [v.keyHex!, v] as const))("binary key %p matches Java", (hex, v) => {
    expect(murmur2(fromHex(hex))).toBe(v.murmur2);
  });

  test.each(stringVectors.map((v) => [v.key!, v] as const))("UTF-8 bytes of %p match Java", (key, v) => {
    expect(murmur2(utf8.encode(key))).toBe(v.murmur2);
  });

  test("returns a signed 32-bit integer", () => {
    for (const v of VECTORS) {
      const h = v.keyHex !== undefined ? murmur2(fromHex(v.keyHex)) : murmur2String(v.key!);
      expect(Number.isInteger(h)).toBe(true);
      expect(h | 0).toBe(h);
    }
  });

  test("the length argument hashes a prefix, as hashing that prefix alone", () => {
    // murmur2String relies on this: it hashes the first n bytes of a reused, larger scratch.
    for (const v of binaryVectors.filter((v) => v.keyHex!.length >= 2)) {
      const bytes = fromHex(v.keyHex!);
      const padded = new Uint8Array(bytes.length + 7);
      padded.set(bytes);
      padded.fill(0xaa, bytes.length);
      expect(murmur2(padded, bytes.length)).toBe(v.murmur2);
    }
  });

  test("a view into a larger buffer hashes only the view", () => {
    const v = binaryVectors.find((v) => v.keyHex!.length / 2 === 13)!;
    const bytes = fromHex(v.keyHex!);
    const big = new Uint8Array(64).fill(0x5c);
    big.set(bytes, 20);
    expect(murmur2(big.subarray(20, 20 + bytes.length))).toBe(v.murmur2);
  });
});

describe("murmur2String", () => {
  test.each(stringVectors.map((v) => [v.key!, v] as const))("%p matches Java", (key, v) => {
    expect(murmur2String(key)).toBe(v.murmur2);
  });

  test("is not affected by what a previous, longer key left in its scratch", () => {
    // Alternate long and short, ASCII and not: stale scratch bytes must never be hashed.
    const byKey = new Map(stringVectors.map((v) => [v.key!, v.murmur2]));
    const order = [...byKey.keys()].sort((a, b) => utf8.encode(b).length - utf8.encode(a).length);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < order.length; i++) {
        const key = order[(i * 7 + round) % order.length]!;
        expect(murmur2String(key)).toBe(byKey.get(key)!);
      }
    }
  });
});

describe("partitionForKey", () => {
  const counts = ["1", "3", "6", "7", "100"];

  test.each(stringVectors.map((v) => [v.key!, v] as const))("string key %p lands where Java puts it", (key, v) => {
    for (const n of counts) {
      expect(partitionForKey(key, Number(n))).toBe(v.p[n]!);
      expect(partitionForKey(utf8.encode(key), Number(n))).toBe(v.p[n]!);
    }
  });

  test.each(binaryVectors.map((v) => [v.keyHex!, v] as const))("binary key %p lands where Java puts it", (hex, v) => {
    for (const n of counts) expect(partitionForKey(fromHex(hex), Number(n))).toBe(v.p[n]!);
  });

  test("uses (h & 0x7fffffff) % n, not Math.abs", () => {
    // For a negative hash the two differ (by one, before the modulo); Java's toPositive is the mask.
    const negative = VECTORS.filter((v) => v.murmur2 < 0);
    let differs = 0;
    for (const v of negative) {
      const key = v.keyHex !== undefined ? fromHex(v.keyHex) : v.key!;
      expect(partitionForKey(key, 100)).toBe((v.murmur2 & 0x7fffffff) % 100);
      if (Math.abs(v.murmur2) % 100 !== v.p["100"]) differs++;
    }
    expect(differs).toBeGreaterThan(0);
  });
});
