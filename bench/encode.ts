/**
 * Micro-benchmark (not a test): encode 1M records of 100 bytes into 16 KiB
 * record batches v2 with CRC-32C, the way the producer does (records written
 * straight into pooled slabs, batch sealed when full). Prints one JSON line.
 *
 * Run: bun bench/encode.ts | deno run -A bench/encode.ts | node dist/bench/encode.js
 */

import { crc32c, crc32cReady } from "../src/protocol/crc32c.ts";
import { RecordWriter } from "../src/protocol/record_batch.ts";
import { ProducerBatch } from "../src/producer/batch.ts";
import { BufferPool } from "../src/producer/buffer_pool.ts";

const RECORDS = Number(globalThis.process?.argv?.[2] ?? 1_000_000);
const BATCH_SIZE = 16 * 1024;
const runtime = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node";

await crc32cReady();
const pool = new BufferPool(32 * 1024 * 1024, BATCH_SIZE);
const writer = new RecordWriter();
const value = new Uint8Array(100).fill(120);
const noop = () => {};

function run(n: number): { ms: number; batches: number; bytes: number } {
  const start = performance.now();
  let batch: ProducerBatch | null = null;
  let batches = 0;
  let bytes = 0;
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    if (batch === null || batch.tryAppend(writer, 1 << 20, now, null, value, null, noop, noop) === 0) {
      if (batch !== null) {
        bytes += batch.seal(null, crc32c).length;
        batches++;
        pool.deallocate(batch.slab);
      }
      batch = new ProducerBatch("bench", 0, pool.tryAllocate(BATCH_SIZE)!, now);
      batch.tryAppend(writer, 1 << 20, now, null, value, null, noop, noop);
    }
  }
  bytes += batch!.seal(null, crc32c).length;
  return { ms: performance.now() - start, batches: batches + 1, bytes };
}

run(200_000); // warm up the JIT
const results = [run(RECORDS), run(RECORDS), run(RECORDS)].sort((a, b) => a.ms - b.ms);
const best = results[0]!;
console.log(JSON.stringify({
  runtime,
  records: RECORDS,
  recordBytes: 100,
  batchSize: BATCH_SIZE,
  batches: best.batches,
  ms: Math.round(best.ms),
  recordsPerSec: Math.round(RECORDS / (best.ms / 1000)),
  mbPerSec: Math.round((best.bytes / 1e6) / (best.ms / 1000)),
}));
