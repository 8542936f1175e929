/**
 * The storage of the records that wait in the send queue (`send_queue.ts`),
 * kept compact: a queue under overload may hold millions of records, so each
 * costs a few columns instead of objects and closures.
 *
 * - Numbers live in two typed-array columns per record (chunk, offset, key
 *   and value length, partition, flags; timestamp, deadline).
 * - Key and value bytes are copied into an arena of 64 KiB chunks, back to
 *   back in queue order (the caller may reuse its buffers once `send()`
 *   returned); a chunk is dropped once every record in it left, the last
 *   one is reused when the queue empties.
 * - Topic, settlers and `extras` (what few records carry: a string key or
 *   value, headers, an `AbortSignal`, the record object when interceptors
 *   or a partitioner read it) are kept per *group*: a run of consecutive
 *   records with the same topic and settlers and no extras (a loop with one
 *   callback) shares one group object; a record's column holds its group's
 *   number. A record with extras, or a promise's settlers, has its own.
 *
 * The columns are ring buffers indexed by a record's sequence number (its
 * position since the queue was last empty), grown by doubling, and released
 * when the queue empties after a burst.
 *
 * @module
 */

import type { HeaderList } from "../protocol/record_batch.ts";
import type { Bytes, ProducerRecord } from "../serde.ts";

/** Integer fields of a record, `INTS` per record. */
const CHUNK = 0, OFFSET = 1, KEY_LENGTH = 2, VALUE_LENGTH = 3, PARTITION = 4, FLAGS = 5, GROUP = 6, INTS = 7;
/** Float fields of a record, `FLOATS` per record. */
const TIMESTAMP = 0, DEADLINE = 1, FLOATS = 2;
/** Field lengths that are no byte counts. */
const NULL_FIELD = -1, STRING_FIELD = -2;
/** `FLAGS` bit: appended or failed, only leaving the queue is left to do. */
const SETTLED = 1;
/** Arena chunk size (a larger record gets a chunk of its own size). */
const ARENA_CHUNK = 64 * 1024;
/** First column capacity, and the largest kept once the queue is empty again. */
const INITIAL_CAPACITY = 256, KEPT_CAPACITY = 65536;

/**
 * What a record's waiting state costs beyond its key and value bytes, as the
 * queue counts it for its byte bound (columns, and their growth slack).
 *
 * @example Usage
 * ```ts
 * import { RECORD_STATE_BYTES } from "./waiting_records.ts";
 * console.assert(RECORD_STATE_BYTES < 150);
 * ```
 */
export const RECORD_STATE_BYTES = 64;

/** What only some waiting records carry. */
export interface Extras {
  /** The record as given (interceptors' `onSendError` and a custom partitioner read it). */
  readonly record: ProducerRecord<unknown, unknown> | null;
  readonly keyString: string | undefined;
  readonly valueString: string | undefined;
  readonly headers: HeaderList | null;
  readonly signal: AbortSignal | undefined;
  /** Registered on `signal` while the record waits. */
  onAbort: (() => void) | null;
}

/** The references a run of records shares. */
interface Group {
  readonly topic: string;
  readonly resolve: unknown;
  readonly reject: unknown;
  readonly extras: Extras | undefined;
}

/**
 * Waiting records in FIFO order, addressed by sequence number (`head` to
 * `tail - 1`).
 *
 * @example Usage
 * ```ts
 * import { WaitingRecords } from "./waiting_records.ts";
 * const records = new WaitingRecords();
 * const seq = records.push("t", -1, null, new Uint8Array([1, 2]), null, 0, 1000, () => {}, () => {}, null, undefined);
 * console.assert(records.value(seq)!.length === 2 && records.length === 1);
 * records.shift();
 * console.assert(records.length === 0 && records.bytes === 0);
 * ```
 */
export class WaitingRecords {
  #capacity = 0;
  #ints = new Int32Array(0);
  #floats = new Float64Array(0);
  /** Group number `g` is `#groups[g - #groupBase]`; groups before the head's are dropped. */
  #groups: Array<Group | undefined> = [];
  #groupBase = 0;
  /** Index in `#groups` of the head record's group. */
  #groupHead = 0;
  #head = 0;
  #tail = 0;
  /** The arena: `#chunks[i]` is chunk number `#chunkBase + i`; `#written` bytes of the last are used. */
  #chunks: Uint8Array[] = [];
  #chunkBase = 0;
  #written = 0;
  /** Key and value bytes (a string's length) plus {@linkcode RECORD_STATE_BYTES} per record. */
  bytes = 0;

