/**
 * splitBatch: a batch the broker refused as too large becomes smaller ones,
 * as Java's `ProducerBatch.split` — same records in the same order (keys,
 * values, headers, timestamps), parts within the target size (an oversized
 * record alone), consecutive sequences from the big batch's, and every
 * record's settler moved so it settles exactly once.
 */

import { beforeAll, describe, expect, test } from "bun:test";
import { ProducerBatch } from "../../src/producer/batch.ts";
import { MAX_SEQUENCE } from "../../src/producer/sequences.ts";
import { splitBatch } from "../../src/producer/split.ts";
import { crc32c, crc32cReady } from "../../src/protocol/crc32c.ts";
import { readBatch } from "../../src/protocol/record_reader.ts";
import { TRANSACTIONAL_FLAG } from "../../src/protocol/record_batch.ts";
import { batchOf, recordSize, settle, type TestRecord } from "./support/producer.ts";

const T = 1_700_000_000_000;
const enc = (s: string) => new TextEncoder().encode(s);

const RECORDS: TestRecord[] = [
  { key: "k0", value: "hello", headers: [["a", "1"], ["a", null]], timestamp: T },
  { key: null, value: Uint8Array.of(1, 2, 3), headers: null, timestamp: T + 5 },
  { key: new Uint8Array(0), value: null, headers: [["x", Uint8Array.of(255)]], timestamp: T + 2 },
  { key: "k3", value: "v".repeat(300), headers: null, timestamp: T + 9 },
  { key: "k4", value: "", headers: null, timestamp: T - 3 },
  { key: "k5", value: "z", headers: null, timestamp: T + 1 },
];
/** Room for records 0 and 1 exactly. */
const TARGET = 61 + 31;

beforeAll(async () => {
  await crc32cReady();
});

function bytesOf(v: Uint8Array | string | null | undefined): Uint8Array | null {
  if (v === null || v === undefined) return null;
  return typeof v === "string" ? enc(v) : v;
}

