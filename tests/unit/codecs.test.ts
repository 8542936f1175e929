/**
 * The pure-TypeScript codecs against Kafka's own Java codecs: the fixture
 * tests/unit/fixtures/codec_vectors.json holds what Kafka's `Compression`
 * (lz4-java, snappy-java, zstd-jni in the broker's jars) wrote for the inputs
 * of support/codec_cases.ts — regenerate it as that file says. Our
 * decompressors must read every vector; our compressors must round-trip, and
 * where the output is framing only (empty, tiny and incompressible input) it
 * must be byte for byte Kafka's. tests/e2e/codecs_java.test.ts checks the
 * other direction live: Kafka's codecs read what ours write.
 */

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { lz4FrameBound, lz4FrameCompress, lz4FrameDecompress, LZ4_LEVELS } from "../../src/codecs/lz4_frame.ts";
import { lz4, snappy } from "../../src/typescript_codecs.ts";
import { compressBlock, decompressBlock, lz4BlockBound } from "../../src/codecs/lz4_block.ts";
import { snappyBound, snappyCompress, snappyDecompress } from "../../src/codecs/snappy_block.ts";
import { xerialBound, xerialCompress, xerialDecompress } from "../../src/codecs/snappy_xerial.ts";
import { xxhash32 } from "../../src/codecs/xxhash32.ts";
import { codecCases } from "./support/codec_cases.ts";

interface Vector {
  name: string;
  codec: "snappy" | "lz4" | "zstd";
  level: number | null;
  output: string;
}
const fixture = JSON.parse(readFileSync(new URL("./fixtures/codec_vectors.json", import.meta.url), "utf8")) as {
  levels: Record<string, { min: number; max: number; default: number }>;
  vectors: Vector[];
};
const inputs = new Map(codecCases().map((c) => [c.name, c.data]));
const unbase64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
/** Inputs whose compressed form is framing only: every writer's bytes are the same. */
const FRAMING_ONLY = new Set(["empty", "one byte", "short text", "incompressible 33 KiB"]);
const text = (s: string) => new TextEncoder().encode(s);

describe("xxhash32", () => {
  test("matches the reference values", () => {
    expect(xxhash32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxhash32(text("abc"))).toBe(0x32d153ff);
    expect(xxhash32(text("Nobody inspects the spammish repetition"))).toBe(0xe2293b2f);
    expect(xxhash32(text("abc"), 1)).not.toBe(0x32d153ff);
  });
});

describe("the fixture", () => {
  test("covers every case and codec", () => {
    expect(new Set(fixture.vectors.map((v) => v.name))).toEqual(new Set(inputs.keys()));
    expect(fixture.vectors.filter((v) => v.codec === "lz4").length).toBe(inputs.size * 3);
  });

  test("has Kafka's lz4 levels", () => {
    expect(fixture.levels.lz4).toEqual(LZ4_LEVELS);
  });
});

for (const v of fixture.vectors.filter((v) => v.codec !== "zstd")) {
  const input = inputs.get(v.name)!;
  const java = unbase64(v.output);
  const label = `${v.codec}${v.level === null ? "" : ` level ${v.level}`}: ${v.name}`;
  describe(label, () => {
    test("Kafka's output decompresses to the input", () => {
      const out = v.codec === "lz4" ? lz4FrameDecompress(java) : xerialDecompress(java);
      expect(out).toEqual(input);
    });

    test("ours round-trips and has Kafka's framing", () => {
      const ours = v.codec === "lz4" ? lz4FrameCompress(input, v.level ?? LZ4_LEVELS.default) : xerialCompress(input);
      expect(v.codec === "lz4" ? lz4FrameDecompress(ours) : xerialDecompress(ours)).toEqual(input);
      expect(ours.subarray(0, v.codec === "lz4" ? 7 : 16)).toEqual(java.subarray(0, v.codec === "lz4" ? 7 : 16));
      if (FRAMING_ONLY.has(v.name)) expect(ours).toEqual(java);
      // Compressible input shrinks about as much as with Kafka's codec.
      if (!FRAMING_ONLY.has(v.name)) expect(ours.length).toBeLessThan(java.length * 1.25);
    });
  });
}

