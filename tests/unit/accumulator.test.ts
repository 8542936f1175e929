/**
 * RecordAccumulator with a real BufferPool and a real Metadata (fed a
 * hand-built MetadataResponse): append, ready(), drain(), retries, expiry and
 * splits, as Java's `RecordAccumulator`.
 */

import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { BufferPool } from "../../src/producer/buffer_pool.ts";
import { RecordAccumulator } from "../../src/producer/accumulator.ts";
import type { AccumulatorOptions, AppendResult } from "../../src/producer/accumulator.ts";
import type { ProducerBatch } from "../../src/producer/batch.ts";
import { Idempotence } from "../../src/producer/idempotence.ts";
import { MAX_SEQUENCE } from "../../src/producer/sequences.ts";
import { splitBatch } from "../../src/producer/split.ts";
import type { FieldValue } from "../../src/protocol/record_batch.ts";
import {
  accumulatorOptions,
  draws,
  metadataWith,
  type Outcome,
  type PartitionSpec,
  recordSize,
  seededRandom,
  settle,
  settlers,
} from "./support/producer.ts";

const V40 = "x".repeat(40);
/** Size of a record with a null key and a 40-byte value: 47 bytes. */
const R = recordSize(null, V40);
/** A batch.size that exactly three such records fill. */
const BATCH = 61 + 3 * R;
const MB = 1_048_576;

const TOPICS: Record<string, PartitionSpec[]> = { t: [{ leader: 1 }, { leader: 1 }, { leader: 2 }] };

function setup(
  opts: Partial<AccumulatorOptions> = {},
  topics: Record<string, PartitionSpec[]> = TOPICS,
  memory = 64 * 1024,
) {
  const o = accumulatorOptions({ batchSize: BATCH, ...opts });
  const pool = new BufferPool(memory, o.batchSize);
  const acc = new RecordAccumulator(o, pool);
  const md = metadataWith(topics, 0);
  const outcomes: Outcome[] = [];
  const add = (
    partition: number,
    now = 0,
    value: FieldValue = V40,
    { topic = "t", slab = null as Uint8Array | null, sticky = false } = {},
  ): AppendResult => {
    const s = settlers();
    outcomes.push(s.outcome);
    const record = { topic, partition, timestamp: now, key: null, value, headers: null, resolve: s.resolve, reject: s.reject };
    // A copy: the accumulator reuses its result object on the next append.
    return { ...acc.append(record, { now, metadata: md, sticky, slab }) };
  };
  const drainOne = (node: number, now: number, max = MB, gate: Idempotence | null = null): ProducerBatch[] =>
    acc.drain(md, [node], max, now, gate).get(node) ?? [];
  return { o, pool, acc, md, add, outcomes, drainOne };
}

/** The parts of an "appended" result these tests look at. */
const appended = (recordSize: number, newBatch: boolean, full: boolean) => ({ kind: "appended", recordSize, newBatch, full });

const seqs = (batches: readonly ProducerBatch[]) => batches.map((b) => b.identity?.baseSequence ?? null);

afterEach(() => {
  // Undo Math.random spies (the accumulator's sticky partitioner and backoff use it).
  (Math.random as unknown as { mockRestore?: () => void }).mockRestore?.();
});

