/**
 * `compression.type` through the platform seam: which codec each type gets
 * (the codecs option's, else the platform's; the error naming the import
 * when neither has it), the zstd refusal where a
 * runtime has none, levels, and the native codecs of `runtime/zlib*.ts`
 * (these tests run on Bun, whose `node:zlib` has zstd) against zstd vectors
 * from Kafka's zstd-jni.
 */

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import * as zlib from "node:zlib";
import { ConfigError, type Platform, Producer } from "../../mod.ts";
import { autoPlatform } from "../../runtime/auto.ts";
import { zlibCodecs } from "../../runtime/zlib.ts";
import { asyncCodecsFor, codecsOf, type ZlibModule } from "../../runtime/zlib_codecs.ts";
import { compressionLevel, compressorFor, decompress } from "../../src/producer/compression.ts";
import { gzip, lz4, portableCodecs } from "../../src/portable_codecs.ts";
import { codecCases, recordsSection } from "./support/codec_cases.ts";

const refuse: Platform["connect"] = () => Promise.reject(new Error("no broker in unit tests"));
const bare: Platform = { name: "bare", connect: refuse };
const native: Platform = { name: "native", connect: refuse, codecs: zlibCodecs };
const records = recordsSection(256 * 1024);

describe("compressorFor", () => {
  test.each([
    ["gzip", -1, 1],
    ["snappy", 0, 2],
    ["lz4", 9, 3],
    ["zstd", 3, 4],
  ] as const)("%s (level %d) has codec id %d and round-trips", (type, level, id) => {
    const compressor = compressorFor(type, level, native)!;
    expect(compressor.codec).toBe(id);
    const packed = compressor.compress(records);
    expect(packed.length).toBeLessThan(records.length / 2);
    expect(decompress(id, packed, native)).toEqual(records);
  });

  test("none has no compressor", () => {
    expect(compressorFor("none", 0, native)).toBeNull();
  });

  test("without a platform codec, the codecs option's is used; it wins over the platform's", () => {
    expect(decompress(2, compressorFor("snappy", 0, bare, portableCodecs)!.compress(records), bare, portableCodecs)).toEqual(records);
    expect(decompress(3, compressorFor("lz4", 9, undefined, { lz4 })!.compress(records), undefined, { lz4 })).toEqual(records);
    expect(decompress(1, compressorFor("gzip", -1, bare, { gzip })!.compress(records), bare, { gzip })).toEqual(records);
    const stored = Uint8Array.of(9, 9, 9);
    const own = { compress: () => stored, decompress: (d: Uint8Array) => d };
    expect(compressorFor("lz4", 9, { ...bare, codecs: { lz4: own } })!.compress(records)).toBe(stored);
    expect(compressorFor("lz4", 9, native, { lz4: own })!.compress(records)).toBe(stored);
  });

  test.each(["gzip", "snappy", "lz4"] as const)("%s with neither is a ConfigError naming the import to add", (type) => {
    expect(() => compressorFor(type, 0, bare)).toThrow(
      new ConfigError(
        "compression.type",
        `Compression codec "${type}" is not available: the platform "bare" has no ${type} codec; add it with import { ${type} } from "@edgekafka/producer/codecs" and the option codecs: { ${type} }`,
      ),
    );
    expect(() => decompress({ gzip: 1, snappy: 2, lz4: 3 }[type], records, bare)).toThrow(RangeError);
  });

  test("zstd without a platform codec is a ConfigError that says why", () => {
    expect(() => compressorFor("zstd", 3, bare)).toThrow(
      new ConfigError(
        "compression.type",
        'Compression codec "zstd" is not available: the platform "bare" has no zstd codec; add it with import { zstd } from "@edgekafka/producer/codecs" and the option codecs: { zstd }',
      ),
    );
    const node20 = codecsOf({ ...(zlib as unknown as ZlibModule), zstdCompressSync: undefined });
    expect(node20.zstd).toBeUndefined();
    expect(() => compressorFor("zstd", 3, { ...bare, codecs: node20 })).toThrow(/node:zlib has no zstd \(Node\.js 22\.15 and later, Bun and Deno have it\); add it with import \{ zstd \}/);
  });

  test("the producer takes codecs from its codecs option, and refuses a malformed one naming the key", async () => {
    const p = new Producer({ bootstrapServers: "127.0.0.1:1", compressionType: "lz4", platform: bare, codecs: { lz4 } });
    await p.close({ timeoutMs: 0 });
    expect(() => new Producer({ bootstrapServers: "127.0.0.1:1", compressionType: "lz4", platform: bare })).toThrow(/add it with import \{ lz4 \}/);
    expect(() => new Producer({ bootstrapServers: "127.0.0.1:1", platform: bare, codecs: { zstandard: lz4 } as never })).toThrow(
      /"codecs".*"zstandard" is not a codec name/,
    );
    expect(() => new Producer({ bootstrapServers: "127.0.0.1:1", platform: bare, codecs: { lz4: {} } as never })).toThrow(/codec "lz4" needs compress and decompress/);
  });

  test("the producer refuses zstd at construction on such a platform", () => {
    expect(() => new Producer({ bootstrapServers: "127.0.0.1:1", compressionType: "zstd", platform: bare })).toThrow(ConfigError);
  });

  test("levels change the output size", () => {
    const size = (type: "gzip" | "lz4" | "zstd", level: number) => compressorFor(type, level, native)!.compress(records).length;
    expect(size("gzip", 1)).toBeGreaterThan(size("gzip", 9));
    expect(size("lz4", 9)).toBeGreaterThan(size("lz4", 12));
    expect(size("zstd", 1)).toBeGreaterThan(size("zstd", 19));
  });

  test("compressionLevel picks the level key of the configured codec", () => {
    const levels = { compressionGzipLevel: 5, compressionLz4Level: 12, compressionZstdLevel: -5 };
    expect(compressionLevel({ ...levels, compressionType: "gzip" })).toBe(5);
    expect(compressionLevel({ ...levels, compressionType: "lz4" })).toBe(12);
    expect(compressionLevel({ ...levels, compressionType: "zstd" })).toBe(-5);
    expect(compressionLevel({ ...levels, compressionType: "snappy" })).toBe(0);
  });
});

