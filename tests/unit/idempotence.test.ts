/**
 * Idempotence: the idempotent producer's rules from Java's
 * `TransactionManager` — stamping, the drain gate, acks, canRetry for
 * UNKNOWN_PRODUCER_ID / OUT_OF_ORDER_SEQUENCE_NUMBER, unresolved sequences,
 * the client-side epoch bump (KIP-360), splits and fatal errors.
 */

import { describe, expect, test } from "bun:test";
import { ApiError, KafkaError, TimeoutError } from "../../src/errors.ts";
import type { ProducerBatch } from "../../src/producer/batch.ts";
import { Idempotence, isFatal } from "../../src/producer/idempotence.ts";
import { MAX_SEQUENCE, NO_PRODUCER_ID } from "../../src/producer/sequences.ts";
import { splitBatch } from "../../src/producer/split.ts";
import { apiError } from "../../src/protocol/api_errors.ts";
import { ErrorCode } from "../../src/protocol/error_codes.ts";
import { batchOf } from "./support/producer.ts";

const PID = 100n;

function idempotence(transactional = false, epoch = 0): Idempotence {
  const i = new Idempotence(transactional);
  i.setProducerIdAndEpoch({ producerId: PID, epoch });
  return i;
}

/**
 * A new batch of `records` records, stamped as drain() does. (Whether drain()
 * would let it go is tested separately: before the partition's first
 * acknowledgement only one batch may be in flight.)
 */
function sent(i: Idempotence, records: number, partition = 0, topic = "t"): ProducerBatch {
  const { batch } = batchOf(topic, partition, records);
  i.stamp(batch);
  return batch;
}

const fresh = (partition = 0, topic = "t") => batchOf(topic, partition, 1).batch;
const seq = (b: ProducerBatch) => b.identity!.baseSequence;

describe("stamping", () => {
  test("consecutive sequences per partition, with the producer id and epoch", () => {
    const i = idempotence(false, 4);
    const a = sent(i, 3);
    const b = sent(i, 2);
    const c = sent(i, 1);
    const d = sent(i, 4, 1);
    expect(a.identity).toEqual({ producerId: PID, producerEpoch: 4, baseSequence: 0, transactional: false });
    expect([seq(a), seq(b), seq(c), seq(d)]).toEqual([0, 3, 5, 0]);
    expect(i.partition("t", 0)!.nextSequence).toBe(6);
    expect(i.partition("t", 1)!.nextSequence).toBe(4);
    expect(i.partition("t", 0)!.inflight).toEqual([a, b, c]);
    expect(i.hasInflight()).toBe(true);
  });

  test("a transactional instance marks identities transactional", () => {
    expect(sent(idempotence(true), 1).identity!.transactional).toBe(true);
  });

  test("sequences wrap at 2^31-1", () => {
    const i = idempotence();
    sent(i, 1);
    i.partition("t", 0)!.nextSequence = MAX_SEQUENCE - 1;
    const b = sent(i, 3);
    expect(seq(b)).toBe(MAX_SEQUENCE - 1);
    expect(i.partition("t", 0)!.nextSequence).toBe(1);
  });

  test("a retried batch keeps its sequence and is not tracked twice", () => {
    const i = idempotence();
    const a = sent(i, 3);
    sent(i, 2);
    const identity = a.identity;
    i.stamp(a);
    expect(a.identity).toBe(identity);
    expect(i.partition("t", 0)!.nextSequence).toBe(5);
    expect(i.partition("t", 0)!.inflight.length).toBe(2);
  });
});