describe("append", () => {
  test("the record size used by these tests", () => {
    expect(R).toBe(47);
    expect(BATCH).toBe(202);
  });

  test("appends go into the last batch of the partition", () => {
    const { acc, pool, add } = setup();
    const first = add(0);
    expect(first).toMatchObject(appended(R, true, false));
    const second = add(0);
    expect(second).toMatchObject(appended(R, false, false));
    expect(second.kind === "appended" && second.batch).toBe(first.kind === "appended" && first.batch);
    const q = acc.queued("t", 0);
    expect(first.kind === "appended" && first.batch).toBe(q[0]!);
    expect(q.length).toBe(1);
    expect(q[0]!.recordCount).toBe(2);
    expect(q[0]!.sizeInBytes).toBe(61 + 2 * R);
    expect(q[0]!.slab.length).toBe(BATCH);
    expect(acc.queued("t", 1).length).toBe(0);
    expect(acc.incomplete.size).toBe(1);
    expect(pool.availableMemory).toBe(64 * 1024 - BATCH);
  });

  test("a full batch is followed by a new one (newBatch / full)", () => {
    const { acc, add } = setup();
    add(0);
    add(0);
    expect(add(0)).toMatchObject(appended(R, false, true)); // fills the slab exactly
    expect(acc.queued("t", 0)[0]!.isFull).toBe(true);
    expect(add(0)).toMatchObject(appended(R, true, true)); // more than one batch queued
    expect(add(0)).toMatchObject(appended(R, false, true));
    expect(acc.queued("t", 0).map((b) => b.recordCount)).toEqual([3, 2]);
    expect(acc.incomplete.size).toBe(2);
  });

  test("a record that does not fit the rest of the slab starts a new batch", () => {
    const { acc, add } = setup({ batchSize: 200 }); // room for 2 records (155 bytes), not 3 (202)
    add(0);
    expect(add(0)).toMatchObject(appended(R, false, false));
    expect(add(0)).toMatchObject(appended(R, true, true));
    expect(acc.queued("t", 0).map((b) => b.recordCount)).toEqual([2, 1]);
  });

  test("a record bigger than batch.size gets its own slab, from the byte budget", () => {
    const { acc, pool, add } = setup();
    const big = "y".repeat(500);
    const size = recordSize(null, big);
    expect(size).toBe(509);
    expect(add(0, 0, big)).toMatchObject(appended(size, true, true));
    const [b] = acc.queued("t", 0);
    expect(b!.slab.length).toBe(61 + size);
    expect(b!.isFull).toBe(true);
    expect(pool.availableMemory).toBe(64 * 1024 - 570);
    expect(add(0)).toMatchObject(appended(R, true, true)); // the next record needs a batch of its own
    expect(acc.queued("t", 0).map((x) => x.slab.length)).toEqual([570, BATCH]);
    acc.release(b!);
    expect(pool.availableMemory).toBe(64 * 1024 - BATCH);
    acc.release(b!); // twice is a no-op
    expect(pool.availableMemory).toBe(64 * 1024 - BATCH);
  });

  test("too-large for a record over max.request.size; a slab given is returned", () => {
    const { acc, pool, add } = setup({ maxRequestSize: 300 });
    const huge = "z".repeat(400);
    expect(add(0, 0, huge)).toEqual({ kind: "too-large", recordSize: recordSize(null, huge) });
    expect(acc.queued("t", 0).length).toBe(0);
    expect(acc.incomplete.size).toBe(0);
    expect(pool.availableMemory).toBe(64 * 1024);

    add(0); // an open batch: the too-large record is refused by it too
    expect(add(0, 0, huge)).toEqual({ kind: "too-large", recordSize: recordSize(null, huge) });
    expect(acc.queued("t", 0).map((b) => b.recordCount)).toEqual([1]);

    const slab = pool.tryAllocate(BATCH)!;
    expect(add(1, 0, huge, { slab }).kind).toBe("too-large");
    expect(pool.availableMemory).toBe(64 * 1024 - BATCH); // only the open batch of partition 0
  });

  test("needs-memory when the pool has no slab; the slab waited for is then used", () => {
    const { acc, pool, add, drainOne } = setup({}, TOPICS, BATCH); // memory for one batch
    add(0);
    add(0);
    add(0);
    expect(add(0)).toEqual({ kind: "needs-memory", recordSize: R, batchSize: BATCH });
    expect(acc.queued("t", 0).length).toBe(1);
    expect(acc.incomplete.size).toBe(1);
    const [sent] = drainOne(1, 10);
    acc.release(sent!);
    const slab = pool.tryAllocate(acc.batchSizeFor(R, "t"))!;
    expect(slab.length).toBe(BATCH);
    expect(add(0, 20, V40, { slab })).toMatchObject(appended(R, true, false));
    expect(acc.queued("t", 0)[0]!.slab).toBe(slab);
    expect(pool.availableMemory).toBe(0);
  });

  test("needs-memory while others wait for memory, even if some is free", async () => {
    const { acc, pool, add } = setup({}, TOPICS, 2 * BATCH);
    add(0);
    const waiting = pool.allocate(2 * BATCH, 10_000).catch((e: unknown) => e);
    expect(pool.availableMemory).toBe(0); // what was free is set aside for the waiter
    expect(add(1).kind).toBe("needs-memory");
    const closed = new Error("closed");
    pool.failWaiters(closed);
    expect(await waiting).toBe(closed);
    expect(add(1)).toMatchObject(appended(R, true, false));
    void acc;
  });

  test("a slab waited for is given back when the last batch had room after all", () => {
    const { acc, pool, add } = setup();
    add(0);
    const slab = pool.tryAllocate(BATCH)!;
    expect(pool.availableMemory).toBe(64 * 1024 - 2 * BATCH);
    expect(add(0, 0, V40, { slab })).toMatchObject(appended(R, false, false));
    expect(acc.queued("t", 0).length).toBe(1);
    expect(pool.availableMemory).toBe(64 * 1024 - BATCH);
    expect(pool.tryAllocate(BATCH)).toBe(slab); // back on the free list
  });
});

