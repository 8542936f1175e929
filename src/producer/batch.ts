/**
 * A batch of records for one partition, as Java's `ProducerBatch`: records are
 * written straight into the batch's slab as they are appended; the header,
 * compression and CRC are filled in when the batch is sealed for sending.
 *
 * @module
 */

import {
  BATCH_HEADER_SIZE,
  type FieldValue,
  type HeaderList,
  type RecordWriter,
  sealBatch,
  TRANSACTIONAL_FLAG,
  writeBatchHeader,
} from "../protocol/record_batch.ts";
import type { RecordMetadata, SendCallback } from "../serde.ts";
import { COMPRESSION_RATE_ESTIMATION_FACTOR, type CompressionRatioEstimator } from "./compression_ratio.ts";

/**
 * Marks a record settled through a {@linkcode SendCallback}: `tryAppend`
 * takes either a promise's `resolve` and `reject`, or a callback and this
 * marker, so no closure is allocated per record.
 */
export const CALLBACK: unique symbol = Symbol("callback");

/** Observes every record's outcome (interceptors, metrics). */
export type RecordListener = (batch: ProducerBatch, index: number, error: Error | null, metadata: RecordMetadata | null) => void;

/** Compresses the records section of a batch; returns the codec id and the bytes. */
export interface Compressor {
  /** Attribute bits of the codec (1 = gzip). */
  readonly codec: number;
  compress(records: Uint8Array): Uint8Array;
  /** `compress`, possibly into a buffer reused by the next call (`Codec.compressTransient`): copy it at once. */
  compressTransient(records: Uint8Array): Uint8Array;
  /** Reads back what `compress` wrote (to split a batch whose slab holds its compressed records). */
  decompress(packed: Uint8Array): Uint8Array;
  /** The same off the event loop, or null where the codec cannot (then `compress` runs at seal). */
  compressAsync(records: Uint8Array): Promise<Uint8Array> | null;
}

/** The idempotence fields stamped on a batch at drain time. */
export interface ProducerIdentity {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  transactional: boolean;
}

/** What {@linkcode ProducerBatch.append} takes of a record. */
export interface BatchRecord {
  readonly timestamp: number;
  readonly key: FieldValue;
  readonly value: FieldValue;
  readonly headers: HeaderList | null;
  /** A promise's `resolve`, or a send callback. */
  readonly resolve: ((md: RecordMetadata) => void) | SendCallback;
  /** A promise's `reject`, or the `CALLBACK` marker. */
  readonly reject: ((error: Error) => void) | typeof CALLBACK;
}

/** The most records a batch sizes its per-record arrays for up front (beyond, they grow). */
const RESERVED_RECORDS_MAX = 4096;

/**
 * One partition's batch.
 *
 * @example Appending and sealing
 * ```ts
 * import { ProducerBatch } from "./batch.ts";
 * import { RecordWriter } from "../protocol/record_batch.ts";
 * import { crc32c, crc32cReady } from "../protocol/crc32c.ts";
 * await crc32cReady();
 * const batch = new ProducerBatch("events", 0, new Uint8Array(1024), Date.now());
 * batch.tryAppend(new RecordWriter(), 1048576, Date.now(), "k", "v", null, () => {}, () => {});
 * const wire = batch.seal(null, crc32c);
 * console.assert(wire.length > 61);
 * ```
 */