  /** Sequence number of the first waiting record. */
  get head(): number {
    return this.#head;
  }

  /** Sequence number the next record gets. */
  get tail(): number {
    return this.#tail;
  }

  /** Records waiting. */
  get length(): number {
    return this.#tail - this.#head;
  }

  /** Adds a record at the tail (copying byte keys and values); returns its sequence number. */
  push(
    topic: string,
    partition: number,
    key: Bytes,
    value: Bytes,
    headers: HeaderList | null,
    timestamp: number,
    deadline: number,
    resolve: unknown,
    reject: unknown,
    record: ProducerRecord<unknown, unknown> | null,
    signal: AbortSignal | undefined,
  ): number {
    if (this.#tail - this.#head === this.#capacity) this.#grow();
    const seq = this.#tail++;
    const slot = seq % this.#capacity;
    const keyLength = key === null ? NULL_FIELD : typeof key === "string" ? STRING_FIELD : key.length;
    const valueLength = value === null ? NULL_FIELD : typeof value === "string" ? STRING_FIELD : value.length;
    const size = Math.max(0, keyLength) + Math.max(0, valueLength);
    const offset = this.#reserve(size);
    const chunk = this.#chunks[this.#chunks.length - 1];
    if (keyLength > 0) chunk!.set(key as Uint8Array, offset);
    if (valueLength > 0) chunk!.set(value as Uint8Array, offset + Math.max(0, keyLength));
    const i = slot * INTS;
    const ints = this.#ints;
    ints[i + CHUNK] = this.#chunkBase + this.#chunks.length - 1;
    ints[i + OFFSET] = offset;
    ints[i + KEY_LENGTH] = keyLength;
    ints[i + VALUE_LENGTH] = valueLength;
    ints[i + PARTITION] = partition;
    ints[i + FLAGS] = 0;
    this.#floats[slot * FLOATS + TIMESTAMP] = timestamp;
    this.#floats[slot * FLOATS + DEADLINE] = deadline;
    let extras: Extras | undefined;
    if (record !== null || headers !== null || signal !== undefined || keyLength === STRING_FIELD || valueLength === STRING_FIELD) {
      extras = {
        record,
        keyString: keyLength === STRING_FIELD ? key as string : undefined,
        valueString: valueLength === STRING_FIELD ? value as string : undefined,
        headers,
        signal,
        onAbort: null,
      };
    }
    const groups = this.#groups;
    const last = groups.length > this.#groupHead ? groups[groups.length - 1] : undefined;
    if (extras !== undefined || last === undefined || last.extras !== undefined || last.topic !== topic ||
      last.resolve !== resolve || last.reject !== reject) {
      groups.push({ topic, resolve, reject, extras });
    }
    ints[i + GROUP] = this.#groupBase + groups.length - 1;
    this.bytes += size + RECORD_STATE_BYTES + (extras === undefined ? 0 : stringBytes(extras));
    return seq;
  }

  /** Removes the head record (its fields are no longer readable). */
  shift(): void {
    const slot = this.#head % this.#capacity;
    const i = slot * INTS;
    const extras = this.#group(this.#head).extras;
    this.bytes -= Math.max(0, this.#ints[i + KEY_LENGTH]!) + Math.max(0, this.#ints[i + VALUE_LENGTH]!) + RECORD_STATE_BYTES +
      (extras === undefined ? 0 : stringBytes(extras));
    if (++this.#head === this.#tail) return this.#reset();
    const j = (this.#head % this.#capacity) * INTS;
    const next = this.#ints[j + CHUNK]!;
    while (this.#chunkBase < next && this.#chunks.length > 1) {
      this.#chunks.shift();
      this.#chunkBase++;
    }
    const groupHead = this.#ints[j + GROUP]! - this.#groupBase;
    const groups = this.#groups;
    while (this.#groupHead < groupHead) groups[this.#groupHead++] = undefined;
    if (this.#groupHead > 1024 && this.#groupHead * 2 > groups.length) {
      this.#groups = groups.slice(this.#groupHead);
      this.#groupBase += this.#groupHead;
      this.#groupHead = 0;
    }
  }

  #group(seq: number): Group {
    return this.#groups[this.#ints[(seq % this.#capacity) * INTS + GROUP]! - this.#groupBase]!;
  }

  topic(seq: number): string {
    return this.#group(seq).topic;
  }

  partition(seq: number): number {
    return this.#ints[(seq % this.#capacity) * INTS + PARTITION]!;
  }

  timestamp(seq: number): number {
    return this.#floats[(seq % this.#capacity) * FLOATS + TIMESTAMP]!;
  }

  deadline(seq: number): number {
    return this.#floats[(seq % this.#capacity) * FLOATS + DEADLINE]!;
  }

  resolve(seq: number): unknown {
    return this.#group(seq).resolve;
  }

  reject(seq: number): unknown {
    return this.#group(seq).reject;
  }

  extras(seq: number): Extras | undefined {
    return this.#group(seq).extras;
  }

  settled(seq: number): boolean {
    return (this.#ints[(seq % this.#capacity) * INTS + FLAGS]! & SETTLED) !== 0;
  }

  markSettled(seq: number): void {
    const i = (seq % this.#capacity) * INTS + FLAGS;
    this.#ints[i] = this.#ints[i]! | SETTLED;
  }

  /** The key: a view of the arena (valid until the record leaves), a string, or null. */
  key(seq: number): Bytes {
    const i = (seq % this.#capacity) * INTS;
    const length = this.#ints[i + KEY_LENGTH]!;
    if (length === NULL_FIELD) return null;
    if (length === STRING_FIELD) return this.extras(seq)!.keyString!;
    const offset = this.#ints[i + OFFSET]!;
    return this.#chunkOf(i).subarray(offset, offset + length);
  }

  /** The value, as {@linkcode key}. */
  value(seq: number): Bytes {
    const i = (seq % this.#capacity) * INTS;
    const length = this.#ints[i + VALUE_LENGTH]!;
    if (length === NULL_FIELD) return null;
    if (length === STRING_FIELD) return this.extras(seq)!.valueString!;
    const offset = this.#ints[i + OFFSET]! + Math.max(0, this.#ints[i + KEY_LENGTH]!);
    return this.#chunkOf(i).subarray(offset, offset + length);
  }

  #chunkOf(i: number): Uint8Array {
    return this.#chunks[this.#ints[i + CHUNK]! - this.#chunkBase]!;
  }

  /** The arena offset of `size` fresh bytes in the last chunk (a new chunk if they do not fit). */
  #reserve(size: number): number {
    const last = this.#chunks[this.#chunks.length - 1];
    if (last === undefined || last.length - this.#written < size) {
      this.#chunks.push(new Uint8Array(Math.max(ARENA_CHUNK, size)));
      this.#written = 0;
    }
    const offset = this.#written;
    this.#written += size;
    return offset;
  }

  /** The queue is empty: numbering restarts, one standard chunk and moderate columns are kept. */
  #reset(): void {
    this.#head = this.#tail = 0;
    const last = this.#chunks[this.#chunks.length - 1];
    this.#chunks = last !== undefined && last.length === ARENA_CHUNK ? [last] : [];
    this.#chunkBase = 0;
    this.#written = 0;
    this.bytes = 0;
    this.#groups = [];
    this.#groupBase = this.#groupHead = 0;
    if (this.#capacity > KEPT_CAPACITY) {
      this.#capacity = 0;
      this.#ints = new Int32Array(0);
      this.#floats = new Float64Array(0);
    }
  }

  /** Doubles the columns, keeping every record's fields under its sequence number. */
  #grow(): void {
    const old = this.#capacity;
    const capacity = Math.max(INITIAL_CAPACITY, old * 2);
    const ints = new Int32Array(capacity * INTS);
    const floats = new Float64Array(capacity * FLOATS);
    for (let seq = this.#head; seq < this.#tail; seq++) {
      const from = seq % old, to = seq % capacity;
      ints.set(this.#ints.subarray(from * INTS, from * INTS + INTS), to * INTS);
      floats[to * FLOATS + TIMESTAMP] = this.#floats[from * FLOATS + TIMESTAMP]!;
      floats[to * FLOATS + DEADLINE] = this.#floats[from * FLOATS + DEADLINE]!;
    }
    this.#capacity = capacity;
    this.#ints = ints;
    this.#floats = floats;
  }
}

/** What a record's string key and value count for (their length: at least a byte per character). */
function stringBytes(extras: Extras): number {
  return (extras.keyString?.length ?? 0) + (extras.valueString?.length ?? 0);
}