describe("ready", () => {
  test("not ready before linger.ms; nextReadyCheckDelayMs is the remaining linger", () => {
    const { acc, md, add } = setup({ lingerMs: 5 });
    add(0, 1000);
    let r = acc.ready(md, 1002, false);
    expect([...r.readyNodes]).toEqual([]);
    expect(r.nextReadyCheckDelayMs).toBe(3);
    expect([...r.unknownLeaderTopics]).toEqual([]);
    r = acc.ready(md, 1005, false);
    expect([...r.readyNodes]).toEqual([1]);
    expect(r.nextReadyCheckDelayMs).toBe(Infinity);
  });

  test("nothing queued: no node, no deadline", () => {
    const { acc, md } = setup();
    const r = acc.ready(md, 0, false);
    expect(r.readyNodes.size).toBe(0);
    expect(r.nextReadyCheckDelayMs).toBe(Infinity);
  });

  test("the earliest linger across partitions and nodes", () => {
    const { acc, md, add } = setup({ lingerMs: 5 });
    add(0, 1000); // node 1
    add(2, 1003); // node 2
    let r = acc.ready(md, 1004, false);
    expect(r.readyNodes.size).toBe(0);
    expect(r.nextReadyCheckDelayMs).toBe(1);
    r = acc.ready(md, 1005, false);
    expect([...r.readyNodes]).toEqual([1]);
    expect(r.nextReadyCheckDelayMs).toBe(3);
  });

  test("ready at once when the batch is full, or a second batch is queued", () => {
    const full = setup({ lingerMs: 1000 });
    full.add(0, 0);
    full.add(0, 0);
    full.add(0, 0);
    expect([...full.acc.ready(full.md, 0, false).readyNodes]).toEqual([1]);

    const two = setup({ lingerMs: 1000, batchSize: 200 });
    for (let i = 0; i < 3; i++) two.add(0, 0);
    expect(two.acc.queued("t", 0).length).toBe(2);
    expect(two.acc.queued("t", 0)[0]!.isFull).toBe(false);
    expect([...two.acc.ready(two.md, 0, false).readyNodes]).toEqual([1]);
  });

  test("ready at once while a flush is in progress, when closing, or when memory is exhausted", () => {
    const { acc, md, add } = setup({ lingerMs: 1000 });
    add(2, 0);
    expect(acc.ready(md, 1, false).readyNodes.size).toBe(0);
    acc.beginFlush();
    expect([...acc.ready(md, 1, false).readyNodes]).toEqual([2]);
    acc.endFlush();
    expect(acc.ready(md, 1, false).readyNodes.size).toBe(0);
    expect([...acc.ready(md, 1, true).readyNodes]).toEqual([2]);
    acc.beginClose();
    expect([...acc.ready(md, 1, false).readyNodes]).toEqual([2]);
  });

  test("a partition without a leader puts its topic in unknownLeaderTopics", () => {
    const { acc, md, add } = setup({ lingerMs: 0 }, { t: TOPICS.t!, u: [{ leader: -1 }, { leader: 3 }] });
    add(0, 0, V40, { topic: "u" });
    add(1, 0, V40, { topic: "u" });
    const r = acc.ready(md, 10, false);
    expect([...r.unknownLeaderTopics]).toEqual(["u"]);
    expect([...r.readyNodes]).toEqual([3]);
  });
});

