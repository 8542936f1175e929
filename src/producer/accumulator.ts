/**
 * The record accumulator, as Java's `RecordAccumulator`: per-partition
 * deques of batches, `ready()` (which brokers have something to send) and
 * `drain()` (what to send each of them), retries re-inserted in order, and
 * expiry by `delivery.timeout.ms`.
 *
 * Correctness rules kept here:
 * - Records of a partition are appended to the last batch of its deque, so
 *   batches (and their records) leave in send order.
 * - A retried batch goes back to the front of its deque; with idempotence it
 *   is inserted by sequence, so a partition's batches are resent in order.
 * - With idempotence, a batch gets its producer id, epoch and sequence when it
 *   is drained (not before), and `SequenceGate` decides whether a partition
 *   may be drained at all (see `transactions.ts`).
 *
 * @module
 */

import type { Metadata } from "../metadata.ts";
import { BATCH_HEADER_SIZE, type FieldValue, type HeaderList, RecordWriter } from "../protocol/record_batch.ts";
import { backoffMs } from "../backoff.ts";
import { sequenceBefore } from "./sequences.ts";
import type { BufferPool } from "./buffer_pool.ts";
import type { RecordMetadata, SendCallback } from "../serde.ts";
import { type CALLBACK, ProducerBatch, type RecordListener } from "./batch.ts";
import { StickyPartitioner } from "./partitioner.ts";

/** How the accumulator asks idempotence/transactions about a partition. */
export interface SequenceGate {
  /** Whether the first batch of the partition may be drained now. */
  mayDrain(batch: ProducerBatch): boolean;
  /** Stamps producer id, epoch and sequence on a batch being drained. */
  stamp(batch: ProducerBatch): void;
}

/** Settings the accumulator uses. */
export interface AccumulatorOptions {
  batchSize: number;
  lingerMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  deliveryTimeoutMs: number;
  maxRequestSize: number;
  adaptivePartitioning: boolean;
  availabilityTimeoutMs: number;
}

/** A partition's deque of batches, oldest first. */
interface Deque {
  readonly topic: string;
  readonly partition: number;
  readonly batches: ProducerBatch[];
}

/** What `ready()` found. */
export interface ReadyResult {
  /** Leaders with a sendable batch. */
  readyNodes: Set<number>;
  /** Milliseconds until something may become ready (Infinity: nothing waiting). */
  nextReadyCheckDelayMs: number;
  /** Topics with batches for a partition whose leader is unknown. */
  unknownLeaderTopics: Set<string>;
}

/** `append()` result when the record needs a new slab that the pool could not give now. */
export const NEEDS_MEMORY = -1;
/** `append()` result when the record alone exceeds `max.request.size` (see `lastRecordSize`). */
export const TOO_LARGE = -2;

/**
 * Per-partition batch queues.
 *
 * @example See `producer.ts`, which drives it; unit tests in tests/unit/accumulator.test.ts.
 * ```ts ignore
 * const n = accumulator.append("t", 0, Date.now(), null, "v", null, resolve, reject, Date.now());
 * ```
 */
export class RecordAccumulator {
  readonly #options: AccumulatorOptions;
  readonly #pool: BufferPool;
  readonly #writer = new RecordWriter();
  /** Deques by topic, then by partition. */
  readonly #deques = new Map<string, Deque[]>();
  /** Sticky partitioners by topic (records without key nor partition). */
  readonly #sticky = new Map<string, StickyPartitioner>();
  /** Batches created and not yet settled; `flush()` waits on these. */
  readonly incomplete = new Set<ProducerBatch>();
  /** The last topic appended to and its deques / sticky partitioner (a lookup cache; entries are never removed). */
  #lastTopic: string | null = null;
  #lastDeques: Deque[] | null = null;
  #lastStickyTopic: string | null = null;
  #lastSticky: StickyPartitioner | null = null;
  /** Round-robin start per node, so every partition gets its turn in drain(). */
  readonly #drainIndex = new Map<number, number>();
  /** Per node: when it last had something ready, and was last drained (availability timeout). */
  readonly #nodeReadyMs = new Map<number, number>();
  readonly #nodeDrainMs = new Map<number, number>();
  /** Outstanding flush() calls: while > 0, every batch is ready. Changed only by beginFlush/endFlush. */
  #flushesInProgress = 0;
  /** Set once by beginClose(): every batch is ready from then on. */
  #closing = false;
  /** Whether the last successful append created a batch / filled one (wake the sender). */
  lastAppendNewBatch = false;
  lastAppendFull = false;
  /** Told of every record outcome (interceptors, metrics). */
  listener: RecordListener | null = null;
  /** Encoded size of the record of the last `append()` that needed memory or was too large. */
  lastRecordSize = 0;

