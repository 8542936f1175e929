/**
 * BufferPool: the `buffer.memory` bound, as Java's `BufferPool` — poolable
 * slabs reused, other sizes from a byte budget, FIFO waiters that accumulate
 * memory, timeouts, aborts, and the too-large check.
 */

import { afterEach, beforeEach, describe, expect, jest, test } from "bun:test";
import { BufferExhaustedError, RecordTooLargeError, TimeoutError } from "../../src/errors.ts";
import { BufferPool } from "../../src/producer/buffer_pool.ts";
import { settle } from "./support/producer.ts";

const SLAB = 1024;

/** Takes every poolable slab of a pool of `count` slabs. */
function drained(count: number): { pool: BufferPool; slabs: Uint8Array[] } {
  const pool = new BufferPool(count * SLAB, SLAB);
  const slabs = Array.from({ length: count }, () => pool.tryAllocate(SLAB)!);
  expect(pool.availableMemory).toBe(0);
  return { pool, slabs };
}

beforeEach(() => {
  jest.useFakeTimers();
  jest.setSystemTime(1_000_000);
});

afterEach(() => {
  jest.useRealTimers();
});

describe("BufferPool accounting", () => {
  test("a poolable slab comes back as the same object", () => {
    const pool = new BufferPool(4 * SLAB, SLAB);
    const a = pool.tryAllocate(SLAB)!;
    expect(a.length).toBe(SLAB);
    expect(pool.availableMemory).toBe(3 * SLAB);
    pool.deallocate(a);
    expect(pool.availableMemory).toBe(4 * SLAB);
    expect(pool.tryAllocate(SLAB)).toBe(a);
    expect(pool.availableMemory).toBe(3 * SLAB);
  });

  test("non-poolable sizes come from and return to the byte budget (never reused)", () => {
    const pool = new BufferPool(4 * SLAB, SLAB);
    const odd = pool.tryAllocate(500)!;
    expect(odd.length).toBe(500);
    expect(pool.availableMemory).toBe(4 * SLAB - 500);
    pool.deallocate(odd);
    expect(pool.availableMemory).toBe(4 * SLAB);
    const again = pool.tryAllocate(500)!;
    expect(again).not.toBe(odd);
    expect(again.length).toBe(500);
  });

  test("free-list slabs are released into the budget for a larger allocation, newest first", () => {
    const { pool, slabs } = drained(4);
    for (const s of slabs) pool.deallocate(s); // free list: s0 s1 s2 s3
    expect(pool.availableMemory).toBe(4 * SLAB);
    const big = pool.tryAllocate(2000)!; // frees s3 and s2 into the budget
    expect(big.length).toBe(2000);
    expect(pool.availableMemory).toBe(4 * SLAB - 2000);
    expect(pool.tryAllocate(SLAB)).toBe(slabs[1]!);
    expect(pool.tryAllocate(SLAB)).toBe(slabs[0]!);
    expect(pool.availableMemory).toBe(48); // 2048 unpooled - 2000
    expect(pool.tryAllocate(49)).toBeNull(); // 48 bytes left
    expect(pool.tryAllocate(48)!.length).toBe(48);
    expect(pool.availableMemory).toBe(0);
  });

  test("tryAllocate gives nothing when short, or when others wait even if memory is free", async () => {
    const { pool, slabs } = drained(2);
    expect(pool.tryAllocate(1)).toBeNull();
    const waiting = pool.allocate(2 * SLAB, 10_000);
    pool.deallocate(slabs[0]!); // set aside for the waiter
    expect(pool.availableMemory).toBe(0);
    expect(pool.queued).toBe(1);
    expect(pool.tryAllocate(1)).toBeNull();
    pool.deallocate(slabs[1]!);
    const slab = await waiting;
    expect(slab.length).toBe(2 * SLAB);
    expect(pool.queued).toBe(0);
    expect(pool.availableMemory).toBe(0);
    pool.deallocate(slab);
    expect(pool.availableMemory).toBe(2 * SLAB);
  });

  test("a poolable waiter first in line gets the returned slab itself", async () => {
    const { pool, slabs } = drained(2);
    const waiting = pool.allocate(SLAB, 10_000);
    pool.deallocate(slabs[1]!);
    expect(await waiting).toBe(slabs[1]!);
    expect(pool.availableMemory).toBe(0);
  });

  test("allocate resolves at once when memory is there", async () => {
    const pool = new BufferPool(4 * SLAB, SLAB);
    const slab = await pool.allocate(700, 0);
    expect(slab.length).toBe(700);
    expect(pool.availableMemory).toBe(4 * SLAB - 700);
    expect(pool.waitTimeTotalMs).toBe(0);
  });
});

