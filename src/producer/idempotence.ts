/**
 * The idempotent producer's rules (the non-transactional half of Java's
 * `TransactionManager`): which partitions may be drained, sequence stamping,
 * what a Produce error means for the sequences, and the client-side epoch
 * bump of KIP-360.
 *
 * Correctness rules:
 * - A partition's new batches wait while its state is uncertain: while an
 *   expired batch's fate is unknown ("unresolved sequence"), and while
 *   batches under an older epoch are still in flight.
 * - A batch being retried is resent only when it is the first in flight of
 *   its partition, so the broker sees sequences in order.
 * - When a partition's sequences can no longer be trusted (a gap, lost
 *   producer state, an unresolved batch that never made it), the epoch is
 *   bumped: sequences restart at 0 under epoch + 1, which the broker accepts
 *   from an idempotent producer. The partitions that asked for it renumber
 *   their in-flight batches at once; the others switch when they are idle.
 *
 * @module
 */

import { ApiError, type KafkaError } from "../errors.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import type { SequenceGate } from "./accumulator.ts";
import type { ProducerBatch } from "./batch.ts";
import { incrementSequence, lastSequence, NO_PRODUCER_ID, PartitionSequences, type ProducerIdAndEpoch } from "./sequences.ts";

/** Errors after which the producer cannot go on (Java's fatal states). */
const FATAL_CODES = new Set<number>([
  ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  ErrorCode.PRODUCER_FENCED,
  ErrorCode.UNSUPPORTED_VERSION,
]);

/** Whether an error puts the producer in a fatal state. */
export function isFatal(error: Error): boolean {
  return error instanceof ApiError && FATAL_CODES.has(error.code);
}

/**
 * Sequence state and rules for all partitions of one producer.
 *
 * @example Stamping gives consecutive sequences
 * ```ts
 * import { RecordWriter } from "../protocol/record_batch.ts";
 * import { ProducerBatch } from "./batch.ts";
 * import { Idempotence } from "./idempotence.ts";
 * const writer = new RecordWriter();
 * const batchOf = (n: number) => {
 *   const batch = new ProducerBatch("events", 0, new Uint8Array(4096), Date.now());
 *   for (let i = 0; i < n; i++) batch.tryAppend(writer, Infinity, Date.now(), null, `v${i}`, null, () => {}, () => {});
 *   return batch;
 * };
 * const idem = new Idempotence(false);
 * idem.setProducerIdAndEpoch({ producerId: 1n, epoch: 0 });
 * const first = batchOf(3), second = batchOf(2);
 * idem.stamp(first);
 * idem.stamp(second);
 * console.assert(first.identity!.baseSequence === 0 && second.identity!.baseSequence === 3);
 * ```
 */
export class Idempotence implements SequenceGate {
  readonly transactional: boolean;
  /** The producer id/epoch new batches get. Guards every stamp. */
  #current: ProducerIdAndEpoch = NO_PRODUCER_ID;
  /** Sequence state by partition key (`topic` NUL `partition`). */
  readonly #partitions = new Map<string, PartitionSequences>();
  /** Partitions whose expired batches' fate is unknown, with the last sequence they covered. */
  readonly #unresolved = new Map<string, number>();
  /** Partitions to renumber at the next epoch bump. */
  readonly #toRewrite = new Set<string>();
  /** Set when sequences cannot be trusted any more: bump before draining. */
  epochBumpRequired = false;
  /** A fatal error: nothing more may be sent. */
  fatalError: KafkaError | null = null;
  /** Transactions refine this: whether a partition was added to the transaction. */
  partitionAllowed: (batch: ProducerBatch) => boolean = () => true;

  constructor(transactional: boolean) {
    this.transactional = transactional;
  }

  get producerIdAndEpoch(): ProducerIdAndEpoch {
    return this.#current;
  }

  hasProducerId(): boolean {
    return this.#current.producerId >= 0n;
  }

  /** Adopts a producer id/epoch (InitProducerId, EndTxn v5, or a bump). */
  setProducerIdAndEpoch(next: ProducerIdAndEpoch): void {
    this.#current = next;
  }

  /** Forgets the producer id (a new one will be fetched). */
  resetProducerId(): void {
    this.#current = NO_PRODUCER_ID;
    this.#partitions.clear();
    this.#unresolved.clear();
    this.#toRewrite.clear();
    this.epochBumpRequired = false;
  }

