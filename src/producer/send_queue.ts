/**
 * The pipeline's slow path: records that cannot be appended at once — their
 * topic has no metadata yet, or `buffer.memory` is used up — wait here, in
 * `send()` order, and every later record queues behind them (one Java thread
 * calling `send()` would block the same way). Only the pump appends queued
 * records, head first; a record waits at most `max.block.ms` from its
 * `send()` call (or until its `AbortSignal` fires), then fails.
 *
 * The records are stored compactly (`waiting_records.ts`): no object or
 * closure per record unless it has a signal. The queue is *full* — the
 * backpressure signal `Producer.bufferFull` reads — while its head waits for
 * memory or it holds more than {@linkcode QUEUE_BYTES_BOUND} bytes or
 * `max.queued.records` records; `onRoom` is called once it is no longer.
 *
 * @module
 */

import { BufferExhaustedError, type KafkaError, TimeoutError } from "../errors.ts";
import type { HeaderList } from "../protocol/record_batch.ts";
import type { Bytes, ProducerRecord, RecordMetadata, SendCallback } from "../serde.ts";
import type { CALLBACK } from "./batch.ts";
import type { BufferPool } from "./buffer_pool.ts";
import { metadataTimeout, type MetadataWait, throwIfFatal } from "./metadata_wait.ts";
import { WaitingRecords } from "./waiting_records.ts";

/** How a record settles: a promise's pair, or a callback and the `CALLBACK` marker. */
export type Resolve = ((md: RecordMetadata) => void) | SendCallback;
/** See {@linkcode Resolve}. */
export type Reject = ((error: Error) => void) | typeof CALLBACK;

/**
 * Bytes of waiting records (their key and value bytes plus their state) at
 * which the queue counts as full even while it only waits for metadata.
 *
 * @example Usage
 * ```ts
 * import { QUEUE_BYTES_BOUND } from "./send_queue.ts";
 * console.assert(QUEUE_BYTES_BOUND === 1024 * 1024);
 * ```
 */
export const QUEUE_BYTES_BOUND = 1024 * 1024;

/** A waiting record as the queue hands it to `append` (one object, refilled for each call). */
export interface QueuedRecord {
  /** The record as given when interceptors or a partitioner need it, else null. */
  record: ProducerRecord<unknown, unknown> | null;
  topic: string;
  partition: number;
  key: Bytes;
  value: Bytes;
  headers: HeaderList | null;
  timestamp: number;
  resolve: Resolve;
  reject: Reject;
}

/** What stops a record from being appended now. */
export type Blocked = { readonly kind: "needs-metadata" } | { readonly kind: "needs-memory"; readonly batchSize: number };

/** The one {@linkcode Blocked} value for a record waiting for its topic's metadata. */
export const NEEDS_METADATA: Blocked = Object.freeze({ kind: "needs-metadata" });

/** How the queue appends and fails records (the pipeline's side). */
export interface SendQueueContext extends MetadataWait {
  readonly pool: BufferPool;
  /** `max.queued.records`: the queue counts as full at this many records (the pipeline refuses more). */
  readonly maxQueuedRecords: number;
  /** Keep each record's object (interceptors or a custom partitioner read it). */
  readonly keepRecords: boolean;
  /** Wakes the sender (metadata is needed). */
  readonly wakeup: () => void;
  /**
   * Tries to append a waiting record now, into `slab` if one was obtained
   * for it; null when appended. Throws when the record fails for good.
   */
  readonly append: (q: QueuedRecord, now: number, slab: Uint8Array | null) => Blocked | null;
  /** Fails a record that never reached a batch (listeners, interceptors, its callback). */
  readonly reject: (record: ProducerRecord<unknown, unknown> | null, resolve: Resolve, reject: Reject, error: unknown) => void;
}

/**
 * Records waiting for metadata or memory, appended strictly in order.
 *
 * @example Used by the pipeline
 * ```ts ignore
 * const queue = new SendQueue({ metadata, pool, maxBlockMs, maxQueuedRecords, keepRecords, network, wakeup, append, reject });
 * queue.enqueue(record, topic, partition, key, value, headers, timestamp, resolve, reject, Date.now(), signal);
 * await queue.whenEmpty();
 * ```
 */
