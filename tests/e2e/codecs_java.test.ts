/**
 * Kafka's own Java codecs read what ours write: every input of
 * tests/unit/support/codec_cases.ts (empty, tiny, records, incompressible,
 * zeros, mixed) and a 1 MiB records section, compressed by the core's lz4
 * (the fast finder at level 9, the chain finder at levels 1, 6, 12 and 17),
 * snappy, the core's TypeScript zstd (levels 1, 3, 9, 19) and Bun's native
 * zstd, is decompressed by
 * tests/kafka/CodecVectors.java (`check`) with the broker's kafka-clients
 * `Compression` — lz4-java, snappy-java and zstd-jni, as the broker and the
 * Java consumer read a batch — and must give the input back. No broker runs.
 */

import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zlibCodecs } from "../../runtime/zlib.ts";
import { lz4FrameCompress } from "../../src/codecs/lz4_frame.ts";
import { xerialCompress } from "../../src/codecs/snappy_xerial.ts";
import { zstdCompress } from "../../src/codecs/zstd_compress.ts";
import { kafkaSh } from "../helpers/kafka.ts";
import { codecCases, recordsSection } from "../unit/support/codec_cases.ts";

const base64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");

describe("Kafka's Java codecs decompress ours", () => {
  test("lz4 at every finder and level, snappy, zstd (ours and native): every case round-trips through Kafka's reader", () => {
    const inputs = [...codecCases(), { name: "records 1 MiB", data: recordsSection(1 << 20) }];
    const cases: Array<{ name: string; codec: string; input: string; output: string }> = [];
    for (const { name, data } of inputs) {
      const input = base64(data);
      for (const level of [9, 1, 6, 12, 17]) cases.push({ name: `${name}, level ${level}`, codec: "lz4", input, output: base64(lz4FrameCompress(data, level)) });
      cases.push({ name, codec: "snappy", input, output: base64(xerialCompress(data)) });
      cases.push({ name: `${name}, native`, codec: "zstd", input, output: base64(zlibCodecs.zstd!.compress(data, 3)) });
      for (const level of [1, 3, 9, 19]) cases.push({ name: `${name}, TypeScript level ${level}`, codec: "zstd", input, output: base64(zstdCompress(data, level)) });
    }
    const dir = mkdtempSync(join(tmpdir(), "codec-check-"));
    try {
      const file = join(dir, "cases.json");
      writeFileSync(file, JSON.stringify({ cases }));
      const out = kafkaSh(["--libs", "broker", "java", "tests/kafka/CodecVectors.java", "check", file], {}, 180_000);
      const result = JSON.parse(out.trim().split("\n").at(-1)!) as { checked: number; failed: string[]; levels: unknown };
      expect(result.failed).toEqual([]);
      expect(result.checked).toBe(cases.length);
      // The level ranges the configuration takes are Kafka's.
      expect(result.levels).toEqual({ gzip: { min: 1, max: 9, default: -1 }, lz4: { min: 1, max: 17, default: 9 }, zstd: { min: -131072, max: 22, default: 3 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
