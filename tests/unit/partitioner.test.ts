/**
 * StickyPartitioner: KIP-794 uniform sticky partitioning as Java's
 * `BuiltInPartitioner` — when to switch, which partitions may be chosen, and
 * the adaptive (queue-depth weighted) choice. Keyed (murmur2) choice is
 * covered by murmur2.test.ts.
 */

import { describe, expect, test } from "bun:test";
import type { PartitionView } from "../../src/metadata.ts";
import { StickyPartitioner } from "../../src/producer/partitioner.ts";
import { draws, seededRandom } from "./support/producer.ts";

function view(count: number, available: readonly number[] = Array.from({ length: count }, (_, i) => i)): PartitionView {
  return { partitionCount: () => count, availablePartitions: () => available };
}

/** Forces a switch and returns the partition chosen. */
function switchOnce(s: StickyPartitioner, v: PartitionView, batchSize: number): number {
  const p = s.partition(v);
  s.update(p, batchSize * 2, v, false);
  return s.partition(v);
}

describe("StickyPartitioner switching", () => {
  test("the first partition is the random draw over the available partitions", () => {
    expect(new StickyPartitioner("t", 1000, draws(9)).partition(view(6))).toBe(3); // 9 % 6
    expect(new StickyPartitioner("t", 1000, draws(2)).partition(view(6))).toBe(2);
  });

  test("stays until batch.size bytes were produced AND the switch is enabled", () => {
    const v = view(6);
    const s = new StickyPartitioner("t", 1000, draws(1, 4));
    expect(s.partition(v)).toBe(1);
    s.update(1, 600, v, true);
    expect(s.partition(v)).toBe(1); // 600 < 1000
    s.update(1, 399, v, true);
    expect(s.partition(v)).toBe(1); // 999 < 1000
    s.update(1, 1, v, false);
    expect(s.partition(v)).toBe(1); // 1000 bytes, but the batch is not full
    s.update(1, 0, v, true);
    expect(s.partition(v)).toBe(4); // 1000 bytes and enabled: switch
  });

  test("switches unconditionally at 2 x batch.size", () => {
    const v = view(6);
    const s = new StickyPartitioner("t", 1000, draws(0, 5));
    expect(s.partition(v)).toBe(0);
    s.update(0, 1999, v, false);
    expect(s.partition(v)).toBe(0);
    s.update(0, 1, v, false);
    expect(s.partition(v)).toBe(5);
  });

  test("the byte count restarts after a switch", () => {
    const v = view(6);
    const s = new StickyPartitioner("t", 1000, draws(0, 2, 3));
    s.partition(v);
    s.update(0, 1000, v, true);
    expect(s.partition(v)).toBe(2);
    s.update(2, 999, v, true);
    expect(s.partition(v)).toBe(2);
    s.update(2, 1, v, true);
    expect(s.partition(v)).toBe(3);
  });

  test("updates for another partition than the current one are ignored", () => {
    const v = view(6);
    const s = new StickyPartitioner("t", 1000, draws(2, 4));
    expect(s.partition(v)).toBe(2);
    s.update(3, 5000, v, true);
    expect(s.partition(v)).toBe(2);
  });

  test("the random choice is among available partitions only", () => {
    const v = view(6, [1, 4]);
    expect(new StickyPartitioner("t", 1000, draws(3)).partition(v)).toBe(4); // available[3 % 2]
    expect(new StickyPartitioner("t", 1000, draws(4)).partition(v)).toBe(1); // available[4 % 2]
    const s = new StickyPartitioner("t", 1000, seededRandom(7));
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(switchOnce(s, v, 1000));
    expect([...seen].sort()).toEqual([1, 4]);
  });

  test("with no available partition, any partition of the topic", () => {
    expect(new StickyPartitioner("t", 1000, draws(8)).partition(view(6, []))).toBe(2); // 8 % 6
  });

  test("a partition beyond a shrunk partition count is re-chosen", () => {
    const s = new StickyPartitioner("t", 1000, draws(5, 1));
    expect(s.partition(view(6))).toBe(5);
    expect(s.partition(view(3))).toBe(1);
  });

  test("over many switches every partition is used about equally", () => {
    const v = view(6);
    const s = new StickyPartitioner("t", 1000, seededRandom(42));
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 6000; i++) counts[switchOnce(s, v, 1000)]!++;
    for (const c of counts) {
      expect(c).toBeGreaterThan(850);
      expect(c).toBeLessThan(1150);
    }
    expect(counts.reduce((a, b) => a + b, 0)).toBe(6000);
  });
});

