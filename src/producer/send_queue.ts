/**
 * The pipeline's slow path: records that cannot be appended at once — their
 * topic has no metadata yet, or `buffer.memory` is used up — wait here, in
 * `send()` order, and every later record queues behind them (one Java thread
 * calling `send()` would block the same way). Only the pump appends queued
 * records, head first; a record waits at most `max.block.ms` from its
 * `send()` call (or until its `AbortSignal` fires), then fails.
 *
 * @module
 */

import { BufferExhaustedError, type KafkaError, MetadataTimeoutError, TimeoutError } from "../errors.ts";
import type { Metadata } from "../metadata.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import type { HeaderList } from "../protocol/record_batch.ts";
import type { Bytes, ProducerRecord, RecordMetadata, SendCallback } from "../serde.ts";
import type { CALLBACK } from "./batch.ts";
import type { BufferPool } from "./buffer_pool.ts";

/** A serialized record that waits (it holds its own copies of key, value and headers). */
export interface Prepared {
  readonly record: ProducerRecord<unknown, unknown>;
  readonly topic: string;
  readonly partition: number;
  readonly key: Bytes;
  readonly value: Bytes;
  readonly headers: HeaderList | null;
  readonly timestamp: number;
}

/** What stops a record from being appended now. */
export type Blocked = { readonly kind: "needs-metadata" } | { readonly kind: "needs-memory"; readonly batchSize: number };

/** The one {@linkcode Blocked} value for a record waiting for its topic's metadata. */
export const NEEDS_METADATA: Blocked = Object.freeze({ kind: "needs-metadata" });

/** What a metadata timeout is worded from. */
export interface MetadataWait {
  readonly metadata: Metadata;
  readonly maxBlockMs: number;
  /** The brokers' connection state: why metadata may not have come (the last failed attempt). */
  readonly network: { lastError(nodeId: number): KafkaError | null };
}

/** How the queue appends and fails records (the pipeline's side). */
export interface SendQueueContext extends MetadataWait {
  readonly pool: BufferPool;
  /** Wakes the sender (metadata is needed). */
  readonly wakeup: () => void;
  /**
   * Tries to append a waiting record now, into `slab` if one was obtained
   * for it; null when appended. Throws when the record fails for good.
   */
  readonly append: (
    p: Prepared,
    resolve: ((md: RecordMetadata) => void) | SendCallback,
    reject: ((error: Error) => void) | typeof CALLBACK,
    now: number,
    slab: Uint8Array | null,
  ) => Blocked | null;
  /** Fails a record that never reached a batch (listeners, interceptors, its callback). */
  readonly reject: (record: ProducerRecord<unknown, unknown>, fail: (error: Error) => void, error: unknown) => void;
}

/** A record waiting in the queue. */
interface Waiting {
  readonly p: Prepared;
  readonly resolve: ((md: RecordMetadata) => void) | SendCallback;
  readonly reject: ((error: Error) => void) | typeof CALLBACK;
  readonly fail: (error: Error) => void;
  /** `send()` time + `max.block.ms`; non-decreasing along the queue. */
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  /** Registered on `signal` while the record waits; removed when it leaves the queue. */
  onAbort: (() => void) | null;
  /** What this record waited for last (to word its timeout error). */
  waitingFor: "metadata" | "memory" | null;
  /** A slab obtained for this record while waiting for memory. */
  slab: Uint8Array | null;
  /** Appended, or failed: nothing more to do but leave the queue. */
  settled: boolean;
  /** Resolves `done` once this entry left the queue (only if someone flushes). */
  markDone: (() => void) | null;
  done: Promise<void> | null;
}

/**
 * Records waiting for metadata or memory, appended strictly in order.
 *
 * @example Used by the pipeline
 * ```ts ignore
 * const queue = new SendQueue({ metadata, pool, maxBlockMs, network, wakeup, append, reject });
 * queue.enqueue(prepared, resolve, reject, fail, Date.now(), signal);
 * await queue.whenEmpty();
 * ```
 */
export class SendQueue {
  readonly #c: SendQueueContext;
  /**
   * Waiting records in send order, from `#head` (a deque over an array:
   * shifting a huge array would be quadratic). Only `#pump` removes entries.
   */
  #queue: Array<Waiting | undefined> = [];
  #head = 0;
  /** Whether `#pump` is working the queue (it alone appends queued records). */
  #pumping = false;
  /** Wakes the head's wait for metadata early (deadline, abort). */
  #wakeHead: (() => void) | null = null;
  /** One timer for the earliest deadline in the queue (deadlines are in queue order). */
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerAt = Infinity;