describe("retries", () => {
  test("a re-enqueued batch is not ready nor drained until its backoff elapsed", () => {
    spyOn(Math, "random").mockReturnValue(0.5); // no jitter: backoff = 100 ms, then 200 ms
    const { acc, md, add, drainOne } = setup({ lingerMs: 0, retryBackoffMs: 100, retryBackoffMaxMs: 1000 });
    add(0, 0);
    const [b] = drainOne(1, 10);
    b!.sentLeaderEpoch = md.leaderEpochFor("t", 0); // as the sender does when it sends the batch
    expect(b!.attempts).toBe(0);
    acc.reenqueue(b!, 20);
    expect(b!.attempts).toBe(1);
    expect(b!.retry).toBe(true);
    expect(b!.lastAttemptMs).toBe(20);
    expect(b!.retryBackoffMs).toBe(100);
    expect(acc.queued("t", 0)).toEqual([b!]);

    let r = acc.ready(md, 50, false);
    expect(r.readyNodes.size).toBe(0);
    expect(r.nextReadyCheckDelayMs).toBe(70);
    acc.beginFlush(); // a flush does not cut a backoff short
    expect(acc.ready(md, 50, true).readyNodes.size).toBe(0);
    acc.endFlush();
    expect(drainOne(1, 119)).toEqual([]);
    r = acc.ready(md, 120, false);
    expect([...r.readyNodes]).toEqual([1]);
    expect(drainOne(1, 120)).toEqual([b!]);

    acc.reenqueue(b!, 200);
    expect(b!.attempts).toBe(2);
    expect(b!.retryBackoffMs).toBe(200);
    expect(acc.ready(md, 399, false).nextReadyCheckDelayMs).toBe(1);
    expect([...acc.ready(md, 400, false).readyNodes]).toEqual([1]);
  });

  test("a newer leader epoch skips the backoff (KIP-951)", () => {
    spyOn(Math, "random").mockReturnValue(0.5);
    const { acc, md, add, drainOne } = setup({ lingerMs: 0 }, { t: [{ leader: 1, epoch: 4 }] });
    add(0, 0);
    const [b] = drainOne(1, 0);
    b!.sentLeaderEpoch = md.leaderEpochFor("t", 0);
    expect(b!.sentLeaderEpoch).toBe(4);
    acc.reenqueue(b!, 10);
    expect(acc.ready(md, 20, false).readyNodes.size).toBe(0);
    expect(md.updateLeader("t", 0, 2, 4, [])).toBe(false); // same epoch: nothing changes
    expect(acc.ready(md, 20, false).readyNodes.size).toBe(0);
    expect(md.updateLeader("t", 0, 2, 5, [])).toBe(true);
    expect([...acc.ready(md, 20, false).readyNodes]).toEqual([2]);
    expect(drainOne(2, 20)).toEqual([b!]);
  });

  test("a drained batch re-enqueued without a recorded send epoch still backs off (Java compares with the epoch at drain)", () => {
    // The sender re-enqueues without sending when it has no connection; sentLeaderEpoch stays -1
    // and any known leader epoch (>= 0) then looks "newer", skipping the backoff.
    spyOn(Math, "random").mockReturnValue(0.5);
    const { acc, md, add, drainOne } = setup({ lingerMs: 0 }, { t: [{ leader: 1, epoch: 0 }] });
    add(0, 0);
    const [b] = drainOne(1, 0);
    acc.reenqueue(b!, 10);
    expect(acc.ready(md, 20, false).readyNodes.size).toBe(0);
    expect(drainOne(1, 20)).toEqual([]);
    expect(drainOne(1, 110)).toEqual([b!]);
  });

  test("without idempotence a retry goes to the front of its deque", () => {
    const { acc, add, drainOne } = setup({ lingerMs: 0 });
    add(0, 0);
    const [b] = drainOne(1, 0);
    add(0, 1); // a new batch queued meanwhile
    const newer = acc.queued("t", 0)[0]!;
    acc.reenqueue(b!, 5);
    expect(acc.queued("t", 0)).toEqual([b!, newer]);
    add(0, 6); // appends still go to the open batch behind it
    expect(newer.recordCount).toBe(2);
  });
});