describe("StickyPartitioner adaptive load stats", () => {
  test("queue sizes [0, 10, 10, 10] give weights 11:1:1:1 (maxQueue + 1 - size)", () => {
    const v = view(4);
    const pick = (k: number) => {
      const s = new StickyPartitioner("t", 1000, draws(k));
      s.updateLoadStats(Int32Array.from([0, 10, 10, 10]), Int32Array.from([0, 1, 2, 3]), 4, 4);
      return s.partition(v);
    };
    // Cumulative table [11, 12, 13, 14]: draw % 14 picks the first entry above it.
    for (let k = 0; k <= 10; k++) expect(pick(k)).toBe(0);
    expect(pick(11)).toBe(1);
    expect(pick(12)).toBe(2);
    expect(pick(13)).toBe(3);
    expect(pick(14)).toBe(0);
    expect(pick(14 + 12)).toBe(2);
  });

  test("the short queue is chosen with the expected frequency", () => {
    const v = view(4);
    const s = new StickyPartitioner("t", 1000, seededRandom(1234));
    s.updateLoadStats(Int32Array.from([0, 10, 10, 10]), Int32Array.from([0, 1, 2, 3]), 4, 4);
    const counts = [0, 0, 0, 0];
    const n = 14_000;
    for (let i = 0; i < n; i++) counts[switchOnce(s, v, 1000)]!++;
    // Expected 11000 : 1000 : 1000 : 1000.
    expect(counts[0]!).toBeGreaterThan(10_700);
    expect(counts[0]!).toBeLessThan(11_300);
    for (const c of counts.slice(1)) {
      expect(c).toBeGreaterThan(880);
      expect(c).toBeLessThan(1120);
    }
  });

  test("weights map to the partition ids given, not to indexes; entries past length are ignored", () => {
    // Partitions 5, 2, 7 with queues 2, 0, 2: weights 1, 3, 1 -> cumulative [1, 4, 5].
    const pick = (k: number) => {
      const s = new StickyPartitioner("t", 1000, draws(k));
      s.updateLoadStats(Int32Array.from([2, 0, 2, 99]), Int32Array.from([5, 2, 7, 99]), 3, 8);
      return s.partition(view(8));
    };
    expect(pick(0)).toBe(5);
    expect(pick(1)).toBe(2);
    expect(pick(3)).toBe(2);
    expect(pick(4)).toBe(7);
    expect(pick(5)).toBe(5); // 5 % 5
  });

  test("equal queues over all partitions clear the stats (plain uniform choice)", () => {
    const v = view(4, [0, 1, 2, 3]);
    const s = new StickyPartitioner("t", 1000, draws(0, 13, 2));
    s.updateLoadStats(Int32Array.from([0, 10, 10, 10]), Int32Array.from([0, 1, 2, 3]), 4, 4);
    expect(s.partition(v)).toBe(0);
    s.updateLoadStats(Int32Array.from([3, 3, 3, 3]), Int32Array.from([0, 1, 2, 3]), 4, 4);
    s.update(0, 2000, v, false);
    expect(s.partition(v)).toBe(1); // uniform: available[13 % 4]; weighted would give 3
    s.update(1, 2000, v, false);
    expect(s.partition(v)).toBe(2);
  });

  test("equal queues over only some partitions still restrict the choice to them", () => {
    // Partition 2 was left out (slow leader): the others share equally, 2 is never picked.
    const s = new StickyPartitioner("t", 1000, seededRandom(99));
    s.updateLoadStats(Int32Array.from([3, 3, 3]), Int32Array.from([0, 1, 3]), 3, 4);
    const v = view(4);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[switchOnce(s, v, 1000)]!++;
    expect(counts[2]).toBe(0);
    for (const p of [0, 1, 3]) {
      expect(counts[p]!).toBeGreaterThan(850);
      expect(counts[p]!).toBeLessThan(1150);
    }
  });

  test("null stats or zero length clear the stats", () => {
    const v = view(4);
    const s = new StickyPartitioner("t", 1000, draws(0, 13, 13));
    s.updateLoadStats(Int32Array.from([0, 10, 10, 10]), Int32Array.from([0, 1, 2, 3]), 4, 4);
    s.updateLoadStats(null, null, 0, 4);
    s.update(s.partition(v), 2000, v, false);
    expect(s.partition(v)).toBe(1); // 13 % 4 (uniform), not 3 (weighted)
    s.updateLoadStats(Int32Array.from([0, 10, 10, 10]), Int32Array.from([0, 1, 2, 3]), 0, 4);
    s.update(1, 2000, v, false);
    expect(s.partition(v)).toBe(1);
  });
});