  constructor(context: SendQueueContext) {
    this.#c = context;
  }

  /** Records waiting. */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  /** Queues a record behind the waiting ones; it waits at most `max.block.ms` from `now`. */
  enqueue(
    p: Prepared,
    resolve: ((md: RecordMetadata) => void) | SendCallback,
    reject: ((error: Error) => void) | typeof CALLBACK,
    fail: (error: Error) => void,
    now: number,
    signal: AbortSignal | undefined,
  ): void {
    const w: Waiting = {
      p, resolve, reject, fail, signal,
      onAbort: null,
      deadline: now + this.#c.maxBlockMs,
      waitingFor: null,
      slab: null,
      settled: false,
      markDone: null,
      done: null,
    };
    if (signal !== undefined) {
      w.onAbort = () => {
        if (this.#pumping && w === this.#queue[this.#head]) this.#wakeHead?.(); // the head fails itself
        else this.#settleWith(w, signal.reason);
      };
      signal.addEventListener("abort", w.onAbort, { once: true });
    }
    this.#queue.push(w);
    this.#armTimer(w.deadline);
    if (!this.#pumping) void this.#pump();
  }

  /** Resolves when every record queued so far has left the queue. */
  whenEmpty(): Promise<void> {
    const last = this.#queue.length > this.#head ? this.#queue[this.#queue.length - 1] : undefined;
    if (last === undefined) return Promise.resolve();
    return (last.done ??= new Promise((r) => (last.markDone = r)));
  }

  /** Fails every queued record (forced close). */
  failAll(error: Error): void {
    for (let i = this.#head; i < this.#queue.length; i++) this.#settleWith(this.#queue[i]!, error);
    this.#wakeHead?.();
  }

  /** Works the queue in order; awaits only when the head must wait. */
  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#head < this.#queue.length) {
        const w = this.#queue[this.#head]!;
        const blocked = w.settled ? null : this.#attempt(w);
        if (blocked !== null) {
          await this.#wait(w, blocked);
          continue;
        }
        this.#queue[this.#head++] = undefined;
        this.#unlisten(w);
        w.markDone?.();
        if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head);
          this.#head = 0;
        }
      }
      this.#queue.length = this.#head = 0;
      // Nothing waits any more: a pending deadline timer would only keep the process alive.
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#timer = null;
      this.#timerAt = Infinity;
    } finally {
      this.#pumping = false;
    }
  }

  /** Tries to append the head now; null if appended or failed for good, else what it waits for. */
  #attempt(w: Waiting): Blocked | null {
    const now = Date.now();
    try {
      if (w.signal?.aborted) throw w.signal.reason;
      const blocked = this.#c.append(w.p, w.resolve, w.reject, now, w.slab);
      if (blocked === null) {
        w.slab = null; // now the batch's
        w.settled = true;
        return null;
      }
      if (blocked.kind === "needs-metadata") throwIfFatal(this.#c.metadata, w.p.topic);
      if (now >= w.deadline) throw this.#timeoutFor(w, blocked.kind === "needs-metadata" ? "metadata" : "memory");
      return blocked;
    } catch (error) {
      this.#settleWith(w, error);
      return null;
    }
  }

  /** Waits until the head may succeed: metadata changed, memory freed, deadline or abort. */
  async #wait(w: Waiting, blocked: Blocked): Promise<void> {
    const c = this.#c;
    if (blocked.kind === "needs-metadata") {
      w.waitingFor = "metadata";
      const version = c.metadata.version;
      if (c.metadata.partitionCount(w.p.topic) > 0) c.metadata.requestUpdate(); // partition count growth
      c.wakeup();
      await new Promise<void>((resolve) => {
        this.#wakeHead = resolve;
        void c.metadata.awaitUpdate(version).then(resolve);
      });
      this.#wakeHead = null;
      return;
    }
    w.waitingFor = "memory";
    try {
      // `blocked` is read before the first await: the accumulator reuses that object on its next append.
      const slab = await c.pool.allocate(blocked.batchSize, Math.max(0, w.deadline - Date.now()), w.signal, c.maxBlockMs);
      // Settled while it waited (abort, close, a transaction failing): nobody will use the slab,
      // so it goes straight back, or each such wait would shrink buffer.memory for good.
      if (w.settled) c.pool.deallocate(slab);
      else w.slab = slab;
    } catch (error) {
      this.#settleWith(w, error);
    }
  }

  /** Arms the deadline timer for `at` unless it fires earlier already. */
  #armTimer(at: number): void {
    if (this.#timer !== null && this.#timerAt <= at) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#onDeadline(), Math.max(0, at - Date.now()));
  }

  /** Fails queued records past their deadline (the head words its own error). */
  #onDeadline(): void {
    this.#timer = null;
    this.#timerAt = Infinity;
    const now = Date.now();
    for (let i = this.#head; i < this.#queue.length; i++) {
      const w = this.#queue[i]!;
      if (w.settled) continue;
      if (w.deadline > now) return this.#armTimer(w.deadline);
      if (i === this.#head && this.#pumping) this.#wakeHead?.();
      else this.#settleWith(w, this.#timeoutFor(w));
    }
  }

  /** Removes the entry's abort listener: a long-lived signal must not collect one per send. */
  #unlisten(w: Waiting): void {
    if (w.onAbort === null) return;
    w.signal!.removeEventListener("abort", w.onAbort);
    w.onAbort = null;
  }

  #settleWith(w: Waiting, error: unknown): void {
    if (w.settled) return;
    w.settled = true;
    this.#unlisten(w);
    if (w.slab !== null) this.#c.pool.deallocate(w.slab);
    w.slab = null;
    this.#c.reject(w.p.record, w.fail, error);
  }

  #timeoutFor(w: Waiting, what = w.waitingFor): KafkaError {
    const c = this.#c;
    const head = this.#queue[this.#head];
    if (what === "memory" || (what === null && head?.waitingFor === "memory")) {
      c.pool.recordExhausted();
      return new BufferExhaustedError(
        `Failed to allocate memory for a record to topic "${w.p.topic}" within the configured max blocking time ${c.maxBlockMs} ms ("max.block.ms"). ` +
          `Total memory: ${c.pool.totalMemory} bytes ("buffer.memory"). Available memory: ${c.pool.availableMemory} bytes`,
      );
    }
    if (what === "metadata" || c.metadata.partitionCount(w.p.topic) === 0) return metadataTimeout(c, w.p.topic, w.p.partition);
    return new TimeoutError(`Record to topic "${w.p.topic}" waited ${c.maxBlockMs} ms ("max.block.ms") behind earlier records`);
  }
}

