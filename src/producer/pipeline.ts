/**
 * The path of a record from `send()` to its batch, as the first half of
 * Java's `KafkaProducer.doSend`: interceptors, serialization, checks, partition
 * choice, append.
 *
 * `send()` never blocks the event loop. A record whose topic metadata and
 * batch memory are at hand is appended synchronously (the fast path). A
 * record that must wait — for metadata, or for `buffer.memory` — joins a FIFO
 * queue, and every later record queues behind it: records are appended in
 * `send()` call order, as a single Java thread calling `send()` would get.
 * A queued record waits at most `max.block.ms` from its `send()` call (or
 * until its `AbortSignal` fires), then fails; nothing waits forever.
 *
 * @module
 */

import {
  BufferExhaustedError,
  ClosedError,
  InvalidRecordError,
  type KafkaError,
  MetadataTimeoutError,
  RecordTooLargeError,
  TimeoutError,
} from "../errors.ts";
import type { Metadata } from "../metadata.ts";
import type { Logger } from "../logger.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import type { HeaderList } from "../protocol/record_batch.ts";
import {
  type Bytes,
  type ProducerRecord,
  type RecordMetadata,
  type SendCallback,
  ownField,
  ownHeaders,
  type Serializer,
  serializeField, toHeaderList, toTimestamp, validateTopic } from "../serde.ts";
import { NEEDS_MEMORY, type RecordAccumulator, TOO_LARGE } from "./accumulator.ts";
import type { CALLBACK } from "./batch.ts";
import type { BufferPool } from "./buffer_pool.ts";
import type { Interceptors } from "./interceptors.ts";
import { partitionForKey } from "./murmur2.ts";
import type { PartitionerFunction } from "../extensions.ts";

/** Settings and parts the pipeline uses. */
export interface PipelineContext {
  metadata: Metadata;
  accumulator: RecordAccumulator;
  pool: BufferPool;
  interceptors: Interceptors<unknown, unknown>;
  keySerializer: Serializer<unknown> | null;
  valueSerializer: Serializer<unknown> | null;
  partitioner: PartitionerFunction | null;
  ignoreKeys: boolean;
  maxBlockMs: number;
  maxRequestSize: number;
  /** Where a throwing send callback is reported (it must not break the queue). */
  logger: Logger;
  /** Wakes the sender (a batch is new or full, or metadata is needed). */
  wakeup: () => void;
  /** Told of each record that fails before it reaches a batch (Java counts these as errors too). */
  onEarlyError?: (error: Error) => void;
  /** Transactions: called with each partition before its first record (may throw). */
  beforeAppend?: (topic: string, partition: number) => void;
  /** Transactions: checked when send() is called (records are refused outside a transaction). */
  beforeSend?: () => void;
  /** Transactions: a record failed before reaching a batch (may make the transaction abortable). */
  onSendError?: (error: Error) => void;
}

/** A serialized record. */
interface Prepared {
  readonly record: ProducerRecord<unknown, unknown>;
  readonly topic: string;
  readonly partition: number;
  readonly key: Bytes;
  readonly value: Bytes;
  readonly headers: HeaderList | null;
  readonly timestamp: number;
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

/** What `#tryAppend` found: appended (or failed for good), or what it must wait for. */
const DONE = 0;
const WAIT_METADATA = 1;
const WAIT_MEMORY = 2;

/**
 * Takes records from `send()` to the accumulator.
 *
 * @example Used by the producer
 * ```ts ignore
 * pipeline.send(record, resolve, reject, (e) => reject(e), signal);
 * ```
 */
export class SendPipeline {
  readonly #c: PipelineContext;
  /**
   * Records waiting for metadata or memory, in send order, from `#head`
   * (a deque over an array: shifting a huge array would be quadratic).
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
  /** Last time each topic was marked in use (touching metadata on every record is wasteful). */
  readonly #touched = new Map<string, number>();

  constructor(context: PipelineContext) {
    this.#c = context;
  }