export class ProducerBatch {
  readonly topic: string;
  readonly partition: number;
  readonly createdMs: number;
  /** The memory the records are written into (from the buffer pool). */
  slab: Uint8Array;
  /** Write position in the slab. */
  #pos = BATCH_HEADER_SIZE;
  /** Records appended. */
  recordCount = 0;
  baseTimestamp = 0;
  maxTimestamp = 0;
  /**
   * Two entries per record, in append order: `resolve, reject` of its
   * promise, or `callback, CALLBACK`. Sized at the first append for the
   * records the slab is expected to hold (see `#reserve`), so appends do
   * not regrow it; written by index (`recordCount`), longer only if needed.
   */
  #settlers: unknown[] = [];
  /** Each record's timestamp, for its metadata (the first `recordCount` entries; sized as `#settlers`). */
  #timestamps = new Float64Array(0);
  /** Set once drained: no more appends. */
  closed = false;
  /** Set once settled: the batch must not be sent again. */
  done = false;
  /** Sends so far (the first send is attempt 1). */
  attempts = 0;
  /** When the last send was made, for the retry backoff. */
  lastAttemptMs = 0;
  /** Whether the batch came back to its deque for a retry. */
  retry = false;
  /** How long to wait after `lastAttemptMs` before the retry (jittered once per retry). */
  retryBackoffMs = 0;
  /** The partition's leader epoch when the batch was last sent: a newer leader skips the backoff (KIP-951). */
  sentLeaderEpoch = -1;
  /** Set when an epoch bump or a failed predecessor renumbered this batch's sequence. */
  sequenceReset = false;
  /** Idempotence fields; `producerId < 0` without idempotence. Guards the sealed bytes. */
  identity: ProducerIdentity | null = null;
  /**
   * The records section compressed: off the event loop (`compressAhead`,
   * set by its completion) or by the first seal; then every seal uses it.
   * After a seal, a view of the sealed bytes (in the slab, see `#packedIn`).
   */
  #packed: Uint8Array | null = null;
  /**
   * Set by a seal that wrote the compressed records over the uncompressed
   * ones in the slab: the compressor that can read them back.
   */
  #packedIn: Compressor | null = null;
  /**
   * The running asynchronous compression, which reads the slab: while set,
   * the batch is not drained and its slab is not reused. Set by
   * `compressAhead`, cleared by its completion.
   */
  #packing: Promise<void> | null = null;
  /** Whether `compressAhead` started a compression (it does so once; set by it). */
  #packStarted = false;
  /** Wire bytes from the last seal, and the identity they carry (reused on retry). */
  #sealed: Uint8Array | null = null;
  #sealedFor: ProducerIdentity | null = null;
  /** Compressed size / uncompressed size of the last seal (1 uncompressed). */
  compressionRatio = 1;
  /** The batches this one was split into (its records moved there). */
  splitInto: ProducerBatch[] | null = null;
  /** Waiting for the batch to settle (`flush()`); allocated on demand. */
  #waiters: Array<() => void> | null = null;
  /** Whether the slab came from the buffer pool (split batches' do not, as in Java). */
  pooled = true;
  /** Told of every record's outcome; shared by all batches of a producer. */
  listener: RecordListener | null = null;
  /** Told the ratio of the first compressed seal (the accumulator's; null for split parts). */
  estimator: CompressionRatioEstimator | null = null;

  constructor(topic: string, partition: number, slab: Uint8Array, now: number) {
    this.topic = topic;
    this.partition = partition;
    this.slab = slab;
    this.createdMs = now;
    this.lastAttemptMs = now;
  }

  /** Bytes of the batch as sent uncompressed (header + records). */
  get sizeInBytes(): number {
    return this.#pos;
  }

