/**
 * Java's per-topic compression ratio estimate: compressed batches fill to
 * `batch.size` after compression, not before (issue 11).
 */

import { describe, expect, test } from "bun:test";
import { BufferPool } from "../../src/producer/buffer_pool.ts";
import { RecordAccumulator } from "../../src/producer/accumulator.ts";
import type { ProducerBatch } from "../../src/producer/batch.ts";
import { compressorFor } from "../../src/producer/compression.ts";
import { portableCodecs } from "../../src/portable_codecs.ts";
import { CompressionRatioEstimator } from "../../src/producer/compression_ratio.ts";
import { crc32c, crc32cReady } from "../../src/protocol/crc32c.ts";
import { accumulatorOptions, metadataWith, settlers } from "./support/producer.ts";

const BATCH = 4096;
const MB = 1_048_576;
/** Compresses to about 0.6 with gzip: a JSON-ish record with 32 pseudo-random hex digits (seeded). */
let seed = 42;
const hex = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8).toString(16).padStart(6, "0");
const value = (i: number) => `{"id":${i},"kind":"page_view","session":"${hex()}${hex()}${hex()}${hex()}${hex()}"}`;

/** Appends `n` records to partition 0 of "t", sealing (gzip) and releasing each batch as it fills. */
async function run(compressed: boolean, n: number) {
  await crc32cReady();
  const pool = new BufferPool(32 * MB, BATCH);
  const acc = new RecordAccumulator(accumulatorOptions({ batchSize: BATCH, compressed }), pool);
  const md = metadataWith({ t: [{ leader: 1 }] }, 0);
  const gzip = compressorFor("gzip", -1, undefined, portableCodecs)!;
  const wires: number[] = [];
  const sealAll = (batches: ProducerBatch[]) => {
    for (const b of batches) {
      // What drain() counts towards max.request.size: the compressed estimate, then the sealed size.
      const estimated = b.estimatedSizeInBytes;
      if (compressed) expect(estimated).toBeLessThanOrEqual(b.sizeInBytes);
      else expect(estimated).toBe(b.sizeInBytes);
      wires.push(b.seal(gzip, crc32c).length);
      expect(b.estimatedSizeInBytes).toBe(wires.at(-1)!);
      b.complete(0n, -1);
      acc.release(b);
    }
  };
  for (let i = 0; i < n; i++) {
    const s = settlers();
    const r = acc.append(
      { topic: "t", partition: 0, timestamp: 0, key: null, value: value(i), headers: null, resolve: s.resolve, reject: s.reject },
      { now: 0, metadata: md, sticky: false, slab: null },
    );
    expect(r.kind).toBe("appended");
    if (r.kind === "appended" && r.full) sealAll(acc.drain(md, [1], 64 * MB, 0, null).get(1) ?? []);
  }
  sealAll(acc.drain(md, [1], 64 * MB, 0, null).get(1) ?? []); // the open, partly filled batch
  expect(acc.incomplete.size).toBe(0);
  return { wires, estimate: acc.compressionEstimate("t"), pool };
}

describe("compression ratio estimate", () => {
  test("the estimator moves as Java's: up at once, down slowly", () => {
    const est = new CompressionRatioEstimator();
    expect(est.estimate("t")).toBe(1);
    expect(est.update("t", 0.3)).toBeCloseTo(0.995, 9);
    expect(est.update("t", 0.3)).toBeCloseTo(0.99, 9);
    expect(est.update("t", 0.995)).toBeCloseTo(1.04, 9); // worse than expected: at least +0.05
    expect(est.update("t", 2)).toBe(2); // or straight to what was seen
    expect(est.estimate("other")).toBe(1);
  });

  test("slab sizes: never below batch.size, capped, grown by the estimate", () => {
    const est = new CompressionRatioEstimator();
    expect(est.slabSize("t", BATCH, MB)).toBe(BATCH);
    est.set("t", 0.25);
    const grown = est.slabSize("t", BATCH, MB);
    expect(grown).toBe(61 + Math.floor((BATCH - 61) / (0.25 * 1.05)));
    expect(est.slabSize("t", BATCH, 10_000)).toBe(10_000);
    est.set("t", 1.2);
    expect(est.slabSize("t", BATCH, MB)).toBe(BATCH);
  });

  test("with the estimate, compressed batches come out near batch.size; without, far below it", async () => {
    const n = 40_000;
    const plain = await run(false, n);
    const estimated = await run(true, n);
    const tail = (w: number[]) => w.slice(Math.floor(w.length / 2), -1); // after the estimate settled; not the last
    const avg = (w: number[]) => w.reduce((a, b) => a + b, 0) / w.length;
    // Without the estimate each batch holds batch.size uncompressed bytes: a fraction of it on the wire.
    expect(avg(tail(plain.wires))).toBeLessThan(0.75 * BATCH);
    // With it, the ratio learnt is the data's, and batches fill to about batch.size compressed.
    expect(estimated.estimate).toBeLessThan(0.8);
    expect(avg(tail(estimated.wires))).toBeGreaterThan(0.8 * BATCH);
    expect(Math.max(...tail(estimated.wires))).toBeLessThanOrEqual(BATCH * 1.05);
    expect(estimated.wires.length).toBeLessThan(plain.wires.length * 0.8);
    // Every slab went back: the bigger, unpooled slabs are counted in buffer.memory too.
    expect(estimated.pool.availableMemory).toBe(32 * MB);
  });
});
