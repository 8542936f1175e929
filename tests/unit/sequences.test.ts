/**
 * Per-partition sequence bookkeeping (Java's `TxnPartitionEntry`) and
 * sequence arithmetic (`DefaultRecordBatch.incrementSequence`).
 */

import { describe, expect, test } from "bun:test";
import { incrementSequence, lastSequence, MAX_SEQUENCE, NO_PRODUCER_ID, PartitionSequences } from "../../src/producer/sequences.ts";
import { batchOf, withIdentity } from "./support/producer.ts";

describe("incrementSequence", () => {
  test("adds, and wraps past 2^31-1 to 0", () => {
    expect(MAX_SEQUENCE).toBe(2147483647);
    expect(incrementSequence(5, 3)).toBe(8);
    expect(incrementSequence(0, 0)).toBe(0);
    expect(incrementSequence(MAX_SEQUENCE, 0)).toBe(MAX_SEQUENCE);
    expect(incrementSequence(MAX_SEQUENCE - 1, 1)).toBe(MAX_SEQUENCE);
    expect(incrementSequence(MAX_SEQUENCE, 1)).toBe(0);
    expect(incrementSequence(MAX_SEQUENCE - 2, 5)).toBe(2);
    expect(incrementSequence(MAX_SEQUENCE, MAX_SEQUENCE)).toBe(MAX_SEQUENCE - 1);
  });

  test("lastSequence covers the batch's records, wrapping", () => {
    expect(lastSequence(withIdentity(batchOf("t", 0, 3).batch, 10))).toBe(12);
    expect(lastSequence(withIdentity(batchOf("t", 0, 1).batch, 10))).toBe(10);
    expect(lastSequence(withIdentity(batchOf("t", 0, 3).batch, MAX_SEQUENCE - 1))).toBe(0);
  });

  test("NO_PRODUCER_ID is frozen at -1/-1", () => {
    expect(NO_PRODUCER_ID).toEqual({ producerId: -1n, epoch: -1 });
    expect(Object.isFrozen(NO_PRODUCER_ID)).toBe(true);
  });
});

describe("PartitionSequences", () => {
  const pe = { producerId: 5n, epoch: 0 };

  test("defect 7: in-flight batches stay in sequence order across the wrap", () => {
    const p = new PartitionSequences(pe);
    const before = withIdentity(batchOf("t", 0, 2).batch, MAX_SEQUENCE - 1);
    const after = withIdentity(batchOf("t", 0, 2).batch, 1);
    const later = withIdentity(batchOf("t", 0, 2).batch, 3);
    p.addInflight(before);
    p.addInflight(later);
    p.addInflight(after);
    expect(p.inflight).toEqual([before, after, later]);
    expect(p.firstInflightSequence).toBe(MAX_SEQUENCE - 1);
  });

  test("starts with nothing acked and sequence 0", () => {
    const p = new PartitionSequences(pe);
    expect([p.nextSequence, p.lastAckedSequence, p.lastAckedOffset, p.firstInflightSequence]).toEqual([0, -1, -1n, -1]);
    expect(p.producerIdAndEpoch).toBe(pe);
  });

  test("in-flight batches are kept sorted by sequence", () => {
    const p = new PartitionSequences(pe);
    const a = withIdentity(batchOf("t", 0, 2).batch, 0);
    const b = withIdentity(batchOf("t", 0, 2).batch, 2);
    const c = withIdentity(batchOf("t", 0, 2).batch, 4);
    p.addInflight(c);
    p.addInflight(a);
    p.addInflight(b);
    expect(p.inflight).toEqual([a, b, c]);
    expect(p.firstInflightSequence).toBe(0);
    expect(p.removeInflight(a)).toBe(true);
    expect(p.removeInflight(a)).toBe(false);
    expect(p.firstInflightSequence).toBe(2);
  });

  test("isNextSequence follows the last acked sequence (0 when none, wrapping after 2^31-1)", () => {
    const p = new PartitionSequences(pe);
    expect(p.isNextSequence(0)).toBe(true);
    expect(p.isNextSequence(1)).toBe(false);
    p.lastAckedSequence = 4;
    expect(p.isNextSequence(5)).toBe(true);
    expect(p.isNextSequence(4)).toBe(false);
    expect(p.isNextSequence(6)).toBe(false);
    p.lastAckedSequence = MAX_SEQUENCE;
    expect(p.isNextSequence(0)).toBe(true);
  });

  test("startAtBeginning renumbers in-flight batches from 0 under the new producer id/epoch", () => {
    const p = new PartitionSequences(pe);
    const a = withIdentity(batchOf("t", 0, 3).batch, 10, 5n, 0, true);
    const b = withIdentity(batchOf("t", 0, 2).batch, 13, 5n, 0, true);
    p.addInflight(a);
    p.addInflight(b);
    p.nextSequence = 15;
    p.lastAckedSequence = 9;
    p.lastAckedOffset = 99n;
    const before = a.identity;
    const next = { producerId: 5n, epoch: 1 };
    p.startAtBeginning(next);
    expect(a.identity).toEqual({ producerId: 5n, producerEpoch: 1, baseSequence: 0, transactional: true });
    expect(b.identity).toEqual({ producerId: 5n, producerEpoch: 1, baseSequence: 3, transactional: true });
    expect(a.identity).not.toBe(before);
    expect(before!.baseSequence).toBe(10); // the old identity object is left alone
    expect([a.sequenceReset, b.sequenceReset]).toEqual([true, true]);
    expect(p.producerIdAndEpoch).toBe(next);
    expect(p.nextSequence).toBe(5);
    expect(p.lastAckedSequence).toBe(-1);
    expect(p.lastAckedOffset).toBe(99n); // Java keeps the last acked offset
  });

  test("shiftAfterFailed moves the later batches down by the failed batch's record count", () => {
    const p = new PartitionSequences(pe);
    const a = withIdentity(batchOf("t", 0, 2).batch, 0);
    const failed = withIdentity(batchOf("t", 0, 3).batch, 2);
    const c = withIdentity(batchOf("t", 0, 4).batch, 5);
    p.addInflight(a);
    p.addInflight(c);
    p.nextSequence = 9;
    p.shiftAfterFailed(failed);
    expect(a.identity!.baseSequence).toBe(0);
    expect(a.sequenceReset).toBe(false);
    expect(c.identity!.baseSequence).toBe(2);
    expect(c.sequenceReset).toBe(true);
    expect(p.nextSequence).toBe(6);
  });

  test("shiftAfterFailed across the wrap moves the batch after a failed one at the end of the range", () => {
    // failed: MAX-1, MAX, 0 (3 records); the next batch starts at 1 and must become MAX-1.
    const p = new PartitionSequences(pe);
    const failed = withIdentity(batchOf("t", 0, 3).batch, MAX_SEQUENCE - 1);
    const next = withIdentity(batchOf("t", 0, 2).batch, 1);
    p.addInflight(next);
    p.nextSequence = 3;
    p.shiftAfterFailed(failed);
    expect(p.nextSequence).toBe(0);
    expect(next.identity!.baseSequence).toBe(MAX_SEQUENCE - 1);
  });
});