  mayDrain(batch: ProducerBatch): boolean {
    if (this.fatalError !== null || !this.hasProducerId() || !this.partitionAllowed(batch)) return false;
    const key = keyOf(batch);
    const p = this.#partitions.get(key);
    if (batch.identity === null) {
      if (p !== undefined && p.inflight.length > 0 && !sameProducer(p.producerIdAndEpoch, this.#current)) return false;
      if (this.#unresolved.has(key)) return false;
      // Until the broker acknowledged a batch of this partition under the
      // current epoch, one batch at a time: a broker that has no state for a
      // producer accepts any first sequence, so if the batch with sequence 0
      // failed (e.g. NOT_LEADER right after a leader election) a later batch
      // could be accepted first, and batch 0 would never fit again
      // (KAFKA-15591; the Java client has the same race).
      if (p !== undefined && p.inflight.length > 0 && p.lastAckedSequence < 0) return false;
    }
    // A retry goes only as the first in flight, so sequences reach the broker in order.
    const first = p?.firstInflightSequence ?? -1;
    return !(first >= 0 && batch.identity !== null && batch.identity.baseSequence !== first);
  }

  stamp(batch: ProducerBatch): void {
    if (batch.identity !== null) return; // a retry keeps its sequence: a new one could duplicate
    const p = this.#entry(batch);
    if (!sameProducer(p.producerIdAndEpoch, this.#current) && p.inflight.length === 0) {
      p.startAtBeginning(this.#current);
    }
    batch.identity = {
      producerId: this.#current.producerId,
      producerEpoch: this.#current.epoch,
      baseSequence: p.nextSequence,
      transactional: this.transactional,
    };
    p.nextSequence = incrementSequence(p.nextSequence, batch.recordCount);
    p.addInflight(batch);
  }

  /** The broker acknowledged `batch` at `baseOffset`. */
  handleCompleted(batch: ProducerBatch, baseOffset: bigint): void {
    const p = this.#partitions.get(keyOf(batch));
    if (p === undefined || batch.identity === null) return;
    if (!sameProducer(p.producerIdAndEpoch, { producerId: batch.identity.producerId, epoch: batch.identity.producerEpoch })) {
      p.removeInflight(batch);
      return; // acknowledged under an epoch this partition has left
    }
    const last = lastSequence(batch);
    if (p.lastAckedSequence < 0 || seqAfter(last, p.lastAckedSequence)) p.lastAckedSequence = last;
    if (baseOffset >= 0n) {
      const lastOffset = baseOffset + BigInt(batch.recordCount - 1);
      if (lastOffset > p.lastAckedOffset) p.lastAckedOffset = lastOffset;
    }
    p.removeInflight(batch);
  }

  /**
   * `batch` failed for good with `error`. `adjustSequences` is false when the
   * batch may have been written (it expired or exhausted its retries), so its
   * sequences must not be reused.
   */
  handleFailed(batch: ProducerBatch, error: Error, adjustSequences: boolean): void {
    if (isFatal(error)) this.fatalError ??= error as KafkaError;
    const key = keyOf(batch);
    const p = this.#partitions.get(key);
    p?.removeInflight(batch);
    if (this.fatalError !== null || batch.identity === null || p === undefined) return;
    if (error instanceof ApiError && error.code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && !this.transactional) {
      this.#requestBump(key);
    } else if (adjustSequences) {
      if (!this.transactional) this.#requestBump(key);
      else p.shiftAfterFailed(batch);
    }
  }

  /**
   * Whether a batch that failed with `errorCode` should be retried (Java's
   * `TransactionManager.canRetry`); may request an epoch bump on the way.
   */
  canRetry(errorCode: number, logStartOffset: bigint, batch: ProducerBatch, retriable: boolean): boolean {
    const key = keyOf(batch);
    const p = this.#partitions.get(key);
    if (errorCode === ErrorCode.UNKNOWN_PRODUCER_ID) {
      // The broker lost our producer state. Without its log start offset we
      // cannot tell why yet: retry until it comes with one.
      if (logStartOffset < 0n) return true;
      // The renumbered followers of a batch that already reset the sequences.
      if (batch.sequenceReset) return true;
      if ((p?.lastAckedOffset ?? -1n) < logStartOffset) {
        // Retention removed our records: start the sequences over.
        if (this.transactional) p?.startAtBeginning(this.#current);
        else this.#requestBump(key);
        return true;
      }
      if (!this.transactional) {
        this.#requestBump(key);
        return true;
      }
    } else if (errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && p !== undefined && batch.identity !== null) {
      const seq = batch.identity.baseSequence;
      // Not the next expected batch: an earlier one failed or is retried; wait for it.
      if (!this.#unresolved.has(key) && (batch.sequenceReset || !p.isNextSequence(seq))) return true;
      if (!this.transactional) {
        const unresolvedLast = this.#unresolved.get(key);
        if (unresolvedLast === undefined || seq === incrementSequence(unresolvedLast, 1)) this.#requestBump(key);
        return true;
      }
    }
    return retriable;
  }

  /** An expired batch that was sent: its fate is unknown until the partition settles. */
  markUnresolved(batch: ProducerBatch): void {
    if (batch.identity === null) return;
    const key = keyOf(batch);
    const last = lastSequence(batch);
    const prev = this.#unresolved.get(key);
    if (prev === undefined || seqAfter(last, prev)) this.#unresolved.set(key, last);
  }

  /**
   * Settles unresolved partitions with nothing in flight: resolved if every
   * sequence was acknowledged, otherwise the epoch must be bumped
   * (idempotent) or the transaction aborted (returned error).
   */
  maybeResolveSequences(): KafkaError | null {
    let abortable: KafkaError | null = null;
    for (const [key, _last] of this.#unresolved) {
      const p = this.#partitions.get(key);
      if (p !== undefined && p.inflight.length > 0) continue;
      this.#unresolved.delete(key);
      if (p === undefined || p.isNextSequence(p.nextSequence)) continue;
      if (this.transactional) {
        abortable = new ApiError(
          -1,
          "UNACKED_RECORDS",
          "The client has not received acknowledgment for some previously sent records and can no longer retry them. It is safe to abort the transaction and continue",
        );
      } else {
        this.#requestBump(key);
      }
    }
    return abortable;
  }

  /**
   * Bumps the epoch locally if required (idempotent producer, KIP-360);
   * returns false if a new producer id is needed instead (epoch exhausted).
   */
  bumpEpochIfRequired(): boolean {
    if (!this.epochBumpRequired || this.transactional) return true;
    if (this.#current.epoch >= 0x7fff) {
      this.resetProducerId();
      return false;
    }
    this.#current = { producerId: this.#current.producerId, epoch: this.#current.epoch + 1 };
    for (const key of this.#toRewrite) {
      this.#partitions.get(key)?.startAtBeginning(this.#current);
      this.#unresolved.delete(key);
    }
    this.#toRewrite.clear();
    this.epochBumpRequired = false;
    return true;
  }

  /** A split batch's parts take its place (and its sequences) in flight. */
  replaceSplit(big: ProducerBatch, parts: readonly ProducerBatch[]): void {
    const p = this.#partitions.get(keyOf(big));
    if (p === undefined || !p.removeInflight(big)) return;
    for (const part of parts) if (part.identity !== null) p.addInflight(part);
  }

  /** Whether any partition has batches in flight (tracked by sequence). */
  hasInflight(): boolean {
    for (const p of this.#partitions.values()) if (p.inflight.length > 0) return true;
    return false;
  }

  /** Sequence state of a partition (tests, diagnostics). */
  partition(topic: string, partition: number): PartitionSequences | undefined {
    return this.#partitions.get(`${topic}\0${partition}`);
  }

  #requestBump(key: string): void {
    this.#toRewrite.add(key);
    this.epochBumpRequired = true;
  }

  #entry(batch: ProducerBatch): PartitionSequences {
    const key = keyOf(batch);
    let p = this.#partitions.get(key);
    if (p === undefined) this.#partitions.set(key, (p = new PartitionSequences(this.#current)));
    return p;
  }
}

function keyOf(batch: ProducerBatch): string {
  return `${batch.topic}\0${batch.partition}`;
}

function sameProducer(a: ProducerIdAndEpoch, b: ProducerIdAndEpoch): boolean {
  return a.producerId === b.producerId && a.epoch === b.epoch;
}

/** Whether sequence `a` comes after `b`, allowing for wrap-around. */
function seqAfter(a: number, b: number): boolean {
  const d = (a - b) | 0;
  return d > 0 || d < -0x40000000;
}