export class SendQueue {
  readonly #c: SendQueueContext;
  /** Waiting records in send order; only `#pump` removes them. */
  readonly #records = new WaitingRecords();
  /** The head's state: what it waited for last (to word its timeout), the slab it got. */
  #headWaitingFor: "metadata" | "memory" | null = null;
  #headSlab: Uint8Array | null = null;
  /** The reused argument of `append`. */
  readonly #view: QueuedRecord = {
    record: null, topic: "", partition: -1, key: null, value: null, headers: null, timestamp: 0, resolve: noop, reject: noop,
  };
  /** Whether `#pump` is working the queue (it alone appends queued records). */
  #pumping = false;
  /** Wakes the head's wait for metadata early (deadline, abort). */
  #wakeHead: (() => void) | null = null;
  /** One timer for the earliest deadline in the queue (deadlines are in queue order). */
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerAt = Infinity;
  /** `whenEmpty()` callers: resolved once the head passed `last`. */
  #drained: Array<{ last: number; resolve: () => void }> = [];
  /** Called once when the queue stops being full, if armed by `wantRoom`. */
  #onRoom: (() => void) | null = null;
  #maxLength = 0;

  constructor(context: SendQueueContext) {
    this.#c = context;
  }

  /** Records waiting. */
  get length(): number {
    return this.#records.length;
  }

  /** The most records that waited at once so far (the `waiting-records-max` metric). */
  get maxLength(): number {
    return this.#maxLength;
  }

  /** Bytes the waiting records hold (see `waiting_records.ts`). */
  get bytes(): number {
    return this.#records.bytes;
  }

  /** Full: the head waits for memory, or too many records or bytes wait. */
  get full(): boolean {
    const n = this.#records.length;
    return n > 0 && (this.#headWaitingFor === "memory" || this.#records.bytes >= QUEUE_BYTES_BOUND || n >= this.#c.maxQueuedRecords);
  }

  /** Calls `onRoom` once, as soon as the queue is not full (the backpressure's shared wake-up). */
  wantRoom(onRoom: () => void): void {
    this.#onRoom = onRoom;
  }

  /** Queues a record behind the waiting ones; it waits at most `max.block.ms` from `now`. */
  enqueue(
    record: ProducerRecord<unknown, unknown>,
    topic: string,
    partition: number,
    key: Bytes,
    value: Bytes,
    headers: HeaderList | null,
    timestamp: number,
    resolve: Resolve,
    reject: Reject,
    now: number,
    signal: AbortSignal | undefined,
  ): void {
    const deadline = now + this.#c.maxBlockMs;
    const seq = this.#records.push(
      topic, partition, key, value, headers, timestamp, deadline, resolve, reject,
      this.#c.keepRecords ? record : null, signal,
    );
    if (this.#records.length > this.#maxLength) this.#maxLength = this.#records.length;
    if (signal !== undefined) {
      const extras = this.#records.extras(seq)!;
      extras.onAbort = () => {
        if (this.#pumping && seq === this.#records.head) this.#wakeHead?.(); // the head fails itself
        else this.#settleWith(seq, signal.reason);
      };
      signal.addEventListener("abort", extras.onAbort, { once: true });
    }
    this.#armTimer(deadline);
    if (!this.#pumping) void this.#pump();
  }

  /** Resolves when every record queued so far has left the queue. */
  whenEmpty(): Promise<void> {
    if (this.#records.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push({ last: this.#records.tail - 1, resolve }));
  }

  /** Fails every queued record (forced close). */
  failAll(error: Error): void {
    for (let seq = this.#records.head; seq < this.#records.tail; seq++) this.#settleWith(seq, error);
    this.#wakeHead?.();
  }

  /** Works the queue in order; awaits only when the head must wait. */
  async #pump(): Promise<void> {
    this.#pumping = true;
    const records = this.#records;
    try {
      while (records.length > 0) {
        const seq = records.head;
        const blocked = records.settled(seq) ? null : this.#attempt(seq);
        if (blocked !== null) {
          await this.#wait(seq, blocked);
          continue;
        }
        this.#leave(seq);
      }
      // Nothing waits any more: a pending deadline timer would only keep the process alive.
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#timer = null;
      this.#timerAt = Infinity;
    } finally {
      this.#pumping = false;
    }
  }

  /** The head leaves the queue (appended or failed). */
  #leave(seq: number): void {
    this.#unlisten(seq);
    this.#headWaitingFor = null;
    this.#headSlab = null;
    this.#records.shift();
    const drained = this.#drained;
    while (drained.length > 0 && drained[0]!.last <= seq) drained.shift()!.resolve();
    if (this.#onRoom !== null && !this.full) {
      const onRoom = this.#onRoom;
      this.#onRoom = null;
      onRoom();
    }
  }

  /** Tries to append the head now; null if appended or failed for good, else what it waits for. */
  #attempt(seq: number): Blocked | null {
    const now = Date.now();
    const records = this.#records;
    const extras = records.extras(seq);
    try {
      if (extras?.signal?.aborted) throw extras.signal.reason;
      const q = this.#view;
      q.record = extras?.record ?? null;
      q.topic = records.topic(seq);
      q.partition = records.partition(seq);
      q.key = records.key(seq);
      // A custom partitioner gets the key: its own copy, the arena is reused.
      if (q.record !== null && q.key instanceof Uint8Array) q.key = q.key.slice();
      q.value = records.value(seq);
      q.headers = extras?.headers ?? null;
      q.timestamp = records.timestamp(seq);
      q.resolve = records.resolve(seq) as Resolve;
      q.reject = records.reject(seq) as Reject;
      let blocked: Blocked | null;
      try {
        blocked = this.#c.append(q, now, this.#headSlab);
      } finally {
        q.record = q.key = q.value = q.headers = null;
        q.resolve = q.reject = noop;
      }
      if (blocked === null) {
        this.#headSlab = null; // now the batch's
        records.markSettled(seq);
        return null;
      }
      if (blocked.kind === "needs-metadata") throwIfFatal(this.#c.metadata, records.topic(seq));
      if (now >= records.deadline(seq)) throw this.#timeoutFor(seq, blocked.kind === "needs-metadata" ? "metadata" : "memory");
      return blocked;
    } catch (error) {
      this.#settleWith(seq, error);
      return null;
    }
  }

  /** Waits until the head may succeed: metadata changed, memory freed, deadline or abort. */
  async #wait(seq: number, blocked: Blocked): Promise<void> {
    const c = this.#c;
    if (blocked.kind === "needs-metadata") {
      this.#headWaitingFor = "metadata";
      const version = c.metadata.version;
      if (c.metadata.partitionCount(this.#records.topic(seq)) > 0) c.metadata.requestUpdate(); // partition count growth
      c.wakeup();
      await new Promise<void>((resolve) => {
        this.#wakeHead = resolve;
        void c.metadata.awaitUpdate(version).then(resolve);
      });
      this.#wakeHead = null;
      return;
    }
    this.#headWaitingFor = "memory";
    try {
      // `blocked` is read before the first await: the accumulator reuses that object on its next append.
      const wait = Math.max(0, this.#records.deadline(seq) - Date.now());
      const slab = await c.pool.allocate(blocked.batchSize, wait, this.#records.extras(seq)?.signal, c.maxBlockMs);
      // Settled while it waited (abort, close, a transaction failing): nobody will use the slab,
      // so it goes straight back, or each such wait would shrink buffer.memory for good.
      if (this.#records.settled(seq)) c.pool.deallocate(slab);
      else this.#headSlab = slab;
    } catch (error) {
      this.#settleWith(seq, error);
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
    const records = this.#records;
    for (let seq = records.head; seq < records.tail; seq++) {
      if (records.settled(seq)) continue;
      const deadline = records.deadline(seq);
      if (deadline > now) return this.#armTimer(deadline);
      if (seq === records.head && this.#pumping) this.#wakeHead?.();
      else this.#settleWith(seq, this.#timeoutFor(seq, null));
    }
  }

  /** Removes the record's abort listener: a long-lived signal must not collect one per send. */
  #unlisten(seq: number): void {
    const extras = this.#records.extras(seq);
    if (extras === undefined || extras.onAbort === null) return;
    extras.signal!.removeEventListener("abort", extras.onAbort);
    extras.onAbort = null;
  }

  #settleWith(seq: number, error: unknown): void {
    const records = this.#records;
    if (records.settled(seq)) return;
    records.markSettled(seq);
    this.#unlisten(seq);
    if (seq === records.head && this.#headSlab !== null) {
      this.#c.pool.deallocate(this.#headSlab);
      this.#headSlab = null;
    }
    this.#c.reject(records.extras(seq)?.record ?? null, records.resolve(seq) as Resolve, records.reject(seq) as Reject, error);
  }

  #timeoutFor(seq: number, waited: "metadata" | "memory" | null): KafkaError {
    const c = this.#c;
    const records = this.#records;
    const topic = records.topic(seq);
    const what = waited ?? (seq === records.head ? this.#headWaitingFor : null);
    if (what === "memory" || (what === null && this.#headWaitingFor === "memory")) {
      c.pool.recordExhausted();
      return new BufferExhaustedError(
        `Failed to allocate memory for a record to topic "${topic}" within the configured max blocking time ${c.maxBlockMs} ms ("max.block.ms"). ` +
          `Total memory: ${c.pool.totalMemory} bytes ("buffer.memory"). Available memory: ${c.pool.availableMemory} bytes`,
      );
    }
    if (what === "metadata" || c.metadata.partitionCount(topic) === 0) return metadataTimeout(c, topic, records.partition(seq));
    return new TimeoutError(`Record to topic "${topic}" waited ${c.maxBlockMs} ms ("max.block.ms") behind earlier records`);
  }
}

/** The settlers the reused append argument holds between calls. */
function noop(): void {}
