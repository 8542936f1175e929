/**
 * Splitting a batch the broker refused as too large (MESSAGE_TOO_LARGE), as
 * Java's `ProducerBatch.split`: its records are re-encoded into smaller
 * batches that keep their order, their create time (for the delivery
 * timeout) and, with idempotence, consecutive sequences starting at the big
 * batch's, so nothing else in the partition changes.
 *
 * @module
 */

import { readRecords } from "../protocol/record_reader.ts";
import { BATCH_HEADER_SIZE, RecordWriter } from "../protocol/record_batch.ts";
import { ProducerBatch } from "./batch.ts";
import { incrementSequence } from "./sequences.ts";

const writer = new RecordWriter();

/**
 * Splits `big` into batches of at most `targetSize` bytes (a record larger
 * than that gets a batch of its own). The new slabs are not from the pool.
 *
 * @example Usage
 * ```ts
 * import { RecordWriter } from "../protocol/record_batch.ts";
 * import { ProducerBatch } from "./batch.ts";
 * import { splitBatch } from "./split.ts";
 * const writer = new RecordWriter();
 * const big = new ProducerBatch("events", 0, new Uint8Array(8192), Date.now());
 * for (let i = 0; i < 40; i++) big.tryAppend(writer, Infinity, Date.now(), null, "x".repeat(100), null, () => {}, () => {});
 * const parts = splitBatch(big, Math.floor(big.sizeInBytes / 2));
 * console.assert(parts.length >= 2 && parts.reduce((n, p) => n + p.recordCount, 0) === 40);
 * ```
 */
export function splitBatch(big: ProducerBatch, targetSize: number): ProducerBatch[] {
  const records = readRecords(big.recordsSection(), big.recordCount);
  const parts: ProducerBatch[] = [];
  let current: ProducerBatch | null = null;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (current === null || current.tryMove(writer, big, i, r.key, r.value, r.headers) === 0) {
      const size = writer.measure(r.key, r.value, r.headers, 0, 0);
      current = new ProducerBatch(big.topic, big.partition, new Uint8Array(Math.max(targetSize, BATCH_HEADER_SIZE + size)), big.createdMs);
      current.pooled = false;
      current.tryMove(writer, big, i, r.key, r.value, r.headers);
      parts.push(current);
    }
  }
  const id = big.identity;
  if (id !== null) {
    let seq = id.baseSequence;
    for (const p of parts) {
      p.identity = { ...id, baseSequence: seq };
      seq = incrementSequence(seq, p.recordCount);
    }
  }
  return parts;
}