  /**
   * Bytes the batch is expected to take on the wire, as Java's
   * `estimatedSizeInBytes`: the sealed size once sealed, else the
   * uncompressed size scaled by the compression ratio estimate.
   */
  get estimatedSizeInBytes(): number {
    if (this.#sealed !== null) return this.#sealed.length;
    if (this.#packed !== null) return BATCH_HEADER_SIZE + this.#packed.length;
    if (this.estimator === null) return this.#pos;
    const ratio = this.estimator.estimate(this.topic) * COMPRESSION_RATE_ESTIMATION_FACTOR;
    return BATCH_HEADER_SIZE + Math.ceil((this.#pos - BATCH_HEADER_SIZE) * Math.min(1, ratio));
  }

  /** Whether the slab has no room left for a typical record. */
  get isFull(): boolean {
    return this.closed || this.#pos >= this.slab.length;
  }

  /**
   * Appends a record if it fits; returns the bytes it took, 0 if the batch is
   * closed or lacks room (the first record always fits: its slab was sized
   * for it), or -1 if the record alone, in a batch, would exceed
   * `maxBatchBytes` (`max.request.size`).
   *
   * The record comes as an object (the accumulator reuses one for every
   * append) so its timestamp, a double, is read from a field here rather
   * than passed as an argument, which V8 boxes (16 bytes per call).
   */
  append(rw: RecordWriter, maxBatchBytes: number, r: BatchRecord): number {
    if (this.closed) return 0;
    const n = this.recordCount;
    const timestamp = r.timestamp;
    const size = rw.measure(r.key, r.value, r.headers, n === 0 ? 0 : timestamp - this.baseTimestamp, n);
    if (BATCH_HEADER_SIZE + size > maxBatchBytes) return -1;
    if (this.#pos + size > this.slab.length) return 0;
    if (n === 0) {
      this.#reserve(size);
      this.baseTimestamp = this.maxTimestamp = timestamp;
    } else if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    this.#pos = rw.write(this.slab, this.#pos);
    this.recordCount = n + 1;
    const settlers = this.#settlers;
    settlers[2 * n] = r.resolve;
    settlers[2 * n + 1] = r.reject;
    if (n === this.#timestamps.length) {
      const grown = new Float64Array(Math.max(16, 2 * n));
      grown.set(this.#timestamps);
      this.#timestamps = grown;
    }
    this.#timestamps[n] = timestamp;
    return size;
  }

  /** {@linkcode ProducerBatch.append} with the record's fields as arguments. */
  tryAppend(
    rw: RecordWriter,
    maxBatchBytes: number,
    timestamp: number,
    key: FieldValue,
    value: FieldValue,
    headers: HeaderList | null,
    resolve: ((metadata: RecordMetadata) => void) | SendCallback,
    reject: ((error: Error) => void) | typeof CALLBACK,
  ): number {
    return this.append(rw, maxBatchBytes, { timestamp, key, value, headers, resolve, reject });
  }

  /**
   * Appends record `index` of `from` (with its key, value and headers, as
   * decoded), moving its settlers here; for splitting. Returns 0 if no room.
   */
  tryMove(rw: RecordWriter, from: ProducerBatch, index: number, key: FieldValue, value: FieldValue, headers: HeaderList | null): number {
    const timestamp = from.#timestamps[index]!;
    const resolve = from.#settlers[index * 2] as BatchRecord["resolve"];
    const reject = from.#settlers[index * 2 + 1] as BatchRecord["reject"];
    return this.append(rw, Infinity, { timestamp, key, value, headers, resolve, reject });
  }

  /**
   * Sizes the per-record arrays at the first append, for as many records as
   * the slab holds at the first one's size (at most {@linkcode RESERVED_RECORDS_MAX}):
   * growing them by pushes cost about 80 bytes of garbage per record.
   */
  #reserve(firstSize: number): void {
    const n = Math.max(1, Math.min(RESERVED_RECORDS_MAX, Math.floor((this.slab.length - BATCH_HEADER_SIZE) / firstSize)));
    this.#settlers = new Array(2 * n);
    this.#timestamps = new Float64Array(n);
  }

  /**
   * Starts compressing the records off the event loop if `compressor` can,
   * closing the batch to appends; `done` is called when it finishes.
   * Returns true while that compression runs (the batch must wait for it),
   * false when the batch can be sealed now (compressed ahead, or to be
   * compressed at seal). A failed asynchronous compression falls back to
   * the synchronous one at seal, which reports the error if it fails too.
   */
  compressAhead(compressor: Compressor, done: () => void): boolean {
    if (this.#packing !== null) return true;
    if (this.#packStarted || this.#sealed !== null || this.recordCount === 0) return false;
    const running = compressor.compressAsync(this.recordsSection());
    if (running === null) return false;
    this.#packStarted = true;
    this.closed = true;
    this.#packing = running.then(
      (packed) => {
        this.#packed = packed;
      },
      () => {},
    ).finally(() => {
      this.#packing = null;
      done();
    });
    return true;
  }

  /** Resolves once no asynchronous compression reads the slab (null: none runs). */
  get compressing(): Promise<void> | null {
    return this.#packing;
  }

  /**
   * The batch as sent: header filled, records compressed if `compressor` is
   * given, CRC computed. Cached while the identity stays the same, so a retry
   * resends the same bytes.
   */
  seal(compressor: Compressor | null, crc: (data: Uint8Array) => number): Uint8Array {
    const id = this.identity;
    if (this.#sealed !== null && sameIdentity(this.#sealedFor, id)) return this.#sealed;
    let wire = this.slab.subarray(0, this.#pos);
    let attributes = id?.transactional ? TRANSACTIONAL_FLAG : 0;
    if (compressor !== null) {
      // Always compressed, as Java does, even when it does not shrink: the
      // codec is what the user configured and what readers and metrics see.
      const packed = this.#packed ?? compressor.compressTransient(this.slab.subarray(BATCH_HEADER_SIZE, this.#pos));
      if (this.#packing === null && BATCH_HEADER_SIZE + packed.length <= this.slab.length) {
        // The compressed records replace the uncompressed ones in the slab (within buffer.memory, and
        // no fresh buffer per batch); a split decompresses them again (recordsSection).
        if (packed.buffer !== this.slab.buffer || packed.byteOffset !== this.slab.byteOffset + BATCH_HEADER_SIZE) {
          this.slab.set(packed, BATCH_HEADER_SIZE);
        }
        wire = this.slab.subarray(0, BATCH_HEADER_SIZE + packed.length);
        this.#packedIn = compressor;
      } else {
        wire = new Uint8Array(BATCH_HEADER_SIZE + packed.length);
        wire.set(packed, BATCH_HEADER_SIZE);
      }
      // Kept for a new seal (another identity): the same compressed bytes, restamped.
      this.#packed = wire.subarray(BATCH_HEADER_SIZE);
      attributes |= compressor.codec;
      if (this.#sealed === null && this.#pos > BATCH_HEADER_SIZE) {
        this.estimator?.update(this.topic, packed.length / (this.#pos - BATCH_HEADER_SIZE));
      }
    }
    writeBatchHeader(wire, {
      attributes,
      lastOffsetDelta: this.recordCount - 1,
      baseTimestamp: this.baseTimestamp,
      maxTimestamp: this.maxTimestamp,
      producerId: id?.producerId ?? -1n,
      producerEpoch: id?.producerEpoch ?? -1,
      baseSequence: id?.baseSequence ?? -1,
      recordsCount: this.recordCount,
    });
    sealBatch(wire, crc);
    this.compressionRatio = wire.length / this.#pos;
    this.#sealed = wire;
    this.#sealedFor = id === null ? null : { ...id };
    return wire;
  }

  /**
   * The records section as appended (uncompressed), for compressing and
   * splitting: decompressed again once a seal wrote the compressed records
   * over it.
   */
  recordsSection(): Uint8Array {
    if (this.#packedIn !== null) return this.#packedIn.decompress(this.#packed!);
    return this.slab.subarray(BATCH_HEADER_SIZE, this.#pos);
  }

  /** Each record's timestamp, in order (a copy). */
  get timestamps(): readonly number[] {
    return Array.from(this.#timestamps.subarray(0, this.recordCount));
  }

  /** Resolves once every record of the batch (or of its split parts) has settled. */
  settled(): Promise<void> {
    if (this.splitInto !== null) return Promise.all(this.splitInto.map((p) => p.settled())).then(() => {});
    if (this.done) return Promise.resolve();
    return new Promise((resolve) => (this.#waiters ??= []).push(resolve));
  }

  /** Hands the records over to `parts` (after a split); waiters follow them. */
  markSplit(parts: ProducerBatch[]): void {
    this.splitInto = parts;
    this.done = true;
    const waiters = this.#waiters;
    this.#waiters = null;
    if (waiters !== null) void this.settled().then(() => waiters.forEach((w) => w()));
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = null;
    if (waiters !== null) for (const w of waiters) w();
  }

  /**
   * Completes every record with its offset. `logAppendTime` (≥ 0) replaces
   * the create time when the topic uses log-append time.
   */
  complete(baseOffset: bigint, logAppendTime: number): void {
    if (this.done) return;
    this.done = true;
    for (let i = 0; i < this.recordCount; i++) {
      this.#settle(i, null, {
        topic: this.topic,
        partition: this.partition,
        offset: baseOffset < 0n ? -1n : baseOffset + smallBigInt(i),
        timestamp: logAppendTime >= 0 ? logAppendTime : this.#timestamps[i]!,
      });
    }
    this.#notify();
  }

  /** Fails every record; `perRecord(i)` may give a record its own error. */
  fail(error: Error, perRecord?: (index: number) => Error | undefined): void {
    if (this.done) return;
    this.done = true;
    for (let i = 0; i < this.recordCount; i++) this.#settle(i, perRecord?.(i) ?? error, null);
    this.#notify();
  }

  #settle(i: number, error: Error | null, md: RecordMetadata | null): void {
    const first = this.#settlers[i * 2];
    const second = this.#settlers[i * 2 + 1];
    // Drop references so settled promises and callbacks can be collected early.
    this.#settlers[i * 2] = this.#settlers[i * 2 + 1] = CALLBACK;
    try {
      this.listener?.(this, i, error, md);
    } catch {
      // Listeners (interceptors) guard themselves; never let one break settling.
    }
    try {
      if (second === CALLBACK) (first as SendCallback)(error, md);
      else if (error === null) (first as (m: RecordMetadata) => void)(md!);
      else (second as (e: Error) => void)(error);
    } catch {
      // A throwing user callback must not keep the other records from settling.
    }
  }
}

function sameIdentity(a: ProducerIdentity | null, b: ProducerIdentity | null): boolean {
  if (a === null || b === null) return a === b;
  return a.producerId === b.producerId && a.producerEpoch === b.producerEpoch &&
    a.baseSequence === b.baseSequence && a.transactional === b.transactional;
}

/** BigInt(0 … n) made once: a batch's record index is added to its base offset for every record. */
let smallBigInts: bigint[] = [];

function smallBigInt(i: number): bigint {
  if (i >= smallBigInts.length) {
    const next = new Array<bigint>(Math.max(i + 1, smallBigInts.length * 2, 1024));
    for (let k = 0; k < next.length; k++) next[k] = smallBigInts[k] ?? BigInt(k);
    smallBigInts = next;
  }
  return smallBigInts[i]!;
}