  constructor(options: AccumulatorOptions, pool: BufferPool) {
    this.#options = options;
    this.#pool = pool;
  }

  /** Size a batch for a record of `recordSize` bytes needs. */
  batchSizeFor(recordSize: number): number {
    return Math.max(this.#options.batchSize, BATCH_HEADER_SIZE + recordSize);
  }

  /** The sticky partition for the next unkeyed record of `topic`. */
  stickyPartition(topic: string, metadata: Metadata): number {
    return this.#stickyFor(topic).partition(metadata);
  }

  /**
   * Appends a record; returns the bytes it took, {@linkcode NEEDS_MEMORY} if
   * it needs a new batch and `slab` (one the caller waited for) was not
   * given, or {@linkcode TOO_LARGE}. `sticky` says the partition came from
   * the sticky partitioner, whose byte count is then updated.
   */
  append(
    topic: string,
    partition: number,
    timestamp: number,
    key: FieldValue,
    value: FieldValue,
    headers: HeaderList | null,
    resolve: ((md: RecordMetadata) => void) | SendCallback,
    reject: ((error: Error) => void) | typeof CALLBACK,
    now: number,
    metadata: Metadata,
    sticky: boolean,
    slab: Uint8Array | null = null,
  ): number {
    const max = this.#options.maxRequestSize;
    const dq = this.#deque(topic, partition);
    const batches = dq.batches;
    const last = batches[batches.length - 1];
    let appended = last === undefined ? 0 : last.tryAppend(this.#writer, max, timestamp, key, value, headers, resolve, reject);
    this.lastAppendNewBatch = false;
    if (appended === 0) {
      const size = (this.lastRecordSize = this.#writer.measure(key, value, headers, 0, 0));
      if (BATCH_HEADER_SIZE + size > max) {
        if (slab !== null) this.#pool.deallocate(slab);
        return TOO_LARGE;
      }
      if (slab === null) {
        slab = this.#pool.tryAllocate(this.batchSizeFor(size));
        if (slab === null) return NEEDS_MEMORY;
      }
      const batch = new ProducerBatch(topic, partition, slab, now);
      batch.listener = this.listener;
      appended = batch.tryAppend(this.#writer, max, timestamp, key, value, headers, resolve, reject);
      batches.push(batch);
      this.incomplete.add(batch);
      this.lastAppendNewBatch = true;
    } else if (appended < 0) {
      this.lastRecordSize = this.#writer.measure(key, value, headers, 0, 0);
      if (slab !== null) this.#pool.deallocate(slab);
      return TOO_LARGE;
    } else if (slab !== null) {
      this.#pool.deallocate(slab); // someone else made room meanwhile
    }
    const lastFull = batches[batches.length - 1]!.isFull;
    this.lastAppendFull = batches.length > 1 || lastFull;
    // As Java: a new batch counts its header towards the sticky bytes (estimatedSizeInBytes), and the
    // switch waits until the newest batch is full (allBatchesFull), so no fractional batch is left.
    const produced = this.lastAppendNewBatch ? appended + BATCH_HEADER_SIZE : appended;
    if (sticky) this.#stickyFor(topic).update(partition, produced, metadata, lastFull);
    return appended;
  }

  /** Which leaders have sendable batches, as Java's `ready()`. */
  ready(metadata: Metadata, now: number, exhausted: boolean): ReadyResult {
    const readyNodes = new Set<number>();
    const unknownLeaderTopics = new Set<string>();
    let nextReadyCheckDelayMs = Infinity;
    const { lingerMs, adaptivePartitioning } = this.#options;
    for (const [topic, deques] of this.#deques) {
      let queueSizes: Int32Array | null = null;
      let partitionIds: Int32Array | null = null;
      let n = 0;
      // As Java: adaptive stats only once every partition has a deque (a missing one could never be chosen).
      let dequeCount = 0;
      for (const dq of deques) if (dq !== undefined) dequeCount++;
      if (adaptivePartitioning && this.#sticky.has(topic) && dequeCount >= metadata.partitionCount(topic)) {
        queueSizes = new Int32Array(deques.length);
        partitionIds = new Int32Array(deques.length);
      }
      for (const dq of deques) {
        if (dq === undefined) continue;
        const first = dq.batches[0];
        const leader = metadata.leaderFor(topic, dq.partition);
        if (leader < 0) {
          if (first !== undefined) unknownLeaderTopics.add(topic);
          continue;
        }
        if (queueSizes !== null && this.#isAvailable(leader)) {
          queueSizes[n] = dq.batches.length;
          partitionIds![n++] = dq.partition;
        }
        if (first === undefined || readyNodes.has(leader)) continue;
        const waited = now - first.lastAttemptMs;
        const backingOff = this.#backingOff(first, metadata, now);
        const timeToWait = backingOff ? first.retryBackoffMs : lingerMs;
        const full = dq.batches.length > 1 || first.isFull;
        const expired = waited >= timeToWait;
        const sendable = full || expired || exhausted || this.#closing || this.#flushesInProgress > 0;
        if (sendable && !backingOff) {
          readyNodes.add(leader);
          // As Java's NodeLatencyStats: the drain time starts at the first ready time.
          if (!this.#nodeDrainMs.has(leader)) this.#nodeDrainMs.set(leader, now);
          this.#nodeReadyMs.set(leader, now);
        } else {
          nextReadyCheckDelayMs = Math.min(nextReadyCheckDelayMs, Math.max(0, timeToWait - waited));
        }
      }
      if (queueSizes !== null) {
        this.#sticky.get(topic)!.updateLoadStats(queueSizes, partitionIds, n, metadata.partitionCount(topic));
      }
    }
    return { readyNodes, nextReadyCheckDelayMs, unknownLeaderTopics };
  }

  /**
   * Takes at most one batch per partition led by each node, round-robin,
   * until `maxRequestSize` bytes (the first batch always goes).
   */
  drain(metadata: Metadata, nodes: Iterable<number>, maxRequestSize: number, now: number, gate: SequenceGate | null): Map<number, ProducerBatch[]> {
    const out = new Map<number, ProducerBatch[]>();
    for (const node of nodes) {
      const batches = this.#drainNode(metadata, node, maxRequestSize, now, gate);
      this.#nodeDrainMs.set(node, now);
      if (batches.length > 0) out.set(node, batches);
    }
    return out;
  }

  #drainNode(metadata: Metadata, node: number, maxRequestSize: number, now: number, gate: SequenceGate | null): ProducerBatch[] {
    const parts = metadata.partitionsForNode(node);
    const ready: ProducerBatch[] = [];
    if (parts.length === 0) return ready;
    let size = 0;
    const start = (this.#drainIndex.get(node) ?? 0) % parts.length;
    let i = start;
    do {
      const tp = parts[i]!;
      i = (i + 1) % parts.length;
      const dq = this.#deques.get(tp.topic)?.[tp.partition];
      const first = dq?.batches[0];
      if (first === undefined) continue;
      if (this.#backingOff(first, metadata, now)) continue;
      const sealedSize = first.sizeInBytes;
      if (size + sealedSize > maxRequestSize && ready.length > 0) {
        // No room left in this request: the next drain starts here.
        i = (i + parts.length - 1) % parts.length;
        break;
      }
      if (gate !== null && !gate.mayDrain(first)) continue;
      dq!.batches.shift();
      first.closed = true;
      // The leader epoch of this attempt: only a newer one may skip the retry backoff (KIP-951).
      first.sentLeaderEpoch = metadata.leaderEpochFor(tp.topic, tp.partition);
      gate?.stamp(first);
      size += sealedSize;
      ready.push(first);
    } while (i !== start);
    this.#drainIndex.set(node, i);
    return ready;
  }

  /** Puts a batch back for a retry: at the front, or by sequence with idempotence. */
  reenqueue(batch: ProducerBatch, now: number): void {
    batch.attempts++;
    batch.lastAttemptMs = now;
    batch.retry = true;
    batch.retryBackoffMs = backoffMs(batch.attempts - 1, this.#options.retryBackoffMs, this.#options.retryBackoffMaxMs);
    const batches = this.#deque(batch.topic, batch.partition).batches;
    const seq = batch.identity?.baseSequence ?? -1;
    let at = 0;
    if (seq >= 0) {
      // Behind the queued batches that already carry lower sequences.
      while (at < batches.length && (batches[at]!.identity?.baseSequence ?? -1) >= 0 &&
        sequenceBefore(batches[at]!.identity!.baseSequence, seq)) at++;
    }
    batches.splice(at, 0, batch);
  }

  /** Removes and returns queued batches past `delivery.timeout.ms`. */
  expiredBatches(now: number): ProducerBatch[] {
    const expired: ProducerBatch[] = [];
    const timeout = this.#options.deliveryTimeoutMs;
    for (const deques of this.#deques.values()) {
      for (const dq of deques) {
        if (dq === undefined) continue;
        while (dq.batches.length > 0 && now - dq.batches[0]!.createdMs >= timeout) {
          const b = dq.batches.shift()!;
          b.closed = true;
          expired.push(b);
        }
      }
    }
    return expired;
  }

  /** Milliseconds until the oldest queued batch expires (Infinity if none). */
  nextExpiryDelay(now: number): number {
    let next = Infinity;
    for (const deques of this.#deques.values()) {
      for (const dq of deques) {
        const b = dq?.batches[0];
        if (b !== undefined) next = Math.min(next, b.createdMs + this.#options.deliveryTimeoutMs - now);
      }
    }
    return Math.max(0, next);
  }

  /** Settles a batch for good and returns its memory to the pool. */
  release(batch: ProducerBatch): void {
    if (!this.incomplete.delete(batch)) return;
    if (batch.pooled) this.#pool.deallocate(batch.slab);
  }

  /**
   * Replaces a batch the broker found too large by smaller ones (each at
   * most half its size, or `batch.size`), put back at the front of its
   * deque in order (`split.ts` makes them).
   */
  requeueSplit(big: ProducerBatch, parts: ProducerBatch[], now: number): void {
    const batches = this.#deque(big.topic, big.partition).batches;
    for (const p of parts) {
      p.listener = this.listener;
      p.closed = true; // their sequences are fixed: no appends
      this.incomplete.add(p);
    }
    big.markSplit(parts);
    this.release(big);
    // In front of everything queued (these records were sent before them), but behind retries
    // with lower sequences (Java's insertInSequenceOrder), or the partition waits forever.
    const seq = parts[0]?.identity?.baseSequence ?? -1;
    let at = 0;
    if (seq >= 0) {
      while (at < batches.length && (batches[at]!.identity?.baseSequence ?? -1) >= 0 &&
        sequenceBefore(batches[at]!.identity!.baseSequence, seq)) at++;
    }
    batches.splice(at, 0, ...parts);
    for (const p of parts) p.lastAttemptMs = now;
  }

  /** Whether any batch is queued (not in flight). */
  hasQueued(): boolean {
    for (const deques of this.#deques.values()) {
      for (const dq of deques) if (dq !== undefined && dq.batches.length > 0) return true;
    }
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
    for (const deques of this.#deques.values()) {
      for (const dq of deques) if (dq !== undefined) all.push(...dq.batches.splice(0));
    }
    for (const b of all) b.closed = true;
    return all;
  }

  /**
   * Removes the queued batches that were never sent (an aborted transaction
   * fails them); batches awaiting a retry stay, as their fate is unknown.
   */
  removeUnsent(): ProducerBatch[] {
    const out: ProducerBatch[] = [];
    for (const deques of this.#deques.values()) {
      for (const dq of deques) {
        if (dq === undefined) continue;
        const keep: ProducerBatch[] = [];
        for (const b of dq.batches) (b.identity === null && b.attempts === 0 ? out : keep).push(b);
        dq.batches.length = 0;
        dq.batches.push(...keep);
      }
    }
    for (const b of out) b.closed = true;
    return out;
  }

  /** Queued batches of a partition, oldest first (read-only view for tests/metrics). */
  queued(topic: string, partition: number): readonly ProducerBatch[] {
    return this.#deques.get(topic)?.[partition]?.batches ?? [];
  }

  /** A retried batch waits out its backoff, unless its partition has a newer leader since (KIP-951). */
  #backingOff(batch: ProducerBatch, metadata: Metadata, now: number): boolean {
    if (batch.attempts === 0 || now - batch.lastAttemptMs >= batch.retryBackoffMs) return false;
    return metadata.leaderEpochFor(batch.topic, batch.partition) <= batch.sentLeaderEpoch;
  }

  #isAvailable(node: number): boolean {
    const timeout = this.#options.availabilityTimeoutMs;
    if (timeout <= 0) return true;
    const readyMs = this.#nodeReadyMs.get(node) ?? 0;
    const drainMs = this.#nodeDrainMs.get(node) ?? readyMs;
    return readyMs - drainMs <= timeout;
  }

  #deque(topic: string, partition: number): Deque {
    // Most sends go to the topic of the previous one: skip the map lookup.
    let deques = topic === this.#lastTopic ? this.#lastDeques! : this.#deques.get(topic);
    if (deques === undefined) this.#deques.set(topic, (deques = []));
    this.#lastTopic = topic;
    this.#lastDeques = deques;
    let dq = deques[partition];
    if (dq === undefined) deques[partition] = dq = { topic, partition, batches: [] };
    return dq;
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
