/**
 * The accumulator's per-partition queues of batches (Java's
 * `RecordAccumulator` deques plus its `muted` set), kept apart from the
 * append and drain logic that use them.
 *
 * A partition's batches are kept oldest first. Two rules live here:
 * - retried and split batches go back in front of the batches never sent,
 *   behind queued retries with lower sequences (idempotence), so a
 *   partition's batches are resent in order;
 * - a partition is *muted* while one of its batches is in flight, when the
 *   producer must guarantee order (`max.in.flight.requests.per.connection=1`,
 *   Java's `guaranteeMessageOrder`): drain skips it until that batch is
 *   answered, so a retry can never land behind a later batch.
 *
 * @module
 */

import type { ProducerBatch } from "./batch.ts";
import { sequenceBefore } from "./sequences.ts";

/**
 * One partition's batches, oldest first, and the batch that mutes it.
 *
 * @example Queueing and muting
 * ```ts
 * import { PartitionDeque } from "./partition_deque.ts";
 * import { ProducerBatch } from "./batch.ts";
 * const dq = new PartitionDeque("events", 0);
 * const batch = new ProducerBatch("events", 0, new Uint8Array(128), 0);
 * dq.push(batch);
 * console.assert(dq.shift() === batch && dq.length === 0);
 * dq.mute(batch);
 * console.assert(dq.muted);
 * dq.unmute(batch);
 * console.assert(!dq.muted);
 * ```
 */
export class PartitionDeque {
  readonly topic: string;
  readonly partition: number;
  /** Queued batches, oldest first; changed only by this class's methods (the accumulator calls them). */
  readonly #batches: ProducerBatch[] = [];
  /** The drained batch whose answer this partition waits for (ordering guaranteed), else null. */
  #mutedBy: ProducerBatch | null = null;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  /** Queued batches, oldest first (read-only view). */
  get batches(): readonly ProducerBatch[] {
    return this.#batches;
  }

  /** How many batches are queued. */
  get length(): number {
    return this.#batches.length;
  }

  /** The oldest queued batch, if any. */
  get first(): ProducerBatch | undefined {
    return this.#batches[0];
  }

  /** The newest queued batch (the one records are appended to), if any. */
  get last(): ProducerBatch | undefined {
    return this.#batches[this.#batches.length - 1];
  }

  /** Whether a batch of this partition is in flight and order must be kept: drain skips it. */
  get muted(): boolean {
    return this.#mutedBy !== null;
  }

  /** Appends a new batch at the back. */
  push(batch: ProducerBatch): void {
    this.#batches.push(batch);
  }

  /** Removes and returns the oldest batch. */
  shift(): ProducerBatch | undefined {
    return this.#batches.shift();
  }

  /**
   * Puts batches that were sent before everything queued back in front, in
   * order, but behind queued retries with lower sequences (Java's
   * `insertInSequenceOrder`), or the partition would wait forever.
   */
  putBack(batches: readonly ProducerBatch[]): void {
    const seq = batches[0]?.identity?.baseSequence ?? -1;
    const queued = this.#batches;
    let at = 0;
    if (seq >= 0) {
      while (at < queued.length && (queued[at]!.identity?.baseSequence ?? -1) >= 0 &&
        sequenceBefore(queued[at]!.identity!.baseSequence, seq)) at++;
    }
    queued.splice(at, 0, ...batches);
  }

  /** Removes and returns every queued batch. */
  takeAll(): ProducerBatch[] {
    return this.#batches.splice(0);
  }

  /** Removes and returns the queued batches `test` selects, keeping the others in order. */
  takeWhere(test: (batch: ProducerBatch) => boolean): ProducerBatch[] {
    const out: ProducerBatch[] = [];
    const keep: ProducerBatch[] = [];
    for (const b of this.#batches) (test(b) ? out : keep).push(b);
    if (out.length > 0) this.#batches.splice(0, this.#batches.length, ...keep);
    return out;
  }

  /** `batch` was drained and order must be kept: the partition waits for its answer. */
  mute(batch: ProducerBatch): void {
    this.#mutedBy = batch;
  }

  /** `batch` is answered (completed, failed, or back in the queue): unmutes, if it was the one muting. */
  unmute(batch: ProducerBatch): void {
    if (this.#mutedBy === batch) this.#mutedBy = null;
  }
}

/**
 * Every partition's deque, by topic then partition, created on first use.
 *
 * @example Lookup
 * ```ts
 * import { PartitionDeques } from "./partition_deque.ts";
 * const deques = new PartitionDeques();
 * const dq = deques.get("events", 3);
 * console.assert(deques.find("events", 3) === dq && deques.find("events", 4) === undefined);
 * ```
 */
export class PartitionDeques {
  /** Deques by topic, then by partition; entries are never removed. */
  readonly #byTopic = new Map<string, PartitionDeque[]>();
  /** The last topic looked up and its deques (a lookup cache: most sends go to the previous topic). */
  #lastTopic: string | null = null;
  #lastDeques: PartitionDeque[] | null = null;

  /** The deque of `topic`-`partition`, created if new. */
  get(topic: string, partition: number): PartitionDeque {
    let deques = topic === this.#lastTopic ? this.#lastDeques! : this.#byTopic.get(topic);
    if (deques === undefined) this.#byTopic.set(topic, (deques = []));
    this.#lastTopic = topic;
    this.#lastDeques = deques;
    let dq = deques[partition];
    if (dq === undefined) deques[partition] = dq = new PartitionDeque(topic, partition);
    return dq;
  }

  /** The deque of `topic`-`partition` if it exists. */
  find(topic: string, partition: number): PartitionDeque | undefined {
    return this.#byTopic.get(topic)?.[partition];
  }

  /** Each topic with its deques by partition (holes where a partition has none yet). */
  topics(): IterableIterator<[string, readonly (PartitionDeque | undefined)[]]> {
    return this.#byTopic.entries();
  }

  /** Every deque. */
  *all(): IterableIterator<PartitionDeque> {
    for (const deques of this.#byTopic.values()) {
      for (const dq of deques) if (dq !== undefined) yield dq;
    }
  }
}
