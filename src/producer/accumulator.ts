/**
 * The record accumulator, as Java's `RecordAccumulator`: records appended to
 * per-partition deques of batches (`partition_deque.ts`), `ready()` and
 * `drain()` (`drain.ts`), retries and split batches put back in order,
 * expiry by `delivery.timeout.ms`, and each batch's memory handed back to
 * the pool once it is settled.
 *
 * Correctness rules kept here:
 * - Records of a partition are appended to the last batch of its deque, so
 *   batches (and their records) leave in send order.
 * - A retried batch goes back to the front of its deque; with idempotence it
 *   is inserted by sequence, so a partition's batches are resent in order.
 * - With idempotence, a batch gets its producer id, epoch and sequence when it
 *   is drained (not before), and `SequenceGate` decides whether a partition
 *   may be drained at all (see `transactions.ts`).
 * - When order must be kept (`max.in.flight.requests.per.connection=1`), a
 *   partition is muted from the drain of a batch until that batch is
 *   released, retried or split: nothing of the partition overtakes it.
 *
 * @module
 */

import type { Metadata } from "../metadata.ts";
import { BATCH_HEADER_SIZE, RecordWriter } from "../protocol/record_batch.ts";
import { backoffMs } from "../backoff.ts";
import type { BufferPool } from "./buffer_pool.ts";
import { type BatchRecord, ProducerBatch, type RecordListener } from "./batch.ts";
import { type DrainOptions, Drainer, type ReadyResult, type SequenceGate } from "./drain.ts";
import { PartitionDeques } from "./partition_deque.ts";
import { StickyPartitioner } from "./partitioner.ts";
import { CompressionRatioEstimator } from "./compression_ratio.ts";

export type { ReadyResult, SequenceGate } from "./drain.ts";

/**
 * Settings the accumulator uses; with those of ready and drain
 * (`DrainOptions`: linger, ordering, and the compressor whose codec
 * compresses off the event loop, which also starts on a full batch here).
 */
export interface AccumulatorOptions extends DrainOptions {
  batchSize: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  deliveryTimeoutMs: number;
  maxRequestSize: number;
  /** Told of every record outcome (interceptors); shared by all batches. */
  listener?: RecordListener | null;
  /**
   * Batches are compressed (`compression.type` is not `none`): their slabs
   * are sized by the compression ratio estimate, so they fill to
   * `batch.size` after compression (see `compression_ratio.ts`).
   */
  compressed?: boolean;
}

/** One record for {@linkcode RecordAccumulator.append}: where it goes, its serialized fields, how it settles. */
export interface AppendRecord extends BatchRecord {
  readonly topic: string;
  readonly partition: number;
}

/** The circumstances of one {@linkcode RecordAccumulator.append} call. */
export interface AppendContext {
  readonly now: number;
  readonly metadata: Metadata;
  /** The partition came from the sticky partitioner, whose byte count is then updated. */
  readonly sticky: boolean;
  /** A slab the caller waited for (after `needs-memory`); used, or handed back to the pool. */
  readonly slab: Uint8Array | null;
}

/** The record is in a batch. */
export interface Appended {
  readonly kind: "appended";
  /** The batch it went into. */
  readonly batch: ProducerBatch;
  /** Bytes the record took in the batch. */
  readonly recordSize: number;
  /** It opened a new batch (the sender has a new deque head to look at). */
  readonly newBatch: boolean;
  /** Its partition has a full batch now (sendable without waiting for `linger.ms`). */
  readonly full: boolean;
}

/** The record needs a new batch and the pool has no slab for it now (or others wait for memory). */
export interface NeedsMemory {
  readonly kind: "needs-memory";
  /** The record's encoded size. */
  readonly recordSize: number;
  /** The slab size to wait for, then to pass back as {@linkcode AppendContext.slab}. */
  readonly batchSize: number;
}

/** The record alone, in a batch, would exceed `max.request.size`; a slab given was handed back. */
export interface TooLarge {
  readonly kind: "too-large";
  /** The record's encoded size. */
  readonly recordSize: number;
}

/**
 * What {@linkcode RecordAccumulator.append} did. Valid until the next
 * `append()`: the accumulator reuses one object per kind, so the hot path
 * allocates nothing per record.
 */
