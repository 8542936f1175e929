/**
 * Which brokers have something to send and what each gets, as Java's
 * `RecordAccumulator.ready()` and `drain()`: the accumulator's read side,
 * apart from its append side. Works on the accumulator's deques
 * (`partition_deque.ts`) and keeps the per-node state these decisions need:
 * the round-robin start of each node's drain, and when each node was last
 * ready and drained (adaptive partitioning's availability timeout).
 *
 * @module
 */

import type { Metadata } from "../metadata.ts";
import type { Compressor, ProducerBatch } from "./batch.ts";
import type { PartitionDeques } from "./partition_deque.ts";
import type { StickyPartitioner } from "./partitioner.ts";

const noop = () => {};

/** How the accumulator asks idempotence/transactions about a partition. */
export interface SequenceGate {
  /** Whether the first batch of the partition may be drained now. */
  mayDrain(batch: ProducerBatch): boolean;
  /** Stamps producer id, epoch and sequence on a batch being drained. */
  stamp(batch: ProducerBatch): void;
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

/** The settings ready and drain use. */
export interface DrainOptions {
  readonly lingerMs: number;
  readonly adaptivePartitioning: boolean;
  readonly availabilityTimeoutMs: number;
  /** Mute a drained batch's partition until it is answered (`max.in.flight.requests.per.connection=1`). */
  readonly guaranteeMessageOrder: boolean;
  /** Compresses ready batches off the event loop when its codec can; they are drained once done. */
  readonly compressor?: Compressor | null;
  /** Called when such a compression is done (wakes the sender). */
  readonly onCompressed?: () => void;
}

/**
 * Ready and drain over the accumulator's deques. Created and driven by the
 * `RecordAccumulator`, which passes its flush/close state in.
 *
 * @example Used by the accumulator
 * ```ts ignore
 * const drainer = new Drainer(options, deques, (topic) => sticky.get(topic));
 * const { readyNodes } = drainer.ready(metadata, now, false);
 * const batches = drainer.drain(metadata, readyNodes, maxRequestSize, now, null);
 * ```
 */
export class Drainer {
  readonly #options: DrainOptions;
  /** The accumulator's deques: drain takes batches out of them and mutes their partitions. */
  readonly #deques: PartitionDeques;
  /** The accumulator's sticky partitioner of a topic, fed with queue sizes for adaptive partitioning. */
  readonly #sticky: (topic: string) => StickyPartitioner | undefined;
  /** Round-robin start per node, so every partition gets its turn in drain(). */
  readonly #drainIndex = new Map<number, number>();
  /** Per node: when it last had something ready, and was last drained (availability timeout). */
  readonly #nodeReadyMs = new Map<number, number>();
  readonly #nodeDrainMs = new Map<number, number>();

  constructor(options: DrainOptions, deques: PartitionDeques, sticky: (topic: string) => StickyPartitioner | undefined) {
    this.#options = options;
    this.#deques = deques;
    this.#sticky = sticky;
  }

  /**
   * Which leaders have sendable batches. `sendAll` (flush, close, memory
   * exhausted) makes every batch sendable without waiting for `linger.ms`;
   * a retry still waits out its backoff, and a muted partition its answer.
   */
  ready(metadata: Metadata, now: number, sendAll: boolean): ReadyResult {
    const readyNodes = new Set<number>();
    const unknownLeaderTopics = new Set<string>();
    let nextReadyCheckDelayMs = Infinity;
    const { lingerMs, adaptivePartitioning } = this.#options;
    for (const [topic, deques] of this.#deques.topics()) {
      let queueSizes: Int32Array | null = null;
      let partitionIds: Int32Array | null = null;
      let n = 0;
      // As Java: adaptive stats only once every partition has a deque (a missing one could never be chosen).
      let dequeCount = 0;
      for (const dq of deques) if (dq !== undefined) dequeCount++;
      const sticky = adaptivePartitioning ? this.#sticky(topic) : undefined;
      if (sticky !== undefined && dequeCount >= metadata.partitionCount(topic)) {
        queueSizes = new Int32Array(deques.length);
        partitionIds = new Int32Array(deques.length);
      }
      for (const dq of deques) {
        if (dq === undefined) continue;
        const first = dq.first;
        const leader = metadata.leaderFor(topic, dq.partition);
        if (leader < 0) {
          if (first !== undefined) unknownLeaderTopics.add(topic);
          continue;
        }
        if (queueSizes !== null && this.#isAvailable(leader)) {
          queueSizes[n] = dq.length;
          partitionIds![n++] = dq.partition;
        }
        // A muted partition becomes sendable when its in-flight batch is answered (which wakes the sender).
        if (first === undefined || readyNodes.has(leader) || dq.muted) continue;
        const waited = now - first.lastAttemptMs;
        const backingOff = this.#backingOff(first, metadata, now);
        const timeToWait = backingOff ? first.retryBackoffMs : lingerMs;
        const full = dq.length > 1 || first.isFull;
        const expired = waited >= timeToWait;
        if ((full || expired || sendAll) && !backingOff) {
          readyNodes.add(leader);
          // As Java's NodeLatencyStats: the drain time starts at the first ready time.
          if (!this.#nodeDrainMs.has(leader)) this.#nodeDrainMs.set(leader, now);
          this.#nodeReadyMs.set(leader, now);
        } else {
          nextReadyCheckDelayMs = Math.min(nextReadyCheckDelayMs, Math.max(0, timeToWait - waited));
        }
      }
      if (queueSizes !== null) sticky!.updateLoadStats(queueSizes, partitionIds, n, metadata.partitionCount(topic));
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
      const dq = this.#deques.find(tp.topic, tp.partition);
      const first = dq?.first;
      if (first === undefined || dq!.muted) continue;
      if (this.#backingOff(first, metadata, now)) continue;
      // Still compressing off the loop: the partition waits (its order is kept), the others go.
      const compressor = this.#options.compressor;
      if (compressor && first.compressAhead(compressor, this.#options.onCompressed ?? noop)) continue;
      const sealedSize = first.estimatedSizeInBytes;
      if (size + sealedSize > maxRequestSize && ready.length > 0) {
        // No room left in this request: the next drain starts here.
        i = (i + parts.length - 1) % parts.length;
        break;
      }
      if (gate !== null && !gate.mayDrain(first)) continue;
      dq!.shift();
      if (this.#options.guaranteeMessageOrder) dq!.mute(first);
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
}