describe("mayDrain", () => {
  test("nothing without a producer id, or for a partition not allowed", () => {
    const i = new Idempotence(false);
    expect(i.hasProducerId()).toBe(false);
    expect(i.mayDrain(fresh())).toBe(false);
    i.setProducerIdAndEpoch({ producerId: PID, epoch: 0 });
    expect(i.mayDrain(fresh())).toBe(true);
    i.partitionAllowed = (b) => b.partition === 1;
    expect(i.mayDrain(fresh(0))).toBe(false);
    expect(i.mayDrain(fresh(1))).toBe(true);
  });

  test("a retried batch goes only when it is the first in flight", () => {
    const i = idempotence();
    const a = sent(i, 3);
    const b = sent(i, 2);
    const c = sent(i, 1);
    expect(i.mayDrain(b)).toBe(false);
    expect(i.mayDrain(c)).toBe(false);
    expect(i.mayDrain(a)).toBe(true);
    // Nothing acknowledged yet: a new batch waits (KAFKA-15591), whatever the retries.
    expect(i.mayDrain(fresh())).toBe(false);
    i.handleCompleted(a, 0n);
    expect(i.mayDrain(b)).toBe(true);
    expect(i.mayDrain(c)).toBe(false);
    expect(i.mayDrain(fresh())).toBe(true); // new batches are not held by a retry
  });

  test("until the partition's first acknowledgement, one batch at a time (KAFKA-15591)", () => {
    const i = idempotence();
    const a = sent(i, 3);
    expect(i.mayDrain(fresh())).toBe(false);
    expect(i.mayDrain(fresh(1))).toBe(true); // other partitions are not held
    i.handleCompleted(a, 0n);
    expect(i.mayDrain(fresh())).toBe(true);
  });

  test("new batches wait while batches of an older epoch are in flight, then restart at 0", () => {
    const i = idempotence();
    const a = sent(i, 3, 0);
    i.setProducerIdAndEpoch({ producerId: PID, epoch: 1 });
    const n = fresh(0);
    expect(i.mayDrain(n)).toBe(false);
    const m = sent(i, 2, 1); // another partition, idle: new epoch at once
    expect(m.identity).toEqual({ producerId: PID, producerEpoch: 1, baseSequence: 0, transactional: false });
    i.handleCompleted(a, 10n);
    expect(i.partition("t", 0)!.lastAckedSequence).toBe(2);
    expect(i.mayDrain(n)).toBe(true);
    i.stamp(n);
    expect(n.identity).toEqual({ producerId: PID, producerEpoch: 1, baseSequence: 0, transactional: false });
    expect(i.partition("t", 0)!.producerIdAndEpoch).toEqual({ producerId: PID, epoch: 1 });
    expect(i.partition("t", 0)!.lastAckedSequence).toBe(-1);
    expect(i.partition("t", 0)!.nextSequence).toBe(1);
  });

  test("new batches wait while the partition has an unresolved sequence", () => {
    const i = idempotence();
    const a = sent(i, 3);
    i.markUnresolved(a);
    expect(i.mayDrain(fresh(0))).toBe(false);
    expect(i.mayDrain(fresh(1))).toBe(true);
    expect(i.mayDrain(a)).toBe(true); // its own retry still may go
  });
});

describe("handleCompleted", () => {
  test("updates lastAckedSequence and lastAckedOffset, never backwards", () => {
    const i = idempotence();
    const a = sent(i, 3);
    const b = sent(i, 2);
    const p = i.partition("t", 0)!;
    i.handleCompleted(b, 103n); // answered first
    expect([p.lastAckedSequence, p.lastAckedOffset]).toEqual([4, 104n]);
    i.handleCompleted(a, 100n);
    expect([p.lastAckedSequence, p.lastAckedOffset]).toEqual([4, 104n]);
    expect(p.inflight).toEqual([]);
    expect(i.hasInflight()).toBe(false);
  });

  test("an unknown offset (-1) leaves lastAckedOffset alone", () => {
    const i = idempotence();
    const a = sent(i, 3);
    i.handleCompleted(a, -1n);
    expect(i.partition("t", 0)!.lastAckedSequence).toBe(2);
    expect(i.partition("t", 0)!.lastAckedOffset).toBe(-1n);
  });

  test("sequences after the wrap count as later", () => {
    const i = idempotence();
    const p = (sent(i, 1), i.partition("t", 0)!);
    i.handleCompleted(p.inflight[0]!, 0n);
    p.nextSequence = MAX_SEQUENCE - 1;
    const a = sent(i, 2); // MAX-1, MAX
    const b = sent(i, 2); // 0, 1
    i.handleCompleted(a, 10n);
    expect(p.lastAckedSequence).toBe(MAX_SEQUENCE);
    i.handleCompleted(b, 12n);
    expect(p.lastAckedSequence).toBe(1);
  });
});