describe("drain", () => {
  test("at most one batch per partition per node; drained batches are closed", () => {
    const { acc, md, add } = setup({ lingerMs: 0 });
    for (let i = 0; i < 4; i++) add(0, 0); // two batches
    add(1, 0);
    add(2, 0);
    const [p0first, p0second] = acc.queued("t", 0);
    const out = acc.drain(md, [1, 2], MB, 10, null);
    expect([...out.keys()]).toEqual([1, 2]);
    expect(out.get(1)!.map((b) => b.partition)).toEqual([0, 1]);
    expect(out.get(1)![0]).toBe(p0first!);
    expect(out.get(2)!.map((b) => b.partition)).toEqual([2]);
    for (const b of [...out.get(1)!, ...out.get(2)!]) expect(b.closed).toBe(true);
    expect(acc.queued("t", 0)).toEqual([p0second!]);
    expect(p0second!.closed).toBe(false);
    expect(acc.queued("t", 1).length).toBe(0);
    add(1, 11); // a new batch, not the drained one
    expect(acc.queued("t", 1).length).toBe(1);
    expect(acc.queued("t", 1)[0]!.recordCount).toBe(1);
  });

  test("a node with nothing to send is left out of the result", () => {
    const { acc, md, add } = setup();
    add(0, 0);
    const out = acc.drain(md, [1, 2, 3], MB, 10, null);
    expect([...out.keys()]).toEqual([1]);
  });

  test("stops at maxRequestSize; the next drain starts where it stopped (round robin)", () => {
    const { acc, md, add } = setup({}, { t: [{ leader: 1 }, { leader: 1 }, { leader: 1 }] });
    for (const p of [0, 1, 2]) for (let i = 0; i < 6; i++) add(p, 0); // two full 202-byte batches each
    const parts = (batches: ProducerBatch[]) => batches.map((b) => b.partition);
    const first = acc.drain(md, [1], 2 * BATCH, 10, null).get(1)!;
    expect(parts(first)).toEqual([0, 1]);
    const second = acc.drain(md, [1], 2 * BATCH, 10, null).get(1)!;
    expect(parts(second)).toEqual([2, 0]);
    const third = acc.drain(md, [1], 2 * BATCH, 10, null).get(1)!;
    expect(parts(third)).toEqual([1, 2]);
    expect(acc.hasQueued()).toBe(false);
  });

  test("the first batch always goes, even over maxRequestSize", () => {
    const { acc, md, add } = setup({}, { t: [{ leader: 1 }, { leader: 1 }] });
    for (let i = 0; i < 3; i++) add(0, 0);
    for (let i = 0; i < 3; i++) add(1, 0);
    const one = acc.drain(md, [1], 100, 10, null).get(1)!;
    expect(one.map((b) => b.partition)).toEqual([0]);
    expect(one[0]!.sizeInBytes).toBe(BATCH);
    expect(acc.drain(md, [1], 100, 10, null).get(1)!.map((b) => b.partition)).toEqual([1]);
  });

  test("with a SequenceGate, sequences are stamped in order per partition", () => {
    const { acc, add, drainOne } = setup();
    const idem = new Idempotence(false);
    idem.setProducerIdAndEpoch({ producerId: 42n, epoch: 3 });
    for (let i = 0; i < 4; i++) add(0, 0); // batches of 3 and 1 records
    add(1, 0);
    add(1, 0);
    const d1 = drainOne(1, 10, MB, idem);
    expect(d1.map((b) => [b.partition, b.identity])).toEqual([
      [0, { producerId: 42n, producerEpoch: 3, baseSequence: 0, transactional: false }],
      [1, { producerId: 42n, producerEpoch: 3, baseSequence: 0, transactional: false }],
    ]);
    // One batch in flight per partition until the broker acknowledged one (KAFKA-15591).
    expect(drainOne(1, 10, MB, idem)).toEqual([]);
    idem.handleCompleted(d1[0]!, 0n);
    const d2 = drainOne(1, 10, MB, idem);
    expect(d2.map((b) => [b.partition, b.identity!.baseSequence])).toEqual([[0, 3]]);
    expect(idem.partition("t", 0)!.nextSequence).toBe(4);
    expect(idem.partition("t", 1)!.nextSequence).toBe(2);
  });

  test("the gate holds everything back until there is a producer id", () => {
    const { acc, add, drainOne } = setup();
    const idem = new Idempotence(false);
    add(0, 0);
    expect(drainOne(1, 10, MB, idem)).toEqual([]);
    expect(acc.queued("t", 0).length).toBe(1);
    expect(acc.queued("t", 0)[0]!.identity).toBeNull();
    idem.setProducerIdAndEpoch({ producerId: 1n, epoch: 0 });
    expect(seqs(drainOne(1, 10, MB, idem))).toEqual([0]);
  });

  test("a partition the gate holds does not stop the others", () => {
    const { add, drainOne } = setup();
    const idem = new Idempotence(false);
    idem.setProducerIdAndEpoch({ producerId: 1n, epoch: 0 });
    idem.partitionAllowed = (b) => b.partition !== 0;
    add(0, 0);
    add(1, 0);
    expect(drainOne(1, 10, MB, idem).map((b) => b.partition)).toEqual([1]);
  });
});

describe("reenqueue with sequences", () => {
  function stamped() {
    const ctx = setup({ lingerMs: 0 }, { t: [{ leader: 1 }] });
    const idem = new Idempotence(false);
    idem.setProducerIdAndEpoch({ producerId: 7n, epoch: 0 });
    // The partition's first batch must be acknowledged before more can be in flight (KAFKA-15591).
    ctx.add(0, 0);
    const [first] = ctx.drainOne(1, 0, MB, idem);
    idem.handleCompleted(first!, 0n);
    for (let i = 0; i < 10; i++) ctx.add(0, 0); // batches of 3, 3, 3, 1
    const [a] = ctx.drainOne(1, 0, MB, idem);
    const [b] = ctx.drainOne(1, 0, MB, idem);
    const [c] = ctx.drainOne(1, 0, MB, idem);
    return { ...ctx, idem, a: a!, b: b!, c: c!, d: ctx.acc.queued("t", 0)[0]! };
  }

  test("retried batches are inserted by sequence, ahead of unsent ones", () => {
    spyOn(Math, "random").mockReturnValue(0.5);
    const { acc, a, b, c, d } = stamped();
    expect(seqs([a, b, c, d])).toEqual([1, 4, 7, null]);
    acc.reenqueue(b, 10);
    expect(acc.queued("t", 0)).toEqual([b, d]);
    acc.reenqueue(c, 10);
    expect(acc.queued("t", 0)).toEqual([b, c, d]);
    acc.reenqueue(a, 10);
    expect(acc.queued("t", 0)).toEqual([a, b, c, d]);
  });

  test("defect 7: retries near the sequence wrap (2^31-1 → 0) still go back in sequence order", () => {
    spyOn(Math, "random").mockReturnValue(0.5);
    const { acc, a, b, c, d } = stamped();
    // The same three batches, numbered across the wrap: a just before it, b and c after.
    a.identity = { ...a.identity!, baseSequence: MAX_SEQUENCE - 1 };
    b.identity = { ...b.identity!, baseSequence: 1 };
    c.identity = { ...c.identity!, baseSequence: 4 };
    acc.reenqueue(c, 10);
    acc.reenqueue(a, 10);
    acc.reenqueue(b, 10);
    expect(acc.queued("t", 0)).toEqual([a, b, c, d]);
  });

  test("only the first in-flight sequence is resent; the next waits for it", () => {
    spyOn(Math, "random").mockReturnValue(0.5);
    const { acc, idem, a, b, c, drainOne } = stamped();
    acc.reenqueue(a, 10);
    acc.reenqueue(b, 10);
    acc.reenqueue(c, 10);
    expect(drainOne(1, 200, MB, idem)).toEqual([a]);
    expect(a.identity!.baseSequence).toBe(1); // kept on retry
    expect(drainOne(1, 200, MB, idem)).toEqual([]); // b is not first in flight while a is
    idem.handleCompleted(a, 100n);
    expect(drainOne(1, 200, MB, idem)).toEqual([b]);
    idem.handleCompleted(b, 103n);
    expect(drainOne(1, 200, MB, idem)).toEqual([c]);
  });
});