  /** Records waiting in the queue. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * Sends one record; settles through `resolve`/`reject` (or a callback and
   * the CALLBACK marker), `fail` being the error path for both shapes.
   */
  send(
    record: ProducerRecord<unknown, unknown>,
    resolve: ((md: RecordMetadata) => void) | SendCallback,
    reject: ((error: Error) => void) | typeof CALLBACK,
    fail: (error: Error) => void,
    signal?: AbortSignal,
  ): void {
    const now = Date.now();
    const c = this.#c;
    let r = record;
    let topic: string, partition: number, key: Bytes, value: Bytes, headers: HeaderList | null, timestamp: number;
    try {
      if (signal?.aborted) throw signal.reason;
      c.beforeSend?.();
      if (!c.interceptors.isEmpty) r = c.interceptors.onSend(record);
      // Checked and serialized into locals: the fast path allocates no
      // intermediate record object.
      if (r === null || typeof r !== "object") throw new InvalidRecordError(`A record must be an object with a "topic", got ${String(r)}`);
      topic = r.topic;
      if (!this.#touched.has(topic)) validateTopic(topic);
      partition = r.partition ?? -1;
      if (r.partition !== undefined && (!Number.isInteger(partition) || partition < 0)) {
        throw new InvalidRecordError(`Invalid partition "${String(r.partition)}" for topic "${topic}": it must be a non-negative integer`);
      }
      headers = r.headers === undefined ? null : toHeaderList(r.headers);
      key = serializeField("key", r.key, c.keySerializer, topic, headers);
      value = serializeField("value", r.value, c.valueSerializer, topic, headers);
      timestamp = toTimestamp(r.timestamp, now);
      if (this.#queue.length === this.#head &&
        this.#tryAppend(r, topic, partition, key, value, headers, timestamp, resolve, reject, now, null) === DONE) return;
    } catch (error) {
      this.#rejectEarly(r, fail, error);
      return;
    }
    // The record waits: keep copies, so the caller may reuse its buffers once send() returns
    // (the fast path above writes them into the batch at once and copies nothing).
    const own = { record: r, topic, partition, key: ownField(key), value: ownField(value), headers: ownHeaders(headers), timestamp };
    this.#enqueue(own, resolve, reject, fail, now, signal);
  }

  /** Resolves when every record queued so far has left the queue. */
  whenQueued(): Promise<void> {
    const last = this.#queue.length > this.#head ? this.#queue[this.#queue.length - 1] : undefined;
    if (last === undefined) return Promise.resolve();
    return (last.done ??= new Promise((r) => (last.markDone = r)));
  }

  /** Waits (at most `max.block.ms`) until `topic` has metadata; returns its partition count. */
  async waitForTopic(topic: string, signal?: AbortSignal): Promise<number> {
    validateTopic(topic);
    const c = this.#c;
    const deadline = Date.now() + c.maxBlockMs;
    for (;;) {
      this.#touch(topic, Date.now(), true);
      const count = c.metadata.partitionCount(topic);
      if (count > 0) return count;
      this.#throwIfFatal(topic);
      if (Date.now() >= deadline) throw this.#metadataTimeout(topic, -1);
      if (signal?.aborted) throw signal.reason;
      const version = c.metadata.version;
      c.wakeup();
      // Wakes on new metadata, the deadline, or an abort (the loop then throws its reason).
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          signal?.removeEventListener("abort", done);
          resolve();
        };
        const t = setTimeout(done, deadline - Date.now());
        signal?.addEventListener("abort", done, { once: true });
        void c.metadata.awaitUpdate(version).then(done);
      });
    }
  }

  /** Fails every queued record (forced close). */
  failAll(error: Error): void {
    for (let i = this.#head; i < this.#queue.length; i++) this.#settleWith(this.#queue[i]!, error);
    this.#wakeHead?.();
  }

  /** Marks a topic in use (at most once a second per topic). */
  #touch(topic: string, now: number, force = false): void {
    const last = this.#touched.get(topic);
    if (!force && last !== undefined && now - last < 1000) return;
    this.#touched.set(topic, now);
    this.#c.metadata.add(topic, now);
  }

