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

import { BufferExhaustedError, ClosedError, InvalidRecordError, RecordTooLargeError } from "../errors.ts";
import type { Metadata } from "../metadata.ts";
import type { Logger } from "../logger.ts";
import { BATCH_HEADER_SIZE, type HeaderList } from "../protocol/record_batch.ts";
import {
  type Bytes,
  type ProducerRecord,
  type RecordMetadata,
  type SendCallback,
  ownHeaders,
  type Serializer,
  serializeField, toHeaderList, toTimestamp, validateTopic } from "../serde.ts";
import type { AppendContext, AppendRecord, RecordAccumulator } from "./accumulator.ts";
import { CALLBACK } from "./batch.ts";
import type { BufferPool } from "./buffer_pool.ts";
import type { Interceptors } from "./interceptors.ts";
import { partitionForKey } from "./murmur2.ts";
import { metadataTimeout, type MetadataWait, throwIfFatal } from "./metadata_wait.ts";
import { type Blocked, NEEDS_METADATA, type Reject, type Resolve, SendQueue } from "./send_queue.ts";
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
  /** `max.queued.records`: sends beyond this many waiting records fail at once. */
  maxQueuedRecords: number;
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
  /** The topic sent to last and its entry in `#touched` (most records go to the previous record's topic). */
  #lastTopic: string | null = null;
  #lastTouched = 0;
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
      maxQueuedRecords: context.maxQueuedRecords,
      keepRecords: !context.interceptors.isEmpty || context.partitioner !== null,
      network: context.network,
      wakeup: context.wakeup,
      append: (q, now, slab) => {
        this.#record.timestamp = q.timestamp;
        this.#context.now = now;
        return this.#tryAppend(q.record, q.topic, q.partition, q.key, q.value, q.headers, q.resolve, q.reject, slab);
      },
      reject: (record, resolve, reject, error) => this.#rejectEarly(record, resolve, reject, error),
    });
  }

  /** Records waiting in the queue. */
  get queued(): number {
    return this.#queue.length;
  }

  /** The most records that waited at once so far. */
  get queuedMax(): number {
    return this.#queue.maxLength;
  }

  /** The queue is full (see `send_queue.ts`): the backpressure signal. */
  get full(): boolean {
    return this.#queue.full;
  }

  /** Calls `onRoom` once, as soon as the queue is not full. */
  wantRoom(onRoom: () => void): void {
    this.#queue.wantRoom(onRoom);
  }

  /**
   * Sends one record; settles through `resolve`/`reject` (or a callback and
   * the CALLBACK marker). `defaultTopic` is for a record that names none
   * (`sendAll`, `writable`): no copy of the record is made for it.
   */
  send(record: ProducerRecord<unknown, unknown>, resolve: Resolve, reject: Reject, signal?: AbortSignal, defaultTopic?: string): void {
    const now = Date.now();
    const c = this.#c;
    let r = record;
    let topic: string, partition: number, key: Bytes, value: Bytes, headers: HeaderList | null, timestamp: number;
    try {
      if (signal?.aborted) throw signal.reason;
      c.beforeSend?.();
      if (!c.interceptors.isEmpty) {
        const named = defaultTopic === undefined || record?.topic !== undefined;
        r = c.interceptors.onSend(named ? record : { ...record, topic: defaultTopic });
      }
      // Checked and serialized into locals: the fast path allocates no
      // intermediate record object.
      if (r === null || typeof r !== "object") throw new InvalidRecordError(`A record must be an object with a "topic", got ${String(r)}`);
      topic = r.topic ?? defaultTopic;
      if (topic !== this.#lastTopic && !this.#touched.has(topic)) validateTopic(topic);
      partition = r.partition ?? -1;
      if (r.partition !== undefined && (!Number.isInteger(partition) || partition < 0)) {
        throw new InvalidRecordError(`Invalid partition "${String(r.partition)}" for topic "${topic}": it must be a non-negative integer`);
      }
      headers = r.headers === undefined ? null : toHeaderList(r.headers);
      key = serializeField("key", r.key, c.keySerializer, topic, headers);
      value = serializeField("value", r.value, c.valueSerializer, topic, headers);
      timestamp = toTimestamp(r.timestamp, now);
      if (this.#queue.length === 0) {
        // The two doubles go in fields, not arguments (V8 would box each: 16 bytes per record).
        this.#record.timestamp = timestamp;
        this.#context.now = now;
        if (this.#tryAppend(r, topic, partition, key, value, headers, resolve, reject, null) === null) return;
      }
    } catch (error) {
      this.#rejectEarly(r, resolve, reject, error);
      return;
    }
    if (this.#queue.length >= c.maxQueuedRecords) return this.#rejectEarly(r, resolve, reject, this.#queueFull(topic));
    // The record waits: the queue copies key and value, so the caller may reuse its buffers once
    // send() returns (the fast path above writes them into the batch at once and copies nothing).
    this.#queue.enqueue(r, topic, partition, key, value, ownHeaders(headers), timestamp, resolve, reject, now, signal);
  }

  /** The error of a send refused because `max.queued.records` records wait already. */
  #queueFull(topic: string): BufferExhaustedError {
    this.#c.pool.recordExhausted();
    return new BufferExhaustedError(
      `Cannot queue a record to topic "${topic}": ${this.#queue.length} records already wait for metadata or buffer memory ` +
        `(the "max.queued.records" limit). Pace the sends with the backpressure API: ` +
        `"await producer.ready()" while "producer.bufferFull", or "producer.sendAll()" or "producer.writable()"`,
    );
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
    this.#lastTopic = topic;
    this.#lastTouched = now;
    this.#c.metadata.add(topic, now);
  }

  /**
   * Chooses the partition and appends now; null when appended, else what
   * the record must wait for. Throws when it fails for good. The caller has
   * set the record's timestamp (`#record.timestamp`) and the time (`#context.now`).
   */
  #tryAppend(
    record: ProducerRecord<unknown, unknown> | null,
    topic: string,
    partition: number,
    key: Bytes,
    value: Bytes,
    headers: HeaderList | null,
    resolve: Resolve,
    reject: Reject,
    slab: Uint8Array | null,
  ): Blocked | null {
    const c = this.#c;
    const ctx = this.#context;
    const touched = topic === this.#lastTopic ? this.#lastTouched : this.#touched.get(topic);
    if (touched === undefined || ctx.now - touched >= 1000) this.#touch(topic, ctx.now);
    else if (topic !== this.#lastTopic) {
      this.#lastTopic = topic;
      this.#lastTouched = touched;
    }
    const count = c.metadata.partitionCount(topic);
    if (count === 0 || partition >= count) return NEEDS_METADATA;
    let sticky = false;
    if (partition < 0) {
      if (c.partitioner !== null) {
        partition = c.partitioner(topic, key, record!.value, count);
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
    r.key = key;
    r.value = value;
    r.headers = headers;
    r.resolve = resolve;
    r.reject = reject;
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

  #rejectEarly(record: ProducerRecord<unknown, unknown> | null, resolve: Resolve, reject: Reject, error: unknown): void {
    const e = error instanceof Error ? error : new InvalidRecordError(String(error));
    this.#c.onEarlyError?.(e);
    if (!this.#c.interceptors.isEmpty) this.#c.interceptors.onSendError(record!, e);
    this.#c.onSendError?.(e);
    try {
      if (reject === CALLBACK) (resolve as SendCallback)(e, null);
      else reject(e);
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
