/**
 * Per-partition sequence bookkeeping of the idempotent producer, as Java's
 * `TxnPartitionMap`/`TxnPartitionEntry`.
 *
 * A broker accepts a batch from an idempotent producer only if its base
 * sequence is exactly one past the last sequence it has from that producer id
 * and epoch for the partition. Hence:
 * - sequences are assigned when a batch is drained, and a retried batch keeps
 *   its sequence (a new one could make the broker accept it twice);
 * - the batches in flight are tracked by sequence, so retries can be sent in
 *   order and a failed batch can shift or reset the sequences behind it;
 * - sequences are 31-bit and wrap from 2^31-1 to 0.
 *
 * @module
 */

import type { ProducerBatch } from "./batch.ts";

/** Producer id and epoch; id -1 means none. */
export interface ProducerIdAndEpoch {
  readonly producerId: bigint;
  readonly epoch: number;
}

/** No producer id yet. */
export const NO_PRODUCER_ID: ProducerIdAndEpoch = Object.freeze({ producerId: -1n, epoch: -1 });

/** The largest sequence number; the next one is 0. */
export const MAX_SEQUENCE = 0x7fffffff;

/**
 * `sequence + increment`, wrapping past 2^31-1 to 0 (Kafka's
 * `DefaultRecordBatch.incrementSequence`).
 *
 * @example Usage
 * ```ts
 * import { incrementSequence } from "./sequences.ts";
 * console.assert(incrementSequence(2147483647, 1) === 0);
 * console.assert(incrementSequence(5, 3) === 8);
 * ```
 */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > MAX_SEQUENCE - increment) return increment - (MAX_SEQUENCE - sequence) - 1;
  return sequence + increment;
}

/**
 * Whether sequence `a` comes before `b`, across the wrap from 2^31-1 to 0:
 * `b` is less than half the sequence space ahead of `a`. A partition never
 * has more than a handful of batches in flight, so this is exact in use.
 *
 * @example Usage
 * ```ts
 * import { sequenceBefore } from "./sequences.ts";
 * console.assert(sequenceBefore(3, 7) && !sequenceBefore(7, 3));
 * console.assert(sequenceBefore(2147483646, 1) && !sequenceBefore(1, 2147483646));
 * ```
 */
export function sequenceBefore(a: number, b: number): boolean {
  const ahead = (b - a + MAX_SEQUENCE + 1) % (MAX_SEQUENCE + 1);
  return ahead > 0 && ahead <= (MAX_SEQUENCE >>> 1);
}

/** Last sequence of a stamped batch. */
export function lastSequence(batch: ProducerBatch): number {
  return incrementSequence(batch.identity!.baseSequence, batch.recordCount - 1);
}

/**
 * Sequence state of one partition.
 *
 * @example Sequences advance by record count
 * ```ts
 * import { PartitionSequences } from "./sequences.ts";
 * const p = new PartitionSequences({ producerId: 7n, epoch: 0 });
 * console.assert(p.nextSequence === 0 && p.lastAckedSequence === -1);
 * ```
 */
export class PartitionSequences {
  /** The producer id/epoch these sequences belong to (may lag the producer's after a bump). */
  producerIdAndEpoch: ProducerIdAndEpoch;
  /** Sequence for the next batch drained. */
  nextSequence = 0;
  /** Highest sequence the broker acknowledged (-1: none). */
  lastAckedSequence = -1;
  /** Offset of the last acknowledged record (-1: none), for UNKNOWN_PRODUCER_ID reasoning. */
  lastAckedOffset = -1n;
  /** Batches sent (or to be resent) and not yet settled, by ascending sequence. */
  readonly inflight: ProducerBatch[] = [];

  constructor(producerIdAndEpoch: ProducerIdAndEpoch) {
    this.producerIdAndEpoch = producerIdAndEpoch;
  }

  /** Adds a batch just stamped; keeps the list sorted by sequence. */
  addInflight(batch: ProducerBatch): void {
    const seq = batch.identity!.baseSequence;
    let i = this.inflight.length;
    while (i > 0 && sequenceBefore(seq, this.inflight[i - 1]!.identity!.baseSequence)) i--;
    this.inflight.splice(i, 0, batch);
  }

  /** Removes a settled batch; returns whether it was tracked. */
  removeInflight(batch: ProducerBatch): boolean {
    const i = this.inflight.indexOf(batch);
    if (i < 0) return false;
    this.inflight.splice(i, 1);
    return true;
  }

  /** Base sequence of the first batch in flight, -1 if none. */
  get firstInflightSequence(): number {
    return this.inflight[0]?.identity?.baseSequence ?? -1;
  }

  /**
   * Restarts sequences at 0 under a new producer id/epoch: the batches in
   * flight are renumbered in order (they will be resent with the new epoch).
   */
  startAtBeginning(next: ProducerIdAndEpoch): void {
    let seq = 0;
    for (const b of this.inflight) {
      b.identity = { ...b.identity!, producerId: next.producerId, producerEpoch: next.epoch, baseSequence: seq };
      b.sequenceReset = true;
      seq = incrementSequence(seq, b.recordCount);
    }
    this.producerIdAndEpoch = next;
    this.nextSequence = seq;
    this.lastAckedSequence = -1;
  }

  /**
   * After a batch failed for good (transactional producer), the batches
   * behind it move down by its record count, so the sequence stays gapless.
   */
  shiftAfterFailed(failed: ProducerBatch): void {
    const failedSeq = failed.identity!.baseSequence;
    for (const b of this.inflight) {
      const d = (b.identity!.baseSequence - failedSeq) | 0; // after the failed one, across the wrap
      if (d > 0 || d < -0x40000000) {
        const seq = b.identity!.baseSequence - failed.recordCount;
        b.identity = { ...b.identity!, baseSequence: seq < 0 ? seq + MAX_SEQUENCE + 1 : seq };
        b.sequenceReset = true;
      }
    }
    const next = this.nextSequence - failed.recordCount;
    this.nextSequence = next < 0 ? next + MAX_SEQUENCE + 1 : next;
  }

  /** Whether `sequence` directly follows the last acknowledged one. */
  isNextSequence(sequence: number): boolean {
    return sequence === incrementSequence(this.lastAckedSequence < 0 ? MAX_SEQUENCE : this.lastAckedSequence, 1);
  }
}