  /** Tries to append now; returns DONE, or what the record must wait for. */
  #tryAppend(
    record: ProducerRecord<unknown, unknown>,
    topic: string,
    partition: number,
    key: Bytes,
    value: Bytes,
    headers: HeaderList | null,
    timestamp: number,
    resolve: ((md: RecordMetadata) => void) | SendCallback,
    reject: ((error: Error) => void) | typeof CALLBACK,
    now: number,
    slab: Uint8Array | null,
  ): number {
    const c = this.#c;
    this.#touch(topic, now);
    const count = c.metadata.partitionCount(topic);
    if (count === 0 || partition >= count) return WAIT_METADATA;
    let sticky = false;
    if (partition < 0) {
      if (c.partitioner !== null) {
        partition = c.partitioner(topic, key, record.value, count);
        if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
          throw new InvalidRecordError(`The partitioner returned partition "${partition}" for topic "${topic}", outside [0, ${count})`);
        }
      } else if (key !== null && !c.ignoreKeys) {
        partition = partitionForKey(key, count);
      } else {
        partition = c.accumulator.stickyPartition(topic, c.metadata);
        sticky = true;
      }
    }
    c.beforeAppend?.(topic, partition);
    const acc = c.accumulator;
    const n = acc.append(topic, partition, timestamp, key, value, headers, resolve, reject, now, c.metadata, sticky, slab);
    if (n === NEEDS_MEMORY) return WAIT_MEMORY;
    if (n === TOO_LARGE) {
      const size = 61 + acc.lastRecordSize;
      throw new RecordTooLargeError(
        `The record to topic "${topic}" is ${size} bytes when serialized, over the "max.request.size" limit of ${c.maxRequestSize} bytes`,
        { limit: "max.request.size" },
      );
    }
    if (acc.lastAppendNewBatch || acc.lastAppendFull) c.wakeup();
    return DONE;
  }

  #enqueue(
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

  /** Works the queue in order; awaits only when the head must wait. */
  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#head < this.#queue.length) {
        const w = this.#queue[this.#head]!;
        const state = w.settled ? DONE : this.#attempt(w);
        if (state !== DONE) {
          await this.#wait(w, state);
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

  /** Tries to append the head now; DONE if appended or failed for good. */
  #attempt(w: Waiting): number {
    const now = Date.now();
    try {
      if (w.signal?.aborted) throw w.signal.reason;
      const p = w.p;
      const state = this.#tryAppend(p.record, p.topic, p.partition, p.key, p.value, p.headers, p.timestamp, w.resolve, w.reject, now, w.slab);
      if (state === DONE) {
        w.slab = null; // now the batch's
        w.settled = true;
        return DONE;
      }
      if (state === WAIT_METADATA) this.#throwIfFatal(w.p.topic);
      if (now >= w.deadline) throw this.#timeoutFor(w, state === WAIT_METADATA ? "metadata" : "memory");
      return state;
    } catch (error) {
      this.#settleWith(w, error);
      return DONE;
    }
  }

  /** Waits until the head may succeed: metadata changed, memory freed, deadline or abort. */
  async #wait(w: Waiting, state: number): Promise<void> {
    const c = this.#c;
    if (state === WAIT_METADATA) {
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
      const size = c.accumulator.batchSizeFor(c.accumulator.lastRecordSize);
      const slab = await c.pool.allocate(size, Math.max(0, w.deadline - Date.now()), w.signal, c.maxBlockMs);
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
    this.#rejectEarly(w.p.record, w.fail, error);
  }

  #rejectEarly(record: ProducerRecord<unknown, unknown>, fail: (error: Error) => void, error: unknown): void {
    const e = error instanceof Error ? error : new InvalidRecordError(String(error));
    this.#c.onEarlyError?.(e);
    if (!this.#c.interceptors.isEmpty) this.#c.interceptors.onSendError(record, e);
    this.#c.onSendError?.(e);
    try {
      fail(e);
    } catch (thrown) {
      // A throwing callback (from a timer, or inside the pump) must neither crash the
      // process nor stop the queue: records behind it still have to settle.
      this.#c.logger.warn("A send callback threw; ignored", { error: String(thrown) });
    }
  }

  #throwIfFatal(topic: string): void {
    const e = this.#c.metadata.topicError(topic);
    if (e !== undefined && (e.code === ErrorCode.INVALID_TOPIC_EXCEPTION || e.code === ErrorCode.TOPIC_AUTHORIZATION_FAILED)) throw e;
  }

  #timeoutFor(w: Waiting, what = w.waitingFor): KafkaError {
    const head = this.#queue[this.#head];
    if (what === "memory" || (what === null && head?.waitingFor === "memory")) return this.#bufferExhausted(w);
    if (what === "metadata" || this.#c.metadata.partitionCount(w.p.topic) === 0) return this.#metadataTimeout(w.p.topic, w.p.partition);
    return new TimeoutError(`Record to topic "${w.p.topic}" waited ${this.#c.maxBlockMs} ms ("max.block.ms") behind earlier records`);
  }

  #bufferExhausted(w: Waiting): KafkaError {
    this.#c.pool.exhaustedTotal++;
    return new BufferExhaustedError(
      `Failed to allocate memory for a record to topic "${w.p.topic}" within the configured max blocking time ${this.#c.maxBlockMs} ms ("max.block.ms"). ` +
        `Total memory: ${this.#c.pool.totalMemory} bytes ("buffer.memory"). Available memory: ${this.#c.pool.availableMemory} bytes`,
    );
  }

  #metadataTimeout(topic: string, partition: number): KafkaError {
    const c = this.#c;
    const count = c.metadata.partitionCount(topic);
    const cause = c.metadata.topicError(topic);
    const why = cause ? ` (the broker reports ${cause.errorName})` : "";
    const message = count === 0 || partition < 0
      ? `Topic "${topic}" not present in metadata after ${c.maxBlockMs} ms${why}`
      : `Partition ${partition} of topic "${topic}" with partition count ${count} is not present in metadata after ${c.maxBlockMs} ms`;
    return new MetadataTimeoutError(message, topic, partition < 0 ? null : partition, cause);
  }
}

/** Fails a record after `close()`. */
export function closedError(): ClosedError {
  return new ClosedError("Cannot send a record after the producer is closed");
}