describe("splitBatch", () => {
  test("the record sizes these tests assume", () => {
    expect(RECORDS.map((r) => recordSize(r.key ?? null, r.value ?? null, r.headers ?? null))).toEqual([21, 10, 11, 311, 9, 10]);
  });

  test("parts keep order, stay within the target size, and an oversized record goes alone", () => {
    const { batch: big } = batchOf("t", 3, RECORDS, { now: 500 });
    const parts = splitBatch(big, TARGET);
    expect(parts.map((p) => p.recordCount)).toEqual([2, 1, 1, 2]);
    expect(parts.map((p) => p.sizeInBytes)).toEqual([92, 72, 372, 80]);
    expect(parts.map((p) => p.slab.length)).toEqual([92, 92, 372, 92]);
    for (const p of parts) {
      if (p.recordCount > 1) expect(p.sizeInBytes).toBeLessThanOrEqual(TARGET);
      expect(p.topic).toBe("t");
      expect(p.partition).toBe(3);
      expect(p.createdMs).toBe(500); // delivery timeout counts from the original batch
      expect(p.pooled).toBe(false);
      expect(p.attempts).toBe(0);
      expect(p.identity).toBeNull();
    }
    expect(parts.flatMap((p) => p.timestamps)).toEqual(RECORDS.map((r) => r.timestamp!));
  });

  test("decoded parts hold the same keys, values, headers and timestamps, in order", () => {
    const { batch: big } = batchOf("t", 0, RECORDS);
    const parts = splitBatch(big, TARGET);
    big.slab.fill(0); // the parts own their bytes
    const decoded = parts.flatMap((p) => {
      const b = readBatch(p.seal(null, crc32c), undefined, crc32c);
      expect(b.crcValid).toBe(true);
      expect(b.lastOffsetDelta).toBe(p.recordCount - 1);
      expect(Number(b.maxTimestamp)).toBe(Math.max(...p.timestamps));
      return b.records.map((r, i) => ({
        key: r.key,
        value: r.value,
        headers: r.headers,
        timestamp: Number(b.baseTimestamp) + r.timestampDelta,
        offsetDelta: r.offsetDelta,
        i,
      }));
    });
    expect(decoded.length).toBe(RECORDS.length);
    decoded.forEach((d, n) => {
      const r = RECORDS[n]!;
      expect(d.offsetDelta).toBe(d.i);
      expect(d.key).toEqual(bytesOf(r.key));
      expect(d.value).toEqual(bytesOf(r.value));
      expect(d.headers).toEqual((r.headers ?? []).map(([k, v]) => [k, bytesOf(v)]));
      expect(d.timestamp).toBe(r.timestamp!);
    });
  });

  test("sequences are consecutive from the big batch's; the producer id, epoch and transactional flag are kept", () => {
    const { batch: big } = batchOf("t", 0, RECORDS);
    big.identity = { producerId: 9n, producerEpoch: 2, baseSequence: 100, transactional: true };
    const parts = splitBatch(big, TARGET);
    expect(parts.map((p) => p.identity)).toEqual([
      { producerId: 9n, producerEpoch: 2, baseSequence: 100, transactional: true },
      { producerId: 9n, producerEpoch: 2, baseSequence: 102, transactional: true },
      { producerId: 9n, producerEpoch: 2, baseSequence: 103, transactional: true },
      { producerId: 9n, producerEpoch: 2, baseSequence: 104, transactional: true },
    ]);
    const wire = readBatch(parts[1]!.seal(null, crc32c));
    expect([wire.producerId, wire.producerEpoch, wire.baseSequence]).toEqual([9n, 2, 102]);
    expect(wire.attributes & TRANSACTIONAL_FLAG).toBe(TRANSACTIONAL_FLAG);
    expect(big.identity.baseSequence).toBe(100); // the big batch is left as it was
  });

  test("sequences wrap past 2^31-1", () => {
    const { batch: big } = batchOf("t", 0, RECORDS);
    big.identity = { producerId: 9n, producerEpoch: 0, baseSequence: MAX_SEQUENCE - 1, transactional: false };
    expect(splitBatch(big, TARGET).map((p) => p.identity!.baseSequence)).toEqual([MAX_SEQUENCE - 1, 0, 1, 2]);
  });

  test("a target below one record gives one record per part", () => {
    const { batch: big } = batchOf("t", 0, 4);
    const parts = splitBatch(big, 1);
    expect(parts.map((p) => p.recordCount)).toEqual([1, 1, 1, 1]);
    for (const p of parts) expect(p.slab.length).toBe(p.sizeInBytes);
  });

  test("each record settles exactly once, through its part", async () => {
    const { batch: big, outcomes } = batchOf("t", 0, RECORDS);
    const parts = splitBatch(big, TARGET);
    big.markSplit(parts);
    const failure = new Error("part failed");
    parts[0]!.complete(1000n, -1);
    parts[1]!.fail(failure);
    parts[2]!.complete(2000n, 777);
    parts[3]!.complete(3000n, -1);
    await settle();
    expect(outcomes.map((o) => o.calls)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(outcomes.map((o) => o.metadata?.offset ?? null)).toEqual([1000n, 1001n, null, 2000n, 3000n, 3001n]);
    expect(outcomes.map((o) => o.error)).toEqual([null, null, failure, null, null, null]);
    expect(outcomes.map((o) => o.metadata?.timestamp ?? null)).toEqual([T, T + 5, null, 777, T - 3, T + 1]);
    expect(outcomes[0]!.metadata!.partition).toBe(0);
    // The big batch is done: settling it again reaches nobody.
    big.complete(0n, -1);
    big.fail(new Error("again"));
    expect(outcomes.map((o) => o.calls)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  test("callback-style records move too", () => {
    const { batch: big, outcomes } = batchOf("t", 0, 3, { callbacks: true });
    const parts = splitBatch(big, 1);
    big.markSplit(parts);
    parts.forEach((p, i) => p.complete(BigInt(10 * i), -1));
    expect(outcomes.map((o) => [o.calls, o.error, o.metadata!.offset])).toEqual([
      [1, null, 0n],
      [1, null, 10n],
      [1, null, 20n],
    ]);
  });

  test("settled() of the big batch follows its parts", async () => {
    const { batch: big } = batchOf("t", 0, RECORDS);
    let before = false;
    void big.settled().then(() => (before = true));
    const parts = splitBatch(big, TARGET);
    big.markSplit(parts);
    let after = false;
    void big.settled().then(() => (after = true));
    for (const p of parts.slice(0, 3)) p.complete(0n, -1);
    await settle();
    expect([before, after]).toEqual([false, false]);
    parts[3]!.fail(new Error("x"));
    await settle();
    expect([before, after]).toEqual([true, true]);
  });

  test("parts are new batches, not the big one's memory", () => {
    const { batch: big } = batchOf("t", 0, 2, { slabSize: 4096 });
    const parts = splitBatch(big, 1);
    for (const p of parts) {
      expect(p).toBeInstanceOf(ProducerBatch);
      expect(p.slab.buffer).not.toBe(big.slab.buffer);
    }
  });
});