describe("canRetry: UNKNOWN_PRODUCER_ID", () => {
  const UPI = ErrorCode.UNKNOWN_PRODUCER_ID;

  test("no log start offset (-1): retry, nothing else", () => {
    const i = idempotence();
    const a = sent(i, 3);
    expect(i.canRetry(UPI, -1n, a, false)).toBe(true);
    expect(i.epochBumpRequired).toBe(false);
  });

  test("a batch whose sequence was already reset: retry, nothing else", () => {
    const i = idempotence();
    const a = sent(i, 3);
    a.sequenceReset = true;
    expect(i.canRetry(UPI, 50n, a, false)).toBe(true);
    expect(i.epochBumpRequired).toBe(false);
  });

  test("lastAckedOffset < logStartOffset, idempotent: epoch bump requested, retry", () => {
    const i = idempotence();
    const a = sent(i, 3);
    expect(i.canRetry(UPI, 0n, a, false)).toBe(true); // nothing acked (-1) < 0
    expect(i.epochBumpRequired).toBe(true);
    expect(i.bumpEpochIfRequired()).toBe(true);
    expect(i.producerIdAndEpoch).toEqual({ producerId: PID, epoch: 1 });
    expect(a.identity).toEqual({ producerId: PID, producerEpoch: 1, baseSequence: 0, transactional: false });
  });

  test("lastAckedOffset < logStartOffset, transactional: sequences restart under the same epoch, retry", () => {
    const i = idempotence(true, 2);
    const a = sent(i, 3);
    i.handleCompleted(a, 10n); // acked up to offset 12
    const b = sent(i, 2);
    const c = sent(i, 1);
    expect([seq(b), seq(c)]).toEqual([3, 5]);
    expect(i.canRetry(UPI, 13n, b, false)).toBe(true);
    expect(i.epochBumpRequired).toBe(false);
    expect([seq(b), seq(c)]).toEqual([0, 2]);
    expect([b.sequenceReset, c.sequenceReset]).toEqual([true, true]);
    expect(b.identity!.producerEpoch).toBe(2);
    expect(i.partition("t", 0)!.nextSequence).toBe(3);
  });

  test("records still in the log: idempotent bumps and retries; transactional gives up (not retriable)", () => {
    const idem = idempotence();
    const a = sent(idem, 3);
    idem.handleCompleted(a, 100n);
    const b = sent(idem, 2);
    expect(idem.canRetry(UPI, 50n, b, false)).toBe(true);
    expect(idem.epochBumpRequired).toBe(true);

    const txn = idempotence(true);
    const c = sent(txn, 3);
    txn.handleCompleted(c, 100n);
    const d = sent(txn, 2);
    expect(txn.canRetry(UPI, 50n, d, false)).toBe(false);
    expect(txn.epochBumpRequired).toBe(false);
  });
});