export type AppendResult = Appended | NeedsMemory | TooLarge;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Per-partition batch queues.
 *
 * @example Appending a record
 * ```ts ignore
 * const result = accumulator.append(
 *   { topic: "t", partition: 0, timestamp: Date.now(), key: null, value: "v", headers: null, resolve, reject },
 *   { now: Date.now(), metadata, sticky: false, slab: null },
 * );
 * if (result.kind === "appended" && (result.newBatch || result.full)) sender.wakeup();
 * ```
 */
export class RecordAccumulator {
  readonly #options: AccumulatorOptions;
  readonly #pool: BufferPool;
  readonly #writer = new RecordWriter();
  /** Every partition's queued batches and mute state; changed only by this class and its drainer. */
  readonly #deques = new PartitionDeques();
  /** Ready and drain, with their per-node state. */
  readonly #drainer: Drainer;
  /** Sticky partitioners by topic (records without key nor partition). */
  readonly #sticky = new Map<string, StickyPartitioner>();
  /** The last topic's sticky partitioner (a lookup cache; entries are never removed). */
  #lastStickyTopic: string | null = null;
  #lastSticky: StickyPartitioner | null = null;
  /** Batches created and not yet settled; `flush()` waits on these. Changed by append, requeueSplit, release. */
  readonly #incomplete = new Set<ProducerBatch>();
  /** Outstanding flush() calls: while > 0, every batch is ready. Changed only by beginFlush/endFlush. */
  #flushesInProgress = 0;
  /** Set once by beginClose(): every batch is ready from then on. */
  #closing = false;
  /** The results `append()` hands out, reused (valid until the next call). */
  readonly #appended: Mutable<Appended>;
  readonly #needsMemory: Mutable<NeedsMemory> = { kind: "needs-memory", recordSize: 0, batchSize: 0 };
  readonly #tooLarge: Mutable<TooLarge> = { kind: "too-large", recordSize: 0 };
  /** Compression ratio per topic (null without compression); batches report to it when sealed. */
  readonly #estimator: CompressionRatioEstimator | null;

  /** Wakes the sender when an asynchronous compression is done. */
  readonly #onCompressed: () => void;

  constructor(options: AccumulatorOptions, pool: BufferPool) {
    this.#options = options;
    this.#onCompressed = options.onCompressed ?? (() => {});
    this.#pool = pool;
    this.#estimator = options.compressed ? new CompressionRatioEstimator() : null;
    this.#drainer = new Drainer(options, this.#deques, (topic) => this.#sticky.get(topic));
    this.#appended = { kind: "appended", batch: null!, recordSize: 0, newBatch: false, full: false };
  }

  /** Batches created and not yet settled (what `flush()` waits for). */
  get incomplete(): ReadonlySet<ProducerBatch> {
    return this.#incomplete;
  }

  /**
   * Size a new batch of `topic` for a record of `recordSize` bytes needs:
   * `batch.size`, or with compression as many uncompressed bytes as should
   * compress to about `batch.size` (capped by `max.request.size` and
   * `buffer.memory`), and at least what the record needs.
   */
  batchSizeFor(recordSize: number, topic: string): number {
    const { batchSize, maxRequestSize } = this.#options;
    const target = this.#estimator === null
      ? batchSize
      : this.#estimator.slabSize(topic, batchSize, Math.min(maxRequestSize, this.#pool.totalMemory));
    return Math.max(target, BATCH_HEADER_SIZE + recordSize);
  }

  /** The compression ratio estimate for `topic` (1 without compression). */
  compressionEstimate(topic: string): number {
    return this.#estimator?.estimate(topic) ?? 1;
  }

  /** The sticky partition for the next unkeyed record of `topic`. */
  stickyPartition(topic: string, metadata: Metadata): number {
    return this.#stickyFor(topic).partition(metadata);
  }