/** Throws the topic's metadata error if waiting cannot cure it (invalid topic, not authorized, authentication failed). */
export function throwIfFatal(metadata: Metadata, topic: string): void {
  if (metadata.fatalError !== null) throw metadata.fatalError;
  const e = metadata.topicError(topic);
  if (e !== undefined && (e.code === ErrorCode.INVALID_TOPIC_EXCEPTION || e.code === ErrorCode.TOPIC_AUTHORIZATION_FAILED)) throw e;
}

/**
 * The error for a record (`partition` -1: any) whose topic's metadata did not
 * come within `max.block.ms`. Its cause, named in the message too, is the
 * topic's error if a broker reported one, else the last failed connection to
 * a broker (a TLS or authentication failure, a refused connection): a
 * timeout that does not say why sends its reader to the debug log.
 */
export function metadataTimeout(c: MetadataWait, topic: string, partition: number): KafkaError {
  const count = c.metadata.partitionCount(topic);
  const topicError = c.metadata.topicError(topic);
  const connectionError = topicError === undefined ? lastConnectionError(c) : null;
  const why = topicError !== undefined
    ? ` (the broker reports ${topicError.errorName})`
    : connectionError !== null
    ? ` (the last connection to a broker failed: ${connectionError.message})`
    : "";
  const message = count === 0 || partition < 0
    ? `Topic "${topic}" not present in metadata after ${c.maxBlockMs} ms${why}`
    : `Partition ${partition} of topic "${topic}" with partition count ${count} is not present in metadata after ${c.maxBlockMs} ms${why}`;
  return new MetadataTimeoutError(message, topic, partition < 0 ? null : partition, topicError ?? connectionError ?? undefined);
}

/** The error of the first broker (known ones, then the bootstrap addresses) whose last connection failed. */
function lastConnectionError(c: MetadataWait): KafkaError | null {
  for (const nodes of [c.metadata.nodes, c.metadata.bootstrapNodes]) {
    for (const node of nodes) {
      const error = c.network.lastError(node.id);
      if (error !== null) return error;
    }
  }
  return null;
}