describe("canRetry: OUT_OF_ORDER_SEQUENCE_NUMBER", () => {
  const OOO = ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;

  test("not the next sequence: an earlier batch failed; retry without a bump", () => {
    const i = idempotence();
    sent(i, 3);
    const b = sent(i, 2);
    expect(i.canRetry(OOO, -1n, b, false)).toBe(true);
    expect(i.epochBumpRequired).toBe(false);
  });

  test("the next sequence: a real gap; idempotent bumps and retries, transactional gives up", () => {
    const idem = idempotence();
    const a = sent(idem, 3);
    sent(idem, 2);
    expect(idem.canRetry(OOO, -1n, a, false)).toBe(true);
    expect(idem.epochBumpRequired).toBe(true);

    const txn = idempotence(true);
    const c = sent(txn, 3);
    expect(txn.canRetry(OOO, -1n, c, false)).toBe(false);
    expect(txn.epochBumpRequired).toBe(false);
  });

  test("a renumbered batch retries without a bump even if it is next", () => {
    const i = idempotence();
    const a = sent(i, 3);
    a.sequenceReset = true;
    expect(i.canRetry(OOO, -1n, a, false)).toBe(true);
    expect(i.epochBumpRequired).toBe(false);
  });

  test("with an unresolved sequence, bump only for the batch right after it", () => {
    const i = idempotence();
    const a = sent(i, 3); // 0-2
    const b = sent(i, 2); // 3-4
    const c = sent(i, 1); // 5
    i.markUnresolved(a);
    expect(i.canRetry(OOO, -1n, c, false)).toBe(true);
    expect(i.epochBumpRequired).toBe(false);
    expect(i.canRetry(OOO, -1n, b, false)).toBe(true);
    expect(i.epochBumpRequired).toBe(true);
  });

  test("the highest unresolved sequence is kept", () => {
    const i = idempotence();
    const a = sent(i, 3); // 0-2
    const b = sent(i, 2); // 3-4
    const c = sent(i, 1); // 5
    i.markUnresolved(b);
    i.markUnresolved(a); // lower: ignored
    expect(i.canRetry(OOO, -1n, b, false)).toBe(true);
    expect(i.epochBumpRequired).toBe(false);
    expect(i.canRetry(OOO, -1n, c, false)).toBe(true);
    expect(i.epochBumpRequired).toBe(true);
  });
});

describe("canRetry: other errors", () => {
  test("follow the error's retriable flag", () => {
    const i = idempotence();
    const a = sent(i, 1);
    expect(i.canRetry(ErrorCode.NOT_LEADER_OR_FOLLOWER, -1n, a, true)).toBe(true);
    expect(i.canRetry(ErrorCode.INVALID_RECORD, -1n, a, false)).toBe(false);
    expect(i.epochBumpRequired).toBe(false);
  });
});

describe("unresolved sequences", () => {
  test("resolved when every sequence was acknowledged once nothing is in flight", () => {
    const i = idempotence();
    const a = sent(i, 3);
    const b = sent(i, 2);
    i.markUnresolved(a); // expired in flight, fate unknown
    expect(i.maybeResolveSequences()).toBeNull();
    expect(i.mayDrain(fresh())).toBe(false); // still in flight: still unresolved
    i.handleCompleted(a, 0n);
    i.handleCompleted(b, 3n);
    expect(i.maybeResolveSequences()).toBeNull();
    expect(i.epochBumpRequired).toBe(false);
    expect(i.mayDrain(fresh())).toBe(true);
  });

  test("not acknowledged, idempotent: an epoch bump is requested", () => {
    const i = idempotence();
    const a = sent(i, 3);
    i.markUnresolved(a);
    i.handleFailed(a, new TimeoutError("expired"), false);
    expect(i.epochBumpRequired).toBe(false);
    expect(i.maybeResolveSequences()).toBeNull();
    expect(i.epochBumpRequired).toBe(true);
    expect(i.bumpEpochIfRequired()).toBe(true);
    const n = fresh();
    expect(i.mayDrain(n)).toBe(true);
    i.stamp(n);
    expect(n.identity).toEqual({ producerId: PID, producerEpoch: 1, baseSequence: 0, transactional: false });
  });

  test("not acknowledged, transactional: an abortable error, no bump", () => {
    const i = idempotence(true);
    const a = sent(i, 3);
    i.markUnresolved(a);
    i.handleFailed(a, new TimeoutError("expired"), false);
    const error = i.maybeResolveSequences();
    expect(error).toBeInstanceOf(ApiError);
    expect(error!.message).toBe(
      "The client has not received acknowledgment for some previously sent records and can no longer retry them. It is safe to abort the transaction and continue",
    );
    expect(i.epochBumpRequired).toBe(false);
    expect(i.maybeResolveSequences()).toBeNull(); // reported once
    expect(i.mayDrain(fresh())).toBe(true);
  });

  test("a batch without identity is never unresolved", () => {
    const i = idempotence();
    i.markUnresolved(fresh());
    expect(i.mayDrain(fresh())).toBe(true);
  });
});