  /**
   * Appends a record to the last batch of its partition, or to a new one.
   * Neither argument is kept: a caller may reuse both objects for the next
   * record. The result is reused by the next call (see {@linkcode AppendResult}).
   */
  append(record: AppendRecord, context: AppendContext): AppendResult {
    // The timestamp stays in its field (see ProducerBatch.append): no double is passed as an argument.
    const { topic, partition, key, value, headers } = record;
    let slab = context.slab;
    const max = this.#options.maxRequestSize;
    const dq = this.#deques.get(topic, partition);
    const last = dq.last;
    let appended = last === undefined ? 0 : last.append(this.#writer, max, record);
    let batch = last;
    const newBatch = appended === 0;
    if (appended === 0) {
      const size = this.#writer.measure(key, value, headers, 0, 0);
      if (BATCH_HEADER_SIZE + size > max) return this.#refuse(size, slab);
      if (slab === null) {
        const batchSize = this.batchSizeFor(size, topic);
        slab = this.#pool.tryAllocate(batchSize);
        if (slab === null) {
          this.#needsMemory.recordSize = size;
          this.#needsMemory.batchSize = batchSize;
          return this.#needsMemory;
        }
      }
      // The full batch before it can be compressed now, off the loop, while this one fills.
      if (last !== undefined && this.#options.compressor) last.compressAhead(this.#options.compressor, this.#onCompressed);
      batch = new ProducerBatch(topic, partition, slab, context.now);
      batch.listener = this.#options.listener ?? null;
      batch.estimator = this.#estimator;
      appended = batch.append(this.#writer, max, record);
      dq.push(batch);
      this.#incomplete.add(batch);
    } else if (appended < 0) {
      return this.#refuse(this.#writer.measure(key, value, headers, 0, 0), slab);
    } else if (slab !== null) {
      this.#pool.deallocate(slab); // someone else made room meanwhile
    }
    const lastFull = batch!.isFull;
    // As Java: a new batch counts its header towards the sticky bytes (estimatedSizeInBytes), and the
    // switch waits until the newest batch is full (allBatchesFull), so no fractional batch is left.
    if (context.sticky) {
      const produced = newBatch ? appended + BATCH_HEADER_SIZE : appended;
      this.#stickyFor(topic).update(partition, produced, context.metadata, lastFull);
    }
    const result = this.#appended;
    result.batch = batch!;
    result.recordSize = appended;
    result.newBatch = newBatch;
    result.full = dq.length > 1 || lastFull;
    return result;
  }

  /** Which leaders have sendable batches, as Java's `ready()` (see `drain.ts`). */
  ready(metadata: Metadata, now: number, exhausted: boolean): ReadyResult {
    return this.#drainer.ready(metadata, now, exhausted || this.#closing || this.#flushesInProgress > 0);
  }

  /**
   * Takes at most one batch per partition led by each node, round-robin,
   * until `maxRequestSize` bytes (the first batch always goes); muted
   * partitions are skipped, and muted by what is taken when order must be kept.
   */
  drain(metadata: Metadata, nodes: Iterable<number>, maxRequestSize: number, now: number, gate: SequenceGate | null): Map<number, ProducerBatch[]> {
    return this.#drainer.drain(metadata, nodes, maxRequestSize, now, gate);
  }

  /** Puts a batch back for a retry: at the front, or by sequence with idempotence; unmutes its partition. */
  reenqueue(batch: ProducerBatch, now: number): void {
    batch.attempts++;
    batch.lastAttemptMs = now;
    batch.retry = true;
    batch.retryBackoffMs = backoffMs(batch.attempts - 1, this.#options.retryBackoffMs, this.#options.retryBackoffMaxMs);
    const dq = this.#deques.get(batch.topic, batch.partition);
    dq.putBack([batch]);
    dq.unmute(batch);
  }

  /** Removes and returns queued batches past `delivery.timeout.ms`. */
  expiredBatches(now: number): ProducerBatch[] {
    const expired: ProducerBatch[] = [];
    const timeout = this.#options.deliveryTimeoutMs;
    for (const dq of this.#deques.all()) {
      while (dq.length > 0 && now - dq.first!.createdMs >= timeout) {
        const b = dq.shift()!;
        b.closed = true;
        expired.push(b);
      }
    }
    return expired;
  }

  /** Milliseconds until the oldest queued batch expires (Infinity if none). */
  nextExpiryDelay(now: number): number {
    let next = Infinity;
    for (const dq of this.#deques.all()) {
      const b = dq.first;
      if (b !== undefined) next = Math.min(next, b.createdMs + this.#options.deliveryTimeoutMs - now);
    }
    return Math.max(0, next);
  }

  /** Settles a batch for good: unmutes its partition and returns its memory to the pool. */
  release(batch: ProducerBatch): void {
    this.#deques.find(batch.topic, batch.partition)?.unmute(batch);
    if (!this.#incomplete.delete(batch)) return;
    if (!batch.pooled) return;
    // A compression still reading the slab (the batch expired meanwhile) gives it back when done.
    const compressing = batch.compressing;
    if (compressing === null) this.#pool.deallocate(batch.slab);
    else void compressing.then(() => this.#pool.deallocate(batch.slab));
  }

  /**
   * Replaces a batch the broker found too large by smaller ones (each at
   * most half its size, or `batch.size`), put back at the front of its
   * deque in order (`split.ts` makes them); unmutes the partition.
   */
  requeueSplit(big: ProducerBatch, parts: ProducerBatch[], now: number): void {
    for (const p of parts) {
      p.listener = this.#options.listener ?? null;
      p.closed = true; // their sequences are fixed: no appends
      this.#incomplete.add(p);
    }
    big.markSplit(parts);
    this.release(big);
    // As Java: the estimate let this batch grow too large; start again from its real ratio.
    this.#estimator?.set(big.topic, Math.max(1, big.compressionRatio));
    // In front of everything queued (these records were sent before them), behind lower-sequence retries.
    this.#deques.get(big.topic, big.partition).putBack(parts);
    for (const p of parts) p.lastAttemptMs = now;
  }

  /** Whether any batch is queued (not in flight). */
  hasQueued(): boolean {
    for (const dq of this.#deques.all()) if (dq.length > 0) return true;
    return false;
  }

  /** A `flush()` started: every batch is ready until the matching {@linkcode endFlush}. */
  beginFlush(): void {
    this.#flushesInProgress++;
  }

  /** A `flush()` ended (its batches settled, or it failed). */
  endFlush(): void {
    if (this.#flushesInProgress > 0) this.#flushesInProgress--;
  }

  /** `close()` started: every batch is ready from now on, without waiting for `linger.ms`. */
  beginClose(): void {
    this.#closing = true;
  }

  /** Removes every queued batch (to fail them: producer closing, fatal error). */
  drainAll(): ProducerBatch[] {
    const all: ProducerBatch[] = [];
    for (const dq of this.#deques.all()) all.push(...dq.takeAll());
    for (const b of all) b.closed = true;
    return all;
  }

  /**
   * Removes the queued batches that were never sent (an aborted transaction
   * fails them); batches awaiting a retry stay, as their fate is unknown.
   */
  removeUnsent(): ProducerBatch[] {
    const out: ProducerBatch[] = [];
    for (const dq of this.#deques.all()) out.push(...dq.takeWhere((b) => b.identity === null && b.attempts === 0));
    for (const b of out) b.closed = true;
    return out;
  }

  /** Queued batches of a partition, oldest first (read-only view for tests/metrics). */
  queued(topic: string, partition: number): readonly ProducerBatch[] {
    return this.#deques.find(topic, partition)?.batches ?? [];
  }

  /** Whether a partition waits for the answer to its in-flight batch (order guaranteed). */
  isMuted(topic: string, partition: number): boolean {
    return this.#deques.find(topic, partition)?.muted ?? false;
  }

  /** The record cannot go into any batch: hands a slab given back, and says so. */
  #refuse(recordSize: number, slab: Uint8Array | null): TooLarge {
    if (slab !== null) this.#pool.deallocate(slab);
    this.#tooLarge.recordSize = recordSize;
    return this.#tooLarge;
  }

  #stickyFor(topic: string): StickyPartitioner {
    if (topic === this.#lastStickyTopic) return this.#lastSticky!;
    let s = this.#sticky.get(topic);
    if (s === undefined) this.#sticky.set(topic, (s = new StickyPartitioner(topic, this.#options.batchSize)));
    this.#lastStickyTopic = topic;
    this.#lastSticky = s;
    return s;
  }
}