describe("expiry", () => {
  test("expiredBatches takes queued batches past delivery.timeout.ms, oldest first", () => {
    const { acc, add } = setup({ deliveryTimeoutMs: 1000 });
    for (let i = 0; i < 3; i++) add(0, 0);
    add(0, 500); // second batch of partition 0
    add(1, 900);
    const [b0, b1] = acc.queued("t", 0);
    const [c0] = acc.queued("t", 1);
    expect(acc.nextExpiryDelay(0)).toBe(1000);
    expect(acc.expiredBatches(999)).toEqual([]);
    expect(acc.nextExpiryDelay(999)).toBe(1);
    expect(acc.expiredBatches(1000)).toEqual([b0!]);
    expect(b0!.closed).toBe(true);
    expect(acc.queued("t", 0)).toEqual([b1!]);
    expect(acc.nextExpiryDelay(1000)).toBe(500);
    expect(acc.expiredBatches(1899)).toEqual([b1!]);
    expect(acc.expiredBatches(1900)).toEqual([c0!]);
    expect(acc.nextExpiryDelay(1900)).toBe(Infinity);
    expect(acc.hasQueued()).toBe(false);
  });
});

describe("defect 8: muting when order is guaranteed (max.in.flight.requests.per.connection=1)", () => {
  test("a drained batch mutes its partition: neither ready nor drained until it is released", () => {
    const { acc, md, add, drainOne } = setup({ lingerMs: 0, guaranteeMessageOrder: true });
    add(0, 0);
    add(1, 0);
    const sent = drainOne(1, 0);
    expect(sent.map((b) => b.partition)).toEqual([0, 1]);
    expect(acc.isMuted("t", 0)).toBe(true);
    add(0, 1); // the next batch of partition 0 must wait for the first one's answer
    const r = acc.ready(md, 10, false);
    expect(r.readyNodes.size).toBe(0);
    expect(r.nextReadyCheckDelayMs).toBe(Infinity); // the answer wakes the sender, no timer needed
    expect(drainOne(1, 10)).toEqual([]);
    acc.release(sent[0]!);
    expect(acc.isMuted("t", 0)).toBe(false);
    expect([...acc.ready(md, 10, false).readyNodes]).toEqual([1]);
    expect(drainOne(1, 10).map((b) => b.partition)).toEqual([0]);
  });

  test("a retry unmutes and goes out before the batch queued behind it, even at a new leader", () => {
    spyOn(Math, "random").mockReturnValue(0.5);
    const { acc, md, add, drainOne } = setup({ lingerMs: 0, guaranteeMessageOrder: true }, { t: [{ leader: 1, epoch: 0 }] });
    add(0, 0);
    const [first] = drainOne(1, 0);
    first!.sentLeaderEpoch = 0;
    add(0, 1);
    expect(md.updateLeader("t", 0, 2, 1, [])).toBe(true); // the leader moved while the first is in flight
    expect(drainOne(2, 5)).toEqual([]); // without muting the second batch would overtake here
    acc.reenqueue(first!, 6); // NOT_LEADER_OR_FOLLOWER: back to the front
    expect(acc.isMuted("t", 0)).toBe(false);
    expect(drainOne(2, 6)).toEqual([first!]); // the newer epoch skips the backoff (KIP-951)
    expect(drainOne(2, 6)).toEqual([]); // muted again by the retry
    acc.release(first!);
    expect(drainOne(2, 6)[0]!.recordCount).toBe(1);
  });

  test("only the batch that muted a partition unmutes it; a split unmutes it too", () => {
    const { acc, add, drainOne } = setup({ lingerMs: 0, guaranteeMessageOrder: true, deliveryTimeoutMs: 1000 }, { t: [{ leader: 1 }] });
    for (let i = 0; i < 4; i++) add(0, 0); // batches of 3 and 1 records
    const [big] = drainOne(1, 0);
    const [queued] = acc.expiredBatches(1000); // the queued batch expires while the first is in flight
    acc.release(queued!);
    expect(acc.isMuted("t", 0)).toBe(true);
    add(0, 1000);
    expect(drainOne(1, 1000)).toEqual([]);
    const parts = splitBatch(big!, 61 + 2 * R);
    acc.requeueSplit(big!, parts, 1000);
    expect(acc.isMuted("t", 0)).toBe(false);
    expect(drainOne(1, 1000)).toEqual([parts[0]!]);
  });

  test("without the guarantee nothing is muted (idempotence orders up to 5 in flight)", () => {
    const { acc, add, drainOne } = setup({ lingerMs: 0 });
    add(0, 0);
    expect(drainOne(1, 0).length).toBe(1);
    add(0, 1);
    expect(acc.isMuted("t", 0)).toBe(false);
    expect(drainOne(1, 1).length).toBe(1);
  });
});

