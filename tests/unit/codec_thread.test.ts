/**
 * The codec thread of the Node and Bun adapters (runtime/codec_thread.ts):
 * batches compressed there come back as the same codec's output; a thread
 * that cannot start rejects (the producer then compresses at seal); a
 * closed one starts again; and the platform's TypeScript codecs use it.
 * Real `node:worker_threads` workers on Bun (tests/e2e/codecs.test.ts has
 * the producers of every runtime use them against a broker).
 */

import { describe, expect, test } from "bun:test";
import { CodecThread, threaded } from "../../runtime/codec_thread.ts";
import { zlibCodecs } from "../../runtime/zlib.ts";
import { lz4FrameDecompress } from "../../src/codecs/lz4_frame.ts";
import { xerialDecompress } from "../../src/codecs/snappy_xerial.ts";
import { zstdDecompress } from "../../src/codecs/zstd_decompress.ts";
import { lz4 } from "../../src/portable_codecs.ts";
import { recordsSection } from "./support/codec_cases.ts";

describe("the codec thread", () => {
  test("compresses snappy, lz4 and zstd as the codecs do on the loop, many batches at once, and leaves the input alone", async () => {
    const thread = new CodecThread();
    try {
      const data = recordsSection(200_000);
      const before = data.slice();
      const [s, l, z] = await Promise.all([thread.compress("snappy", 0, data), thread.compress("lz4", 9, data), thread.compress("zstd", 3, data)]);
      expect(xerialDecompress(s)).toEqual(data);
      expect(lz4FrameDecompress(l)).toEqual(data);
      expect(zstdDecompress(z)).toEqual(data);
      expect(data).toEqual(before);
      const many = await Promise.all(Array.from({ length: 20 }, (_, i) => thread.compress("lz4", 9, recordsSection(1000 + i))));
      many.forEach((out, i) => expect(lz4FrameDecompress(out)).toEqual(recordsSection(1000 + i)));
    } finally {
      await thread.close();
    }
  });

  test("a thread whose worker cannot load rejects every batch (the producer compresses them at seal)", async () => {
    const thread = new CodecThread(new URL("./no_such_worker.ts", import.meta.url));
    await expect(thread.compress("lz4", 9, new Uint8Array(10))).rejects.toThrow();
    await expect(thread.compress("lz4", 9, new Uint8Array(10))).rejects.toThrow();
    await thread.close();
  });

  test("a closed thread rejects what was under way and starts again on the next batch", async () => {
    const thread = new CodecThread();
    const running = thread.compress("zstd", 3, recordsSection(2_000_000)).then(() => null, (e: Error) => e.message);
    await thread.close();
    expect(await running).toBe("The codec thread was closed");
    expect(lz4FrameDecompress(await thread.compress("lz4", 9, new Uint8Array(100)))).toEqual(new Uint8Array(100));
    await thread.close();
  });

  test("Bun's platform gives its TypeScript codecs the thread; the threaded codec keeps the codec's own compress", async () => {
    expect(zlibCodecs.snappy!.compressAsync).toBeDefined();
    expect(zlibCodecs.lz4!.compressAsync).toBeDefined();
    expect(zlibCodecs.zstd!.compressAsync).toBeUndefined(); // Bun's native zstd compresses on the loop (faster)
    const data = recordsSection(50_000);
    expect(lz4FrameDecompress(await zlibCodecs.lz4!.compressAsync!(data, 9))).toEqual(data);
    const codec = threaded(lz4, "lz4", new CodecThread());
    expect(codec.compress).toBe(lz4.compress);
  });
});