describe("lz4", () => {
  const records = inputs.get("records 70 KiB")!;

  test("writes Kafka's frame header: FLG 0x60, BD 0x40 (64 KiB blocks), checksum 0x82", () => {
    expect([...lz4FrameCompress(new Uint8Array(0), 9)]).toEqual([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 0, 0, 0, 0]);
  });

  test("stores an incompressible block with the size's high bit set", () => {
    const frame = lz4FrameCompress(inputs.get("incompressible 33 KiB")!, 9);
    const word = new DataView(frame.buffer, frame.byteOffset).getUint32(7, true);
    expect(word >>> 31).toBe(1);
    expect(word & 0x7fffffff).toBe(33 * 1024);
  });

  test("splits input into 64 KiB blocks", () => {
    const frame = lz4FrameCompress(new Uint8Array(200 * 1024), 9);
    const view = new DataView(frame.buffer, frame.byteOffset);
    let blocks = 0;
    for (let pos = 7; ; blocks++) {
      const size = view.getUint32(pos, true) & 0x7fffffff;
      if (size === 0) break;
      expect(decompressBlock(frame.subarray(pos + 4, pos + 4 + size), 65536).length).toBeLessThanOrEqual(65536);
      pos += 4 + size;
    }
    expect(blocks).toBe(4);
  });

  test("levels change the output: the chain finder compresses more than the fast one", () => {
    const fast = lz4FrameCompress(records, 9).length;
    const l3 = lz4FrameCompress(records, 3).length;
    const l12 = lz4FrameCompress(records, 12).length;
    expect(l3).toBeLessThan(fast);
    expect(l12).toBeLessThanOrEqual(l3);
  });

  test("is deterministic", () => {
    expect(lz4FrameCompress(records, 9)).toEqual(lz4FrameCompress(records, 9));
  });

  test("rejects a bad magic, a bad header checksum and a truncated frame", () => {
    const frame = lz4FrameCompress(records, 9);
    expect(() => lz4FrameDecompress(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))).toThrow("Not an LZ4 frame");
    const bad = frame.slice();
    bad[6] ^= 1;
    expect(() => lz4FrameDecompress(bad)).toThrow("header checksum");
    expect(() => lz4FrameDecompress(frame.subarray(0, frame.length - 10))).toThrow(RangeError);
  });

  test("rejects a match before the start of the block", () => {
    expect(() => decompressBlock(Uint8Array.of(0x10, 0x61, 0x05, 0x00), 64)).toThrow("offset 5");
  });
});