describe("requeueSplit", () => {
  test("split parts go to the front in order; the big batch settles with them", async () => {
    const { acc, pool, add, outcomes, drainOne } = setup({ batchSize: 1024 }, { t: [{ leader: 1 }] });
    for (let i = 0; i < 4; i++) add(0, 100 + i);
    const [big] = drainOne(1, 200);
    add(0, 300); // a later batch queued behind
    const later = acc.queued("t", 0)[0]!;
    let earlyDone = false;
    void big!.settled().then(() => (earlyDone = true)); // waiting before the split
    const parts = splitBatch(big!, 61 + 2 * R);
    expect(parts.map((p) => p.recordCount)).toEqual([2, 2]);
    const before = pool.availableMemory;
    acc.requeueSplit(big!, parts, 5000);
    expect(acc.queued("t", 0)).toEqual([parts[0]!, parts[1]!, later]);
    for (const p of parts) {
      expect(p.closed).toBe(true);
      expect(p.lastAttemptMs).toBe(5000);
      expect(p.attempts).toBe(0);
      expect(acc.incomplete.has(p)).toBe(true);
    }
    expect(acc.incomplete.has(big!)).toBe(false);
    expect(big!.done).toBe(true);
    expect(big!.splitInto).toEqual(parts);
    expect(pool.availableMemory).toBe(before + 1024); // the big batch's pooled slab came back

    let lateDone = false;
    void big!.settled().then(() => (lateDone = true)); // waiting after the split
    parts[0]!.complete(500n, -1);
    await settle();
    expect([earlyDone, lateDone]).toEqual([false, false]);
    parts[1]!.complete(502n, -1);
    await settle();
    expect([earlyDone, lateDone]).toEqual([true, true]);
    expect(outcomes.slice(0, 4).map((o) => [o.calls, o.metadata!.offset, o.metadata!.timestamp])).toEqual([
      [1, 500n, 100],
      [1, 501n, 101],
      [1, 502n, 102],
      [1, 503n, 103],
    ]);
    big!.fail(new Error("late")); // the big batch is done: nothing settles twice
    expect(outcomes.slice(0, 4).every((o) => o.calls === 1 && o.error === null)).toBe(true);
  });

  test("with idempotence, split parts are inserted in sequence order behind a lower-sequence retry (as Java)", () => {
    spyOn(Math, "random").mockReturnValue(0.5);
    const { acc, add, drainOne } = setup({ batchSize: 1024, lingerMs: 0 }, { t: [{ leader: 1 }] });
    const idem = new Idempotence(false);
    idem.setProducerIdAndEpoch({ producerId: 7n, epoch: 0 });
    add(0, 0);
    const [first] = drainOne(1, 0, MB, idem); // sequence 0, acknowledged: more may be in flight
    idem.handleCompleted(first!, 0n);
    add(0, 0);
    add(0, 0);
    const [a] = drainOne(1, 0, MB, idem); // sequences 1-2
    for (let i = 0; i < 4; i++) add(0, 1);
    const [big] = drainOne(1, 1, MB, idem); // sequences 3-6
    expect(seqs([a!, big!])).toEqual([1, 3]);
    acc.reenqueue(a!, 10); // its request failed: retry
    const parts = splitBatch(big!, 61 + 2 * R); // the broker said MESSAGE_TOO_LARGE for the other
    idem.replaceSplit(big!, parts);
    acc.requeueSplit(big!, parts, 10);
    // Java's splitAndReenqueue uses insertInSequenceOrder: 1, 3, 5.
    expect(seqs(acc.queued("t", 0))).toEqual([1, 3, 5]);
    // Otherwise the partition is stuck: the head (sequence 3) waits for sequence 1, queued behind it.
    expect(drainOne(1, 5000, MB, idem)).toEqual([a!]);
  });
});