describe("bumpEpochIfRequired", () => {
  test("nothing to do without a request", () => {
    const i = idempotence();
    sent(i, 1);
    expect(i.bumpEpochIfRequired()).toBe(true);
    expect(i.producerIdAndEpoch).toEqual({ producerId: PID, epoch: 0 });
  });

  test("renumbers the in-flight batches of the partitions that asked; others switch when idle", () => {
    const i = idempotence();
    const a = sent(i, 2, 0); // 0-1
    const b = sent(i, 3, 0); // 2-4
    const c = sent(i, 4, 1); // 0-3
    const [ida, idb, idc] = [a.identity, b.identity, c.identity];
    expect(i.canRetry(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, -1n, a, false)).toBe(true); // next: a gap
    expect(i.bumpEpochIfRequired()).toBe(true);
    expect(i.epochBumpRequired).toBe(false);
    expect(i.producerIdAndEpoch).toEqual({ producerId: PID, epoch: 1 });
    expect(a.identity).toEqual({ producerId: PID, producerEpoch: 1, baseSequence: 0, transactional: false });
    expect(b.identity).toEqual({ producerId: PID, producerEpoch: 1, baseSequence: 2, transactional: false });
    expect(a.identity).not.toBe(ida);
    expect(b.identity).not.toBe(idb);
    expect([a.sequenceReset, b.sequenceReset]).toEqual([true, true]);
    const p0 = i.partition("t", 0)!;
    expect([p0.nextSequence, p0.lastAckedSequence]).toEqual([5, -1]);
    expect(p0.producerIdAndEpoch).toEqual({ producerId: PID, epoch: 1 });

    // Partition 1 did not ask: its batch keeps epoch 0 until it is answered.
    expect(c.identity).toBe(idc);
    expect(c.sequenceReset).toBe(false);
    const n = fresh(1);
    expect(i.mayDrain(n)).toBe(false);
    i.handleCompleted(c, 40n);
    expect(i.partition("t", 1)!.lastAckedSequence).toBe(3);
    expect(i.mayDrain(n)).toBe(true);
    i.stamp(n);
    expect(n.identity).toEqual({ producerId: PID, producerEpoch: 1, baseSequence: 0, transactional: false });
  });

  test("a transactional instance never bumps locally", () => {
    const i = idempotence(true, 3);
    i.epochBumpRequired = true;
    expect(i.bumpEpochIfRequired()).toBe(true);
    expect(i.producerIdAndEpoch).toEqual({ producerId: PID, epoch: 3 });
  });

  test("the last epoch (32766 -> 32767) still bumps", () => {
    const i = idempotence(false, 32766);
    const a = sent(i, 1);
    i.canRetry(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, -1n, a, false);
    expect(i.bumpEpochIfRequired()).toBe(true);
    expect(i.producerIdAndEpoch).toEqual({ producerId: PID, epoch: 32767 });
  });

  test("epoch exhausted (32767): the producer id is reset instead", () => {
    const i = idempotence(false, 32767);
    const a = sent(i, 1);
    i.canRetry(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, -1n, a, false);
    expect(i.epochBumpRequired).toBe(true);
    expect(i.bumpEpochIfRequired()).toBe(false);
    expect(i.producerIdAndEpoch).toBe(NO_PRODUCER_ID);
    expect(i.hasProducerId()).toBe(false);
    expect(i.epochBumpRequired).toBe(false);
    expect(i.partition("t", 0)).toBeUndefined();
    expect(i.mayDrain(fresh())).toBe(false);
  });
});

