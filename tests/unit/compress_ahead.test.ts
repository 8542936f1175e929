/**
 * Compression off the event loop (issue 11): with a codec that has
 * `compressAsync`, a batch is compressed as soon as it is full (when the
 * next batch of its partition opens) or ready (drain), its partition waits
 * until that is done while the others are drained, the seal uses the bytes
 * compressed ahead, and a batch settled meanwhile gives its slab back only
 * when the compression no longer reads it. Compressions are driven by hand
 * here; tests/e2e/codecs.test.ts runs the real ones (node:zlib's gzip and
 * zstd on the thread pool) on Bun, Deno and Node.
 */

import { describe, expect, test } from "bun:test";
import { BufferPool } from "../../src/producer/buffer_pool.ts";
import { RecordAccumulator } from "../../src/producer/accumulator.ts";
import type { Compressor } from "../../src/producer/batch.ts";
import { compressorFor, decompress } from "../../src/producer/compression.ts";
import { portableCodecs } from "../../src/portable_codecs.ts";
import { crc32c, crc32cReady } from "../../src/protocol/crc32c.ts";
import { BATCH_HEADER_SIZE } from "../../src/protocol/record_batch.ts";
import { accumulatorOptions, metadataWith, settlers } from "./support/producer.ts";

const gzip = compressorFor("gzip", -1, undefined, portableCodecs)!;