describe("BufferPool FIFO fairness", () => {
  test("a large waiter ahead of a small one is served first; memory accumulates for it", async () => {
    const { pool, slabs } = drained(4);
    const order: string[] = [];
    const big = pool.allocate(3000, 10_000).then((s) => (order.push("big"), s));
    const small = pool.allocate(SLAB, 10_000).then((s) => (order.push("small"), s));
    expect(pool.queued).toBe(2);

    pool.deallocate(slabs[0]!); // 1024 set aside for big
    await settle();
    expect(order).toEqual([]);
    expect(pool.availableMemory).toBe(0);

    pool.deallocate(slabs[1]!); // 2048 for big
    await settle();
    expect(order).toEqual([]);
    expect(pool.availableMemory).toBe(0);

    pool.deallocate(slabs[2]!); // big complete (3000); 72 bytes go to small
    await settle();
    expect(order).toEqual(["big"]);
    expect(pool.queued).toBe(1);
    expect(pool.availableMemory).toBe(0);

    pool.deallocate(slabs[3]!); // small takes 952 more
    await settle();
    expect(order).toEqual(["big", "small"]);
    expect(pool.queued).toBe(0);
    expect(pool.availableMemory).toBe(4 * SLAB - 3000 - SLAB);

    const [b, s] = await Promise.all([big, small]);
    expect(b.length).toBe(3000);
    expect(s.length).toBe(SLAB);
    pool.deallocate(b);
    pool.deallocate(s);
    expect(pool.availableMemory).toBe(4 * SLAB);
  });

  test("a small request arriving after a large waiter does not jump the queue", async () => {
    const { pool, slabs } = drained(4);
    const order: string[] = [];
    const big = pool.allocate(4 * SLAB, 10_000).then((s) => (order.push("big"), s));
    pool.deallocate(slabs[0]!);
    // Plenty for a 100-byte request, but the big waiter came first.
    const small = pool.allocate(100, 10_000).then(() => order.push("small"));
    await settle();
    expect(order).toEqual([]);
    expect(pool.queued).toBe(2);
    for (const s of slabs.slice(1)) pool.deallocate(s);
    await settle();
    expect(order).toEqual(["big"]);
    expect(pool.queued).toBe(1);
    pool.deallocate(await big);
    await small;
    expect(order).toEqual(["big", "small"]);
    expect(pool.availableMemory).toBe(4 * SLAB - 100);
  });
});

