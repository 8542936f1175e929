/**
 * Partition choice for records without an explicit partition, as Java's
 * `BuiltInPartitioner` (KIP-794, the default since Kafka 3.3).
 *
 * - Keyed records (unless `partitioner.ignore.keys`): murmur2 of the key over
 *   all partitions — see `murmur2.ts`.
 * - Unkeyed records: "uniform sticky". All records go to one partition until
 *   `batch.size` bytes were produced to it; the switch happens only when its
 *   batch is full (so batches fill up), and in any case at 2 × `batch.size`.
 *   The next partition is random; with adaptive partitioning, the chance of
 *   each partition is inverse to its queue depth (a slow broker accumulates
 *   batches and receives less), and with `partitioner.availability.timeout.ms`
 *   partitions whose leader cannot take requests are left out entirely.
 *
 * @module
 */

import type { PartitionView } from "../metadata.ts";

/**
 * The uniform sticky partitioner of one topic.
 *
 * @example Sticking to a partition until a batch's worth was produced
 * ```ts
 * import { StickyPartitioner } from "./partitioner.ts";
 * const view = { partitionCount: () => 6, availablePartitions: () => [0, 1, 2, 3, 4, 5] };
 * const sticky = new StickyPartitioner("t", 1000, () => 0.5);
 * const p = sticky.partition(view);
 * sticky.update(p, 600, view, true);
 * console.assert(sticky.partition(view) === p); // 600 < 1000: stays
 * ```
 */
export class StickyPartitioner {
  readonly #topic: string;
  /** `batch.size`: bytes to produce to a partition before switching. */
  readonly #stickyBatchSize: number;
  readonly #random: () => number;
  /** The current sticky partition (-1: none chosen yet). */
  #current = -1;
  /** Bytes produced to the current partition since it was chosen. */
  #producedBytes = 0;
  /**
   * Adaptive load stats from the last `ready()`: cumulative weights and the
   * partitions they belong to (`null` when all queues are equal: uniform).
   */
  #cumulative: Int32Array | null = null;
  #partitionIds: Int32Array | null = null;
  #statsLength = 0;

  constructor(topic: string, stickyBatchSize: number, random: () => number = Math.random) {
    this.#topic = topic;
    this.#stickyBatchSize = Math.max(1, stickyBatchSize);
    this.#random = random;
  }

  /** The partition for the next unkeyed record. */
  partition(view: PartitionView): number {
    const count = view.partitionCount(this.#topic);
    if (this.#current < 0 || this.#current >= count) this.#next(view, count);
    return this.#current;
  }

  /**
   * Accounts `appendedBytes` produced to `partition`; switches partitions once
   * enough was produced and `enableSwitch` (the partition's batch is full),
   * or regardless at twice the sticky size.
   */
  update(partition: number, appendedBytes: number, view: PartitionView, enableSwitch: boolean): void {
    if (partition !== this.#current) return;
    this.#producedBytes += appendedBytes;
    const size = this.#stickyBatchSize;
    if ((this.#producedBytes >= size && enableSwitch) || this.#producedBytes >= size * 2) {
      this.#next(view, view.partitionCount(this.#topic));
    }
  }

  /**
   * Sets the adaptive load stats: `queueSizes[i]` batches are queued for
   * partition `partitionIds[i]`, for the `length` partitions that are
   * available. Equal queues over all partitions mean plain uniform choice.
   */
  updateLoadStats(queueSizes: Int32Array | null, partitionIds: Int32Array | null, length: number, partitionCount: number): void {
    if (queueSizes === null || partitionIds === null || length < 1) {
      this.#cumulative = null;
      return;
    }
    let max = queueSizes[0]!;
    let allEqual = true;
    for (let i = 1; i < length; i++) {
      if (queueSizes[i] !== max) allEqual = false;
      if (queueSizes[i]! > max) max = queueSizes[i]!;
    }
    if (allEqual && length === partitionCount) {
      this.#cumulative = null;
      return;
    }
    // Weight of a partition: (max + 1 - its queue size), so the emptiest
    // queues are the likeliest; stored as a running sum for binary search.
    const cumulative = new Int32Array(length);
    let sum = 0;
    for (let i = 0; i < length; i++) {
      sum += max + 1 - queueSizes[i]!;
      cumulative[i] = sum;
    }
    this.#cumulative = cumulative;
    this.#partitionIds = partitionIds.slice(0, length);
    this.#statsLength = length;
  }

  #next(view: PartitionView, count: number): void {
    const random = Math.floor(this.#random() * 0x7fffffff);
    let partition: number;
    const cumulative = this.#cumulative;
    if (cumulative !== null) {
      // The first index whose running sum exceeds the weighted random number.
      const target = random % cumulative[this.#statsLength - 1]!;
      let lo = 0;
      let hi = this.#statsLength - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cumulative[mid]! > target) hi = mid;
        else lo = mid + 1;
      }
      partition = this.#partitionIds![lo]!;
    } else {
      const available = view.availablePartitions(this.#topic);
      partition = available.length > 0 ? available[random % available.length]! : random % Math.max(1, count);
    }
    this.#current = partition;
    this.#producedBytes = 0;
  }
}