/** gzip whose asynchronous compressions wait until `finish()` (or `fail()`); counts the synchronous ones. */
function handDriven() {
  const pending: Array<{ resolve: () => void; reject: () => void }> = [];
  let syncCalls = 0;
  const compressor: Compressor = {
    codec: gzip.codec,
    compress: (records) => {
      syncCalls++;
      return gzip.compress(records);
    },
    compressTransient: (records) => {
      syncCalls++;
      return gzip.compress(records);
    },
    decompress: (packed) => gzip.decompress(packed),
    compressAsync: (records) => {
      const copy = records.slice();
      return new Promise<Uint8Array>((resolve, reject) => {
        pending.push({ resolve: () => resolve(gzip.compress(copy)), reject: () => reject(new Error("pool gone")) });
      });
    },
  };
  return {
    compressor,
    pending,
    get syncCalls() {
      return syncCalls;
    },
    async finishAll() {
      for (const p of pending.splice(0)) p.resolve();
      await new Promise((r) => setTimeout(r, 0));
    },
    async failAll() {
      for (const p of pending.splice(0)) p.reject();
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}

const MB = 1_048_576;

function setup(compressor: Compressor) {
  let wakeups = 0;
  const pool = new BufferPool(4 * MB, 1024);
  const acc = new RecordAccumulator(
    accumulatorOptions({ batchSize: 1024, compressed: true, compressor, onCompressed: () => wakeups++, lingerMs: 0 }),
    pool,
  );
  const md = metadataWith({ t: [{ leader: 1 }, { leader: 1 }] }, 0);
  const append = (partition: number, i: number) => {
    const s = settlers();
    const r = acc.append(
      { topic: "t", partition, timestamp: 0, key: null, value: `record ${i} `.repeat(8), headers: null, resolve: s.resolve, reject: s.reject },
      { now: 0, metadata: md, sticky: false, slab: null },
    );
    expect(r.kind).toBe("appended");
    return r.kind === "appended" ? r : null!;
  };
  return { acc, md, pool, append, get wakeups() {
    return wakeups;
  } };
}

describe("compression ahead of the seal", () => {
  test("a full batch starts compressing when the next opens; its partition waits, the other is drained", async () => {
    await crc32cReady();
    const h = handDriven();
    const s = setup(h.compressor);
    let i = 0;
    while (!s.append(0, i++).newBatch || i === 1);
    expect(h.pending.length).toBe(1); // partition 0's first batch, full
    s.append(1, i++);
    const first = s.acc.drain(s.md, [1], 64 * MB, 0, null).get(1) ?? [];
    // Partition 1's batch starts its compression in drain and waits too; partition 0's first batch is still running.
    expect(first).toEqual([]);
    expect(h.pending.length).toBe(2);
    await h.finishAll();
    expect(s.wakeups).toBe(2);
    const drained = s.acc.drain(s.md, [1], 64 * MB, 0, null).get(1) ?? [];
    expect(drained.map((b) => b.partition).sort()).toEqual([0, 1]);
    for (const b of drained) {
      const wire = b.seal(h.compressor, crc32c);
      expect(decompress(1, wire.subarray(BATCH_HEADER_SIZE), undefined, portableCodecs)).toEqual(b.recordsSection());
      expect(b.estimatedSizeInBytes).toBe(wire.length);
    }
    expect(h.syncCalls).toBe(0);
  });

  test("order within a partition is kept: a later batch never goes before the one compressing", async () => {
    await crc32cReady();
    const h = handDriven();
    const s = setup(h.compressor);
    let i = 0;
    let batches = 0;
    while (batches < 3) if (s.append(0, i++).newBatch) batches++;
    // Batches 1 and 2 are full and compressing; batch 3 is open. Nothing of partition 0 may go.
    expect(s.acc.drain(s.md, [1], 64 * MB, 0, null).get(1)).toBeUndefined();
    await h.finishAll();
    const one = s.acc.drain(s.md, [1], 64 * MB, 0, null).get(1)!;
    expect(one.length).toBe(1);
    expect(one[0]!.recordsSection()[0]).toBeDefined();
  });

  test("a failed asynchronous compression falls back to the synchronous one at seal", async () => {
    await crc32cReady();
    const h = handDriven();
    const s = setup(h.compressor);
    s.append(0, 0);
    expect(s.acc.drain(s.md, [1], 64 * MB, 0, null).get(1)).toBeUndefined();
    await h.failAll();
    const [b] = s.acc.drain(s.md, [1], 64 * MB, 0, null).get(1)!;
    const wire = b!.seal(h.compressor, crc32c);
    expect(h.syncCalls).toBe(1);
    expect(decompress(1, wire.subarray(BATCH_HEADER_SIZE), undefined, portableCodecs)).toEqual(b!.recordsSection());
  });

  test("a batch released while compressing gives its slab back only after the compression", async () => {
    await crc32cReady();
    const h = handDriven();
    const s = setup(h.compressor);
    s.append(0, 0);
    expect(s.acc.drain(s.md, [1], 64 * MB, 0, null).get(1)).toBeUndefined();
    const [expired] = s.acc.expiredBatches(200_000);
    const before = s.pool.availableMemory;
    expired!.fail(new Error("expired"));
    s.acc.release(expired!);
    expect(s.pool.availableMemory).toBe(before);
    await h.finishAll();
    expect(s.pool.availableMemory).toBeGreaterThan(before);
  });

  test("a codec without compressAsync compresses at seal, and the batch drains at once", async () => {
    await crc32cReady();
    const s = setup(gzip);
    s.append(0, 0);
    expect(s.acc.drain(s.md, [1], 64 * MB, 0, null).get(1)?.length).toBe(1);
    expect(gzip.compressAsync(new Uint8Array(1))).toBeNull();
  });
});

describe("how many compress off the loop at once", () => {
  test("one batch per core (2 where the runtime does not say, at most 4); beyond that compressAsync declines and the seal compresses", async () => {
    const releases: Array<() => void> = [];
    const slow = {
      compress: (d: Uint8Array) => d.slice(),
      decompress: (d: Uint8Array) => d.slice(),
      compressAsync: (d: Uint8Array) => new Promise<Uint8Array>((resolve) => releases.push(() => resolve(d.slice()))),
    };
    const c = compressorFor("lz4", 9, undefined, { lz4: slow })!;
    const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2;
    const limit = Math.max(1, Math.min(4, cores));
    const running = Array.from({ length: limit }, () => c.compressAsync(new Uint8Array(8)));
    expect(running.every((p) => p !== null)).toBe(true);
    expect(c.compressAsync(new Uint8Array(8))).toBeNull();
    releases.shift()!();
    await running[0];
    expect(c.compressAsync(new Uint8Array(8))).not.toBeNull();
  });
});

describe("batches too small for the hand-off", () => {
  test("below the codec's compressAsyncMinBytes compressAsync declines (the seal compresses); from it on the batch goes", async () => {
    let started = 0;
    const codec = {
      compress: (d: Uint8Array) => d.slice(),
      decompress: (d: Uint8Array) => d.slice(),
      compressAsync: (d: Uint8Array) => {
        started++;
        return Promise.resolve(d.slice());
      },
      compressAsyncMinBytes: 1000,
    };
    const c = compressorFor("snappy", 0, undefined, { snappy: codec })!;
    expect(c.compressAsync(new Uint8Array(999))).toBeNull();
    expect(started).toBe(0);
    const running = c.compressAsync(new Uint8Array(1000));
    expect(running).not.toBeNull();
    expect((await running!).length).toBe(1000);
    expect(started).toBe(1);
  });

  test("the thread's codecs: snappy and lz4 only for batches of about 1 ms of loop time, zstd always", async () => {
    const { threaded, CodecThread } = await import("../../runtime/codec_thread.ts");
    const { lz4, snappy, zstd } = await import("@edgekafka/producer/codecs");
    const thread = new CodecThread();
    expect(threaded(snappy, "snappy", thread).compressAsyncMinBytes).toBe(512 * 1024);
    expect(threaded(lz4, "lz4", thread).compressAsyncMinBytes).toBe(256 * 1024);
    expect(threaded(zstd, "zstd", thread).compressAsyncMinBytes).toBe(0);
    await thread.close();
  });
});

describe("zstd needs Produce v7", () => {
  test("a broker below Kafka 2.1 gets no zstd batch: an UnsupportedVersionError that says why and what to use", async () => {
    const { produceVersionFor, CODEC_ZSTD, CODEC_LZ4 } = await import("../../src/producer/compression.ts");
    const { UnsupportedVersionError } = await import("../../src/protocol/api_error_classes.ts");
    expect(produceVersionFor({ codec: CODEC_ZSTD }, 7, 1)).toBe(7);
    expect(produceVersionFor({ codec: CODEC_LZ4 }, 3, 1)).toBe(3);
    expect(produceVersionFor(null, 3, 1)).toBe(3);
    expect(() => produceVersionFor({ codec: CODEC_ZSTD }, 6, 2)).toThrow(UnsupportedVersionError);
    expect(() => produceVersionFor({ codec: CODEC_ZSTD }, 6, 2)).toThrow(
      'Broker 2 speaks Produce up to v6; compression.type "zstd" needs Produce v7 or later (Kafka 2.1+): use "lz4", "snappy" or "gzip" with this broker',
    );
  });
});

describe("zstd against an old broker", () => {
  test("the producer fails zstd sends with the UnsupportedVersionError instead of sending them to be refused", async () => {
    const { MemoryCluster } = await import("./support/memory_cluster.ts");
    const { Producer, UnsupportedVersionError } = await import("../../mod.ts");
    const cluster = new MemoryCluster(1, { t: [1] }, 6);
    const producer = new Producer({ bootstrapServers: cluster.bootstrap, connect: cluster.connect, compressionType: "zstd", enableIdempotence: false, retries: 0 });
    const outcome = await producer.send({ topic: "t", value: "v" }).then(() => null, (e: unknown) => e);
    await producer.close({ timeoutMs: 1000 });
    expect(outcome).toBeInstanceOf(UnsupportedVersionError);
    expect((outcome as Error).message).toContain('compression.type "zstd" needs Produce v7 or later');
    expect(cluster.logs.get("t/0")).toEqual([]);
  });
});