describe("compression on the thread pool", () => {
  test("gzip compresses asynchronously on Node and Bun (measured faster there), nothing on Deno, never zstd", () => {
    expect(asyncCodecsFor("node")).toEqual(["gzip"]);
    expect(asyncCodecsFor("bun")).toEqual(["gzip"]);
    expect(asyncCodecsFor("deno")).toEqual([]);
    const withAsync = codecsOf(zlib as unknown as ZlibModule, ["gzip", "zstd"]);
    expect(withAsync.gzip!.compressAsync).toBeDefined();
    expect(withAsync.zstd!.compressAsync).toBeDefined();
    const without = codecsOf(zlib as unknown as ZlibModule);
    expect(without.gzip!.compressAsync).toBeUndefined();
    expect(without.zstd!.compressAsync).toBeUndefined();
  });

  test("Bun's platform gzip compresses asynchronously to what gunzip reads; the compressor hands it out, and lz4's thread, not native zstd", async () => {
    const records = recordsSection(300_000);
    const packed = await zlibCodecs.gzip!.compressAsync!(records, 6);
    expect(new Uint8Array(zlib.gunzipSync(packed)) as Uint8Array).toEqual(records);
    const platform: Platform = { name: "test", connect: bare.connect, codecs: zlibCodecs };
    const running = compressorFor("gzip", -1, platform)!.compressAsync(records);
    expect(running).not.toBeNull();
    expect(new Uint8Array(zlib.gunzipSync(await running!)) as Uint8Array).toEqual(records);
    // lz4 (the core's TypeScript) goes to the codec thread; Bun's native zstd stays on the loop.
    const lz4Running = compressorFor("lz4", 9, platform)!.compressAsync(records);
    expect(lz4Running).not.toBeNull();
    expect(lz4.decompress(await lz4Running!)).toEqual(records);
    expect(compressorFor("zstd", 3, platform)!.compressAsync(records)).toBeNull();
  });
});

describe("native codecs", () => {
  test("Bun's node:zlib has zstd, and the auto platform has it before its adapter loads", () => {
    expect(zlibCodecs.zstd).toBeDefined();
    expect(autoPlatform.codecs?.zstd).toBeDefined();
    expect(autoPlatform.codecs?.gzip).toBeDefined();
  });

  test("zstd writes standard frames at the given level", () => {
    const packed = zlibCodecs.zstd!.compress(records, 3);
    expect([...packed.subarray(0, 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
    expect(zlibCodecs.zstd!.compress(records, -5).length).toBeGreaterThan(packed.length);
  });

  const fixture = JSON.parse(readFileSync(new URL("./fixtures/codec_vectors.json", import.meta.url), "utf8")) as {
    vectors: { name: string; codec: string; output: string }[];
  };
  const inputs = new Map(codecCases().map((c) => [c.name, c.data]));
  for (const v of fixture.vectors.filter((v) => v.codec === "zstd")) {
    test(`zstd reads Kafka's zstd-jni output and round-trips: ${v.name}`, () => {
      const java = Uint8Array.from(atob(v.output), (c) => c.charCodeAt(0));
      const input = inputs.get(v.name)!;
      expect(zlibCodecs.zstd!.decompress(java)).toEqual(input);
      expect(zlibCodecs.zstd!.decompress(zlibCodecs.zstd!.compress(input, 3))).toEqual(input);
    });
  }
});