describe("snappy", () => {
  test("writes snappy-java's stream header, also for empty input", () => {
    expect([...xerialCompress(new Uint8Array(0))]).toEqual([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  test("writes 32 KiB chunks with big-endian sizes", () => {
    const packed = xerialCompress(new Uint8Array(100 * 1024));
    const view = new DataView(packed.buffer, packed.byteOffset);
    const sizes: number[] = [];
    for (let pos = 16; pos < packed.length; pos += 4 + sizes.at(-1)!) sizes.push(view.getUint32(pos));
    expect(sizes.length).toBe(4);
    let pos = 16;
    const lengths = sizes.map((size) => {
      const n = snappyDecompress(packed.subarray(pos + 4, pos + 4 + size)).length;
      pos += 4 + size;
      return n;
    });
    expect(lengths).toEqual([32768, 32768, 32768, 4096]);
  });

  test("reads a raw block without the stream header", () => {
    expect(new TextDecoder().decode(xerialDecompress(Uint8Array.of(6, 0x04, 0x61, 0x62, 0x01, 0x02)))).toBe("ababab");
  });

  test("rejects a copy before the start and a wrong length", () => {
    expect(() => snappyDecompress(Uint8Array.of(6, 0x00, 0x61, 0x01, 0x02))).toThrow("offset 2");
    expect(() => snappyDecompress(Uint8Array.of(3, 0x00, 0x61))).toThrow("header says 3");
  });
});

/** Seeded letters (as the perf tool's payloads): matches are rare, so the finders' skipping is exercised. */
function letters(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    out[i] = 65 + ((seed >>> 8) % 26);
  }
  return out;
}

/** A 64 KiB block (the largest of Kafka's frames) whose end repeats its start: matches at offsets near 65535. */
function farMatches(): Uint8Array {
  const block = letters(65536, 7);
  block.copyWithin(65536 - 300, 0, 300);
  return block;
}

describe("the match finders' 16-bit tables", () => {
  test("lz4: a full 64 KiB block with matches ~65 KiB back, and its first bytes repeated, round-trips", () => {
    const block = farMatches();
    const dst = new Uint8Array(lz4BlockBound(block.length));
    const end = compressBlock(block, dst, { start: 0, end: block.length, out: 0, attempts: 0 });
    expect(end).toBeLessThan(block.length); // the 300 repeated bytes became a match
    expect(decompressBlock(dst.subarray(0, end), 65536)).toEqual(block);
  });

  test("lz4: a block after a larger one (stale table entries) and one above 64 KiB round-trip", () => {
    const big = letters(70_000, 3);
    big.copyWithin(60_000, 1000, 9000);
    for (const [data, start, stop] of [[farMatches(), 0, 65536], [letters(5000, 9), 100, 4900], [big, 0, big.length]] as const) {
      const dst = new Uint8Array(lz4BlockBound(stop - start));
      const end = compressBlock(data, dst, { start, end: stop, out: 0, attempts: 0 });
      expect(decompressBlock(dst.subarray(0, end), stop - start)).toEqual(data.subarray(start, stop));
    }
  });

  test("snappy: a 64 KiB fragment with far matches, a small one after it, and record-like input round-trip", () => {
    const records = new Uint8Array(40_000);
    for (let pos = 0, i = 0; pos + 108 <= records.length; pos += 108, i++) {
      records.set([0xd8, 0x01, 0, i % 3, i & 0x7f, 1, 0xc8, 1], pos);
      records.set(letters(100, i % 50), pos + 8);
    }
    for (const data of [farMatches(), letters(700, 5), records]) {
      const dst = new Uint8Array(snappyBound(data.length));
      const end = snappyCompress(data, dst, { start: 0, end: data.length, out: 0 });
      expect(end).toBeLessThanOrEqual(snappyBound(data.length));
      expect(snappyDecompress(dst.subarray(0, end))).toEqual(data);
    }
    // Records repeating within 32 KiB (50 distinct values) compress; incompressible input grows by little.
    const packed = xerialCompress(records);
    expect(packed.length).toBeLessThan(records.length / 2);
    const random = letters(32768, 11);
    expect(xerialCompress(random).length).toBeLessThan(random.length + 64);
  });
});

describe("compressing into a given buffer (compressTransient)", () => {
  const inputs = [new Uint8Array(0), letters(100, 3), letters(70_000, 5), new TextEncoder().encode('{"id":7}'.repeat(20_000))];
  test("lz4 and snappy write the same bytes into a reused buffer as into their own, input after input", () => {
    const lz4Into = new Uint8Array(lz4FrameBound(200_000));
    const snappyInto = new Uint8Array(xerialBound(200_000));
    for (const input of [...inputs, ...inputs.slice().reverse()]) {
      const a = lz4FrameCompress(input, 9, lz4Into);
      expect(a.buffer).toBe(lz4Into.buffer);
      expect(Array.from(a)).toEqual(Array.from(lz4FrameCompress(input, 9)));
      const b = xerialCompress(input, snappyInto);
      expect(b.buffer).toBe(snappyInto.buffer);
      expect(Array.from(b)).toEqual(Array.from(xerialCompress(input)));
    }
    // A buffer below the bound is not used.
    expect(lz4FrameCompress(inputs[2]!, 9, new Uint8Array(10)).length).toBeGreaterThan(10);
  });

  test("the codecs' compressTransient reuses one buffer and reads back as compress does", () => {
    for (const codec of [lz4, snappy]) {
      // The larger input first: the buffer it grows to serves the smaller one after it.
      const first = codec.compressTransient!(inputs[3]!, 9);
      const copy = first.slice();
      const second = codec.compressTransient!(inputs[1]!, 9);
      expect(second.buffer).toBe(first.buffer);
      expect(Array.from(codec.decompress(copy))).toEqual(Array.from(inputs[3]!));
      expect(Array.from(codec.decompress(second))).toEqual(Array.from(inputs[1]!));
    }
  });
});

describe("the finders read words through a DataView of the input's own window", () => {
  test("inputs at an offset inside a larger buffer, of every length to 300 and some larger, round-trip", () => {
    const backing = new Uint8Array(300_000);
    for (let i = 0, x = 7; i < backing.length; i++) backing[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    // Bytes around each window differ from it, so a read outside the window would change the output.
    for (const source of [backing, letters(300_000, 9), new Uint8Array(300_000)]) {
      const lengths = [...Array.from({ length: 301 }, (_, n) => n), 4095, 65536, 70_001, 200_000];
      for (const n of lengths) {
        const offset = 17 + (n % 13);
        const window = source.subarray(offset, offset + n);
        for (const level of [1, 17]) { // the fast finder and the chain finder
          const packed = lz4FrameCompress(window, level);
          expect(Array.from(lz4FrameDecompress(packed))).toEqual(Array.from(window));
          expect(Array.from(lz4FrameCompress(window.slice(), level))).toEqual(Array.from(packed));
        }
        const packedLz4 = lz4FrameCompress(window, 9);
        expect(Array.from(lz4FrameDecompress(packedLz4))).toEqual(Array.from(window));
        const packedSnappy = xerialCompress(window);
        expect(Array.from(xerialDecompress(packedSnappy))).toEqual(Array.from(window));
        // The same bytes copied to a buffer of their own compress to the same output.
        expect(Array.from(lz4FrameCompress(window.slice(), 9))).toEqual(Array.from(packedLz4));
        expect(Array.from(xerialCompress(window.slice()))).toEqual(Array.from(packedSnappy));
      }
    }
  }, 60_000);
});