describe("sticky partitioning through the accumulator", () => {
  test("adaptive partitioning does not lock onto the partitions that happen to have deques (Java waits for all)", () => {
    spyOn(Math, "random").mockImplementation(seededRandom(5));
    const { acc, md, add } = setup({ adaptivePartitioning: true, lingerMs: 0 }, { t: [{ leader: 1 }, { leader: 1 }, { leader: 1 }] });
    const used = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const p = acc.stickyPartition("t", md);
      used.add(p);
      add(p, i, V40, { sticky: true });
      if (i % 3 === 2) {
        acc.ready(md, i, false);
        for (const b of acc.drain(md, [1], MB, i, null).get(1) ?? []) acc.release(b);
      }
    }
    expect([...used].sort()).toEqual([0, 1, 2]);
  });

  test("partitioner.availability.timeout.ms leaves out a leader that was never drainable (Java starts its drain time at the first ready)", () => {
    // Node 2 has data from t=0 but the sender never can drain it (not connected).
    spyOn(Math, "random").mockImplementation(draws(0, 2));
    const { acc, md, add } = setup(
      { adaptivePartitioning: true, availabilityTimeoutMs: 100, lingerMs: 0 },
      { t: [{ leader: 1 }, { leader: 2 }] },
    );
    expect(acc.stickyPartition("t", md)).toBe(0); // draw 0 over [0, 1]
    for (const p of [0, 1]) add(p, 0);
    for (const now of [0, 200, 400]) {
      expect([...acc.ready(md, now, false).readyNodes].sort()).toEqual(now === 0 ? [1, 2] : [2]);
      acc.drain(md, [1], MB, now, null); // only node 1 can take requests
    }
    // At 400 ms node 2 was ready for 200 ms (> 100) without a drain: partition 1 is out of the load
    // stats, so the next sticky partition is 0 whatever the draw. With partition 1 counted
    // (queues [0, 1] -> weights 2:1), draw 2 would pick it.
    add(0, 400, "w".repeat(500), { sticky: true }); // >= 2 x batch.size: switch
    expect(acc.stickyPartition("t", md)).toBe(0);
  });

  /** Sends `value` records with sticky partitioning; returns the partition of each. */
  function stickySender(batchSize: number) {
    spyOn(Math, "random").mockImplementation(draws(0, 1, 2));
    const { acc, md, add } = setup({ lingerMs: 1000, batchSize }, { t: [{ leader: 1 }, { leader: 1 }, { leader: 1 }] });
    const send = (value: string) => {
      const p = acc.stickyPartition("t", md);
      add(p, 0, value, { sticky: true });
      return p;
    };
    return { acc, md, send };
  }

  test("the sticky partition switches once one full batch (batch.size bytes, header included) was produced, as Java", () => {
    // Java counts a new batch's estimatedSizeInBytes (61-byte header + record), so three 47-byte
    // records make 202 = batch.size bytes and fill the batch exactly: switch after the third.
    const { acc, md, send } = stickySender(BATCH);
    expect([send(V40), send(V40), send(V40)]).toEqual([0, 0, 0]);
    expect(acc.queued("t", 0)[0]!.isFull).toBe(true);
    expect(acc.stickyPartition("t", md)).toBe(1);
    expect(acc.queued("t", 0).map((b) => b.recordCount)).toEqual([3]);
  });

  test("the sticky partition does not switch while the newest batch of the partition is not full (Java allBatchesFull)", () => {
    // 100-byte records, batch.size 1000: 9 records per batch (961 bytes). Java: after record 10
    // (in a second batch) 1122 bytes were produced but that batch is not full: stay. Records 11-18
    // fill the second batch to 961 bytes (not full: < 1000); record 19 opens a third batch, and
    // 2083 >= 2 x batch.size forces the switch.
    const v = "x".repeat(91);
    expect(recordSize(null, v)).toBe(100);
    const { acc, md, send } = stickySender(1000);
    const parts = Array.from({ length: 19 }, () => send(v));
    expect(parts).toEqual(new Array(19).fill(0));
    expect(acc.queued("t", 0).map((b) => b.recordCount)).toEqual([9, 9, 1]);
    expect(acc.stickyPartition("t", md)).toBe(1);
  });
});