describe("replaceSplit", () => {
  test("the parts take the big batch's place in flight", () => {
    const i = idempotence();
    const a = sent(i, 2); // 0-1
    const big = sent(i, 4); // 2-5
    const parts = splitBatch(big, 61 + 2 * 11);
    expect(parts.map(seq)).toEqual([2, 4]);
    i.replaceSplit(big, parts);
    expect(i.partition("t", 0)!.inflight).toEqual([a, parts[0]!, parts[1]!]);
    expect(i.mayDrain(parts[0]!)).toBe(false); // a is still first
    i.handleCompleted(a, 0n);
    expect(i.mayDrain(parts[0]!)).toBe(true);
    expect(i.mayDrain(parts[1]!)).toBe(false);
  });

  test("a batch not in flight is left alone", () => {
    const i = idempotence();
    const a = sent(i, 2);
    const { batch: other } = batchOf("t", 0, 4);
    other.identity = { ...a.identity!, baseSequence: 2 };
    i.replaceSplit(other, splitBatch(other, 80));
    expect(i.partition("t", 0)!.inflight).toEqual([a]);
  });
});

describe("handleFailed", () => {
  test("fatal errors set fatalError (first one wins) and block draining", () => {
    const i = idempotence();
    const a = sent(i, 1);
    const b = sent(i, 1, 1);
    const fenced = apiError(ErrorCode.PRODUCER_FENCED, null, "t-0");
    i.handleFailed(a, fenced, true);
    expect(i.fatalError).toBe(fenced);
    expect(i.epochBumpRequired).toBe(false);
    expect(i.mayDrain(fresh())).toBe(false);
    expect(i.mayDrain(b)).toBe(false);
    i.handleFailed(b, apiError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED), true);
    expect(i.fatalError).toBe(fenced);
  });

  test("isFatal: Java's fatal states", () => {
    for (const code of [
      ErrorCode.PRODUCER_FENCED,
      ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
      ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      ErrorCode.UNSUPPORTED_VERSION,
    ]) expect(isFatal(apiError(code))).toBe(true);
    for (const code of [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, ErrorCode.UNKNOWN_PRODUCER_ID]) {
      expect(isFatal(apiError(code))).toBe(false);
    }
    expect(isFatal(new KafkaError("other"))).toBe(false);
  });

  test("OUT_OF_ORDER_SEQUENCE_NUMBER failing for good requests a bump (idempotent)", () => {
    const i = idempotence();
    const a = sent(i, 1);
    i.handleFailed(a, apiError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), false);
    expect(i.epochBumpRequired).toBe(true);
    expect(i.partition("t", 0)!.inflight).toEqual([]);
  });

  test("a batch that surely was not written: idempotent bumps, transactional shifts the later sequences", () => {
    const idem = idempotence();
    const a = sent(idem, 2);
    sent(idem, 3);
    idem.handleFailed(a, apiError(ErrorCode.INVALID_RECORD), true);
    expect(idem.epochBumpRequired).toBe(true);

    const txn = idempotence(true);
    const c = sent(txn, 2); // 0-1
    const d = sent(txn, 3); // 2-4
    txn.handleFailed(c, apiError(ErrorCode.INVALID_RECORD), true);
    expect(txn.epochBumpRequired).toBe(false);
    expect(seq(d)).toBe(0);
    expect(d.sequenceReset).toBe(true);
    expect(txn.partition("t", 0)!.nextSequence).toBe(3);
  });

  test("a batch that may have been written (expired) changes no sequence", () => {
    const i = idempotence();
    const a = sent(i, 2);
    const b = sent(i, 3);
    i.handleFailed(a, new TimeoutError("expired"), false);
    expect(i.epochBumpRequired).toBe(false);
    expect(seq(b)).toBe(2);
    expect(i.partition("t", 0)!.inflight).toEqual([b]);
  });
});

describe("resetProducerId", () => {
  test("forgets the producer id and every partition's state", () => {
    const i = idempotence();
    const a = sent(i, 1);
    i.markUnresolved(a);
    i.epochBumpRequired = true;
    i.resetProducerId();
    expect(i.hasProducerId()).toBe(false);
    expect(i.epochBumpRequired).toBe(false);
    expect(i.partition("t", 0)).toBeUndefined();
    expect(i.hasInflight()).toBe(false);
    i.setProducerIdAndEpoch({ producerId: 200n, epoch: 0 });
    const n = fresh();
    expect(i.mayDrain(n)).toBe(true);
    i.stamp(n);
    expect(n.identity).toEqual({ producerId: 200n, producerEpoch: 0, baseSequence: 0, transactional: false });
  });
});
