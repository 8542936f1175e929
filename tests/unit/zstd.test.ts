/**
 * The core's TypeScript zstd (src/codecs/zstd_*.ts) against independent
 * zstd implementations: Kafka's zstd-jni (the vectors of
 * fixtures/codec_vectors.json, which our decompressor must read) and the
 * zstd library in Bun's `node:zlib` (which must read everything our
 * compressor writes, and whose output our decompressor must read). Inputs
 * cover every path of the format we write: empty, one byte, raw and RLE
 * literals, Huffman literals with direct and FSE-coded weights (byte values
 * above 128), 1 and 4 streams, predefined, RLE and fitted FSE tables,
 * repeat offsets, raw blocks for incompressible data, several blocks, and
 * a frame above 8 MiB (window descriptor instead of a single segment).
 * tests/e2e/codecs_java.test.ts has zstd-jni read our output.
 */

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import * as nodeZlib from "node:zlib";
import type { ZlibModule } from "../../runtime/zlib_codecs.ts";
import { zstdCompress } from "../../src/codecs/zstd_compress.ts";
import { zstdDecompress } from "../../src/codecs/zstd_decompress.ts";
import { buildFseTable, fseInit, llCode, mlCode, normalize, writeNCount } from "../../src/codecs/zstd_entropy.ts";
import { zstd } from "../../src/portable_codecs.ts";
import { codecCases, incompressible, recordsSection } from "./support/codec_cases.ts";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/codec_vectors.json", import.meta.url), "utf8")) as {
  vectors: { name: string; codec: string; level: number | null; output: string }[];
};
const inputs = new Map(codecCases().map((c) => [c.name, c.data]));
const unbase64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const zlib = nodeZlib as unknown as Required<ZlibModule> & { constants: { ZSTD_c_compressionLevel: number } };
const native = (frame: Uint8Array): Uint8Array => new Uint8Array(zlib.zstdDecompressSync(frame));
const nativeCompress = (data: Uint8Array, level: number): Uint8Array =>
  new Uint8Array(zlib.zstdCompressSync(data, { params: { [zlib.constants.ZSTD_c_compressionLevel]: level } }));

/** Bytes above 128 all over (FSE-coded Huffman weights), with structure to match. */
function highBytes(n: number): Uint8Array {
  const out = recordsSection(n);
  for (let i = 0; i < n; i += 5) out[i]! |= 0x80;
  return out;
}

const cases: { name: string; data: Uint8Array }[] = [
  ...codecCases(),
  { name: "records 1 MiB", data: recordsSection(1 << 20) },
  { name: "high bytes 300 KiB", data: highBytes(300 * 1024) },
  { name: "two bytes repeated", data: new TextEncoder().encode("ab".repeat(70_000)) },
  { name: "incompressible 300 KiB", data: incompressible(300 * 1024, 7) },
  { name: "records 100 B", data: recordsSection(100) },
  { name: "records 1500 B", data: recordsSection(1500) },
];

describe("zstd (TypeScript) decompresses Kafka's zstd-jni output", () => {
  for (const v of fixture.vectors.filter((v) => v.codec === "zstd")) {
    test(v.name, () => {
      expect(zstdDecompress(unbase64(v.output))).toEqual(inputs.get(v.name)!);
    });
  }
});