describe("BufferPool timeouts, aborts and closing", () => {
  test("timeout rejects with BufferExhaustedError naming the sizes and returns accumulated memory", async () => {
    const { pool, slabs } = drained(2);
    const caught = pool.allocate(1500, 250).catch((e: unknown) => e);
    pool.deallocate(slabs[0]!); // 1024 set aside for the waiter
    expect(pool.availableMemory).toBe(0);
    jest.advanceTimersByTime(249);
    await settle();
    expect(pool.queued).toBe(1);
    jest.advanceTimersByTime(1);
    const error = await caught;
    expect(error).toBeInstanceOf(BufferExhaustedError);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe(
      "Failed to allocate 1500 bytes within the configured max blocking time 250 ms (\"max.block.ms\"). " +
        "Total memory: 2048 bytes. Available memory: 0 bytes. Poolable size: 1024 bytes",
    );
    expect(pool.exhaustedTotal).toBe(1);
    expect(pool.waitTimeTotalMs).toBe(250);
    expect(pool.queued).toBe(0);
    expect(pool.availableMemory).toBe(SLAB); // the 1024 set aside came back
  });

  test("wait time adds up over successful waits", async () => {
    const { pool, slabs } = drained(1);
    const waiting = pool.allocate(SLAB, 10_000);
    jest.advanceTimersByTime(40);
    pool.deallocate(slabs[0]!);
    const slab = await waiting;
    expect(pool.waitTimeTotalMs).toBe(40);
    expect(pool.exhaustedTotal).toBe(0);
    const second = pool.allocate(SLAB, 10_000);
    jest.advanceTimersByTime(60);
    pool.deallocate(slab);
    await second;
    expect(pool.waitTimeTotalMs).toBe(100);
  });

  test("an abort rejects with signal.reason, returns accumulated memory, and the next waiter is served", async () => {
    const { pool, slabs } = drained(2);
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    const first = pool.allocate(2 * SLAB, 10_000, controller.signal).catch((e: unknown) => e);
    const second = pool.allocate(SLAB, 10_000);
    pool.deallocate(slabs[0]!); // accumulated by the first waiter
    expect(pool.availableMemory).toBe(0);
    jest.advanceTimersByTime(30);
    controller.abort(reason);
    expect(await first).toBe(reason);
    const slab = await second; // the 1024 the first waiter held go to the second
    expect(slab.length).toBe(SLAB);
    expect(pool.queued).toBe(0);
    expect(pool.availableMemory).toBe(0);
    expect(pool.exhaustedTotal).toBe(0);
    expect(pool.waitTimeTotalMs).toBe(30 + 30);
    // The timer of the aborted waiter is gone: nothing fires later.
    jest.advanceTimersByTime(20_000);
    expect(pool.exhaustedTotal).toBe(0);
    pool.deallocate(slabs[1]!);
    pool.deallocate(slab);
    expect(pool.availableMemory).toBe(2 * SLAB);
  });

  test("an already-aborted signal rejects at once when memory is short", async () => {
    const { pool } = drained(1);
    const reason = new Error("already aborted");
    const controller = new AbortController();
    controller.abort(reason);
    expect(await pool.allocate(SLAB, 10_000, controller.signal).catch((e: unknown) => e)).toBe(reason);
    expect(pool.queued).toBe(0);
  });

  test("failWaiters rejects every waiter with the error and returns their memory", async () => {
    const { pool, slabs } = drained(3);
    const closed = new Error("producer closed");
    const a = pool.allocate(2 * SLAB, 10_000).catch((e: unknown) => e);
    const b = pool.allocate(500, 10_000).catch((e: unknown) => e);
    pool.deallocate(slabs[0]!);
    expect(pool.availableMemory).toBe(0);
    pool.failWaiters(closed);
    expect(await a).toBe(closed);
    expect(await b).toBe(closed);
    expect(pool.queued).toBe(0);
    expect(pool.availableMemory).toBe(SLAB);
    jest.advanceTimersByTime(20_000);
    expect(pool.exhaustedTotal).toBe(0);
  });

  test("an allocation larger than buffer.memory is a RecordTooLargeError", async () => {
    const pool = new BufferPool(4 * SLAB, SLAB);
    let thrown: unknown;
    try {
      pool.tryAllocate(4 * SLAB + 1);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(RecordTooLargeError);
    expect((thrown as RecordTooLargeError).limit).toBe("buffer.memory");
    expect((thrown as Error).message).toBe('The record needs 4097 bytes, over the "buffer.memory" limit of 4096 bytes');
    const rejected = await pool.allocate(5000, 10).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(RecordTooLargeError);
    expect((rejected as RecordTooLargeError).limit).toBe("buffer.memory");
    expect(pool.queued).toBe(0);
    expect(pool.availableMemory).toBe(4 * SLAB);
    // Exactly buffer.memory is allowed.
    expect(pool.tryAllocate(4 * SLAB)!.length).toBe(4 * SLAB);
  });
});
