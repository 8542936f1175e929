/**
 * The path of a record from `send()` to its batch, as the first half of
 * Java's `KafkaProducer.doSend`: interceptors, serialization, checks, partition
 * choice, append.
 *
 * `send()` never blocks the event loop. A record whose topic metadata and
 * batch memory are at hand is appended synchronously (the fast path). A
 * record that must wait — for metadata, or for `buffer.memory` — joins a FIFO
 * queue (`send_queue.ts`), and every later record queues behind it: records
 * are appended in `send()` call order, as a single Java thread calling
 * `send()` would get. A queued record waits at most `max.block.ms` from its
 * `send()` call (or until its `AbortSignal` fires), then fails; nothing
 * waits forever.
 *
 * @module
 */

import { ClosedError, InvalidRecordError, RecordTooLargeError } from "../errors.ts";
import type { Metadata } from "../metadata.ts";
import type { Logger } from "../logger.ts";
import { BATCH_HEADER_SIZE, type HeaderList } from "../protocol/record_batch.ts";
import {
  type Bytes,
  type ProducerRecord,
  type RecordMetadata,
  type SendCallback,
  ownField,
  ownHeaders,
  type Serializer,
  serializeField, toHeaderList, toTimestamp, validateTopic } from "../serde.ts";
import type { AppendContext, AppendRecord, RecordAccumulator } from "./accumulator.ts";
import type { CALLBACK } from "./batch.ts";
import type { BufferPool } from "./buffer_pool.ts";
import type { Interceptors } from "./interceptors.ts";
import { partitionForKey } from "./murmur2.ts";
import { type Blocked, metadataTimeout, type MetadataWait, NEEDS_METADATA, SendQueue, throwIfFatal } from "./send_queue.ts";
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
  /** The brokers' connection state, which a metadata timeout names as its cause (`NetworkClient`). */
  network: MetadataWait["network"];
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
  /** Records waiting for metadata or memory (the slow path); only its pump appends them. */
  readonly #queue: SendQueue;
  /** Last time each topic was marked in use (touching metadata on every record is wasteful). */
  readonly #touched = new Map<string, number>();
  /**
   * The arguments of the one `append()` call under way, reused for every
   * record so the hot path allocates nothing; filled just before the call
   * (the accumulator keeps neither) and cleared after it.
   */
  readonly #record: Mutable<AppendRecord> = {
    topic: "", partition: -1, timestamp: 0, key: null, value: null, headers: null, resolve: noop, reject: noop,
  };
  readonly #context: Mutable<AppendContext>;

  constructor(context: PipelineContext) {
    this.#c = context;
    this.#context = { now: 0, metadata: context.metadata, sticky: false, slab: null };
    this.#queue = new SendQueue({
      metadata: context.metadata,
      pool: context.pool,
      maxBlockMs: context.maxBlockMs,
      network: context.network,
      wakeup: context.wakeup,
      append: (p, resolve, reject, now, slab) =>
        this.#tryAppend(p.record, p.topic, p.partition, p.key, p.value, p.headers, p.timestamp, resolve, reject, now, slab),
      reject: (record, fail, error) => this.#rejectEarly(record, fail, error),
    });
  }

  /** Records waiting in the queue. */
  get queued(): number {
    return this.#queue.length;
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
      if (this.#queue.length === 0 &&
        this.#tryAppend(r, topic, partition, key, value, headers, timestamp, resolve, reject, now, null) === null) return;
    } catch (error) {
      this.#rejectEarly(r, fail, error);
      return;
    }
    // The record waits: keep copies, so the caller may reuse its buffers once send() returns
    // (the fast path above writes them into the batch at once and copies nothing).
    const own = { record: r, topic, partition, key: ownField(key), value: ownField(value), headers: ownHeaders(headers), timestamp };
    this.#queue.enqueue(own, resolve, reject, fail, now, signal);
  }

  /** Resolves when every record queued so far has left the queue. */
  whenQueued(): Promise<void> {
    return this.#queue.whenEmpty();
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
      throwIfFatal(c.metadata, topic);
      if (Date.now() >= deadline) throw metadataTimeout(c, topic, -1);
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
    this.#queue.failAll(error);
  }

  /** Marks a topic in use (at most once a second per topic). */
  #touch(topic: string, now: number, force = false): void {
    const last = this.#touched.get(topic);
    if (!force && last !== undefined && now - last < 1000) return;
    this.#touched.set(topic, now);
    this.#c.metadata.add(topic, now);
  }

  /**
   * Chooses the partition and appends now; null when appended, else what
   * the record must wait for. Throws when it fails for good.
   */
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
  ): Blocked | null {
    const c = this.#c;
    this.#touch(topic, now);
    const count = c.metadata.partitionCount(topic);
    if (count === 0 || partition >= count) return NEEDS_METADATA;
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
    const r = this.#record;
    r.topic = topic;
    r.partition = partition;
    r.timestamp = timestamp;
    r.key = key;
    r.value = value;
    r.headers = headers;
    r.resolve = resolve;
    r.reject = reject;
    const ctx = this.#context;
    ctx.now = now;
    ctx.sticky = sticky;
    ctx.slab = slab;
    const result = c.accumulator.append(r, ctx);
    // Nothing of this record stays reachable from the pipeline.
    r.key = r.value = r.headers = ctx.slab = null;
    r.resolve = r.reject = noop;
    if (result.kind === "needs-memory") return result;
    if (result.kind === "too-large") {
      throw new RecordTooLargeError(
        `The record to topic "${topic}" is ${BATCH_HEADER_SIZE + result.recordSize} bytes when serialized, over the "max.request.size" limit of ${c.maxRequestSize} bytes`,
        { limit: "max.request.size" },
      );
    }
    if (result.newBatch || result.full) c.wakeup();
    return null;
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
}

/** The settler the reused append arguments hold between calls. */
function noop(): void {}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Fails a record after `close()`. */
export function closedError(): ClosedError {
  return new ClosedError("Cannot send a record after the producer is closed");
}