describe("zstd (TypeScript) against the zstd library", () => {
  for (const { name, data } of cases) {
    test(`${name}: the library reads ours at levels -5, 1, 3, 9, 19; ours reads the library's`, () => {
      for (const level of [-5, 1, 3, 9, 19]) {
        const ours = zstdCompress(data, level);
        expect(native(ours)).toEqual(data);
        expect(zstdDecompress(ours)).toEqual(data);
        expect(zstdDecompress(nativeCompress(data, level))).toEqual(data);
      }
    });
  }

  test("300 generated inputs (runs, repeats at random distances, noise, small alphabets) round-trip through both", () => {
    let x = 12345;
    const rnd = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) % n;
    for (let c = 0; c < 300; c++) {
      const n = rnd(c < 100 ? 600 : 40_000);
      const data = new Uint8Array(n);
      const alphabet = 1 + rnd(256);
      for (let i = 0; i < n;) {
        const kind = rnd(4);
        const len = Math.min(n - i, 1 + rnd(64));
        if (kind === 0 || i === 0) for (let k = 0; k < len; k++) data[i + k] = rnd(alphabet);
        else if (kind === 1) data.fill(rnd(alphabet), i, i + len);
        else for (let k = 0, from = i - 1 - rnd(Math.min(i, 5000)); k < len; k++) data[i + k] = data[from + k]!;
        i += len;
      }
      const level = [-1, 1, 3, 6, 12][c % 5]!;
      const ours = zstdCompress(data, level);
      expect(native(ours)).toEqual(data);
      expect(zstdDecompress(ours)).toEqual(data);
    }
  });

  test("a frame above 8 MiB uses an 8 MiB window and still round-trips", () => {
    const data = recordsSection(9 << 20);
    const frame = zstdCompress(data, 1);
    expect(frame[4]! & 0x20).toBe(0); // not a single segment
    expect(frame[5]).toBe((23 - 10) << 3);
    expect(native(frame)).toEqual(data);
  });

  test("compresses records well, and better at higher levels", () => {
    const records = recordsSection(1 << 20);
    const at = (level: number) => zstdCompress(records, level).length;
    expect(records.length / at(3)).toBeGreaterThan(4.5);
    expect(at(9)).toBeLessThanOrEqual(at(1));
    // Within 1.5x of the library's output at its default level.
    expect(at(3)).toBeLessThan(nativeCompress(records, 3).length * 1.5);
  });

  test("incompressible input costs only the framing", () => {
    const data = incompressible(300 * 1024, 3);
    expect(zstdCompress(data, 3).length).toBeLessThanOrEqual(data.length + 3 * 3 + 18);
  });

  test("the portable codec is the same compressor", () => {
    const data = recordsSection(10_000);
    expect(zstd.compress(data, 3)).toEqual(zstdCompress(data, 3));
    expect(zstd.decompress(zstd.compress(data, 3))).toEqual(data);
  });
});

describe("zstd decompressor rejects bad input", () => {
  test("a wrong magic number, a truncated frame, a reserved block type", () => {
    expect(() => zstdDecompress(Uint8Array.of(1, 2, 3, 4, 5))).toThrow(/Invalid zstd data: unknown magic number/);
    const frame = zstdCompress(recordsSection(5000), 3);
    expect(() => zstdDecompress(frame.subarray(0, frame.length - 10))).toThrow(RangeError);
    const reserved = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x01, 0b111, 0, 0);
    expect(() => zstdDecompress(reserved)).toThrow(/reserved block type/);
  });

  test("a frame that needs a dictionary", () => {
    const withDict = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x21, 0x07, 0x01, 0x01, 0, 0);
    expect(() => zstdDecompress(withDict)).toThrow(/dictionary 7/);
  });
});

describe("zstd entropy pieces", () => {
  test("length codes at their boundaries", () => {
    expect([0, 15, 16, 17, 18, 63, 64, 127, 128, 65535, 65536, 131071].map(llCode)).toEqual([0, 15, 16, 16, 17, 24, 25, 25, 26, 34, 35, 35]);
    expect([3, 34, 35, 36, 37, 130, 131, 258, 259, 65538, 65539, 131074].map(mlCode)).toEqual([0, 31, 32, 32, 33, 42, 43, 43, 44, 51, 52, 52]);
  });

  test("normalize keeps every present symbol and sums to the table", () => {
    const counts = Uint32Array.of(1000, 1, 0, 1, 500, 1);
    const norm = normalize(counts, 5, 1503, 6);
    expect(norm.reduce((a, b) => a + b, 0)).toBe(64);
    expect([...norm].map((v, i) => (counts[i]! > 0 ? v >= 1 : v === 0))).toEqual([true, true, true, true, true, true]);
  });

  test("a table description is as long as its bits and starts with the accuracy", () => {
    const out = new Uint8Array(16);
    const end = writeNCount(Int32Array.of(32, 16, 8, 8), 6, out, 0);
    expect(out[0]! & 15).toBe(1);
    expect(end).toBeGreaterThan(1);
    expect(end).toBeLessThan(6);
  });

  test("encoder states stay in the table's range", () => {
    const t = buildFseTable([5, 1, -1, 1], 3);
    for (const s of [0, 1, 2, 3]) {
      const state = fseInit(t, s);
      expect(state).toBeGreaterThanOrEqual(8);
      expect(state).toBeLessThan(16);
    }
  });
});
