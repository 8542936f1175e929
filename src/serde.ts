/**
 * Records as users give them, and how they become bytes: key/value
 * serializers, header normalisation, topic name and timestamp checks.
 *
 * @module
 */

import { InvalidRecordError, SerializationError } from "./errors.ts";
import type { FieldValue, HeaderList } from "./protocol/record_batch.ts";

/**
 * Where a record landed: what `send()` resolves with.
 *
 * @example Usage
 * ```ts
 * import type { RecordMetadata } from "@edgekafka/producer";
 * const md: RecordMetadata = { topic: "orders", partition: 3, offset: 42n, timestamp: Date.now() };
 * console.assert(`${md.topic}-${md.partition}@${md.offset}` === "orders-3@42");
 * ```
 */
export interface RecordMetadata {
  /** The record's topic. */
  topic: string;
  /** The partition the record was written to. */
  partition: number;
  /** The record's offset in the partition (-1 with `acks=0`). */
  offset: bigint;
  /** The record's timestamp: create time, or the broker's log-append time. */
  timestamp: number;
}

/**
 * A `send()` callback: called once, with metadata or with an error.
 *
 * @example Usage
 * ```ts
 * import type { SendCallback } from "@edgekafka/producer";
 * const onDelivery: SendCallback = (error, metadata) => {
 *   if (error) console.error(`not delivered: ${error.message}`);
 *   else console.log(`delivered at offset ${metadata!.offset}`);
 * };
 * onDelivery(null, { topic: "t", partition: 0, offset: 7n, timestamp: 0 });
 * ```
 */
export type SendCallback = (error: Error | null, metadata: RecordMetadata | null) => void;

/**
 * Bytes as edgekafka writes them: raw bytes, a string (written as UTF-8) or null.
 *
 * @example Usage
 * ```ts
 * import type { Bytes } from "@edgekafka/producer";
 * const values: Bytes[] = [new Uint8Array([1, 2]), "text", null];
 * console.assert(values.length === 3);
 * ```
 */
export type Bytes = Uint8Array | string | null;

/**
 * Record headers: an object (one value per key), or a list of pairs that
 * keeps order and duplicate keys (values may be null).
 *
 * @example Both forms
 * ```ts
 * import type { Headers } from "@edgekafka/producer";
 * const simple: Headers = { source: "web", trace: new Uint8Array([1]) };
 * const ordered: Headers = [["trace", "a"], ["trace", "b"], ["deleted", null]];
 * console.assert(Object.keys(simple).length === 2 && ordered.length === 3);
 * ```
 */
export type Headers = Readonly<Record<string, string | Uint8Array>> | ReadonlyArray<readonly [string, Bytes]>;

/**
 * A record to send.
 *
 * @typeParam K The key type (bytes unless a `keySerializer` is configured).
 * @typeParam V The value type (bytes unless a `valueSerializer` is configured).
 *
 * @example A record with a key, a value and headers
 * ```ts
 * import type { ProducerRecord } from "@edgekafka/producer";
 * const record: ProducerRecord = { topic: "orders", key: "order-1", value: '{"total":42}', headers: { source: "web" } };
 * console.assert(record.topic === "orders");
 * ```
 */
export interface ProducerRecord<K = Bytes, V = Bytes> {
  /** The topic to write to. */
  topic: string;
  /** The key; records with the same key go to the same partition. */
  key?: K | null;
  /** The value; null (or absent) makes a tombstone. */
  value?: V | null;
  /** Headers, written in order. */
  headers?: Headers;
  /** A partition chosen by the caller; otherwise the partitioner picks. */
  partition?: number;
  /** Create time in ms since the epoch (default: now). */
  timestamp?: number | Date;
}

/**
 * Turns a typed key or value into bytes: a function, or an object with a
 * `serialize` method (Java's `Serializer` shape).
 *
 * @example A JSON value serializer
 * ```ts
 * import type { Serializer } from "@edgekafka/producer";
 * const json: Serializer<unknown> = (data) => JSON.stringify(data);
 * console.assert(typeof json === "function");
 * ```
 */
export type Serializer<T = unknown> =
  // Method syntax keeps the data parameter bivariant, so a `Serializer<Order>`
  // is accepted where a `Serializer` (of unknown) is expected.
  | { bivariant(data: T, topic: string, headers: HeaderList): Bytes }["bivariant"]
  | { serialize(topic: string, data: T, headers: HeaderList): Bytes; close?(): void };

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/;

/**
 * Checks a topic name as Kafka does; throws an `InvalidRecordError`.
 *
 * @example Usage
 * ```ts
 * import { validateTopic } from "./serde.ts";
 * validateTopic("orders.v1");
 * try { validateTopic("a b"); } catch (e) { console.assert((e as Error).message.includes("a b")); }
 * ```
 */
export function validateTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== "string") throw new InvalidRecordError(`Topic must be a string, got ${describe(topic)}`);
  if (topic.length === 0) throw new InvalidRecordError("Topic name is illegal: it cannot be empty");
  if (topic === "." || topic === "..") throw new InvalidRecordError(`Topic name "${topic}" is illegal: it cannot be "." or ".."`);
  if (topic.length > 249) {
    throw new InvalidRecordError(`Topic name "${topic.slice(0, 40)}…" is illegal: it is ${topic.length} characters, over the limit of 249`);
  }
  if (!LEGAL_TOPIC.test(topic)) {
    throw new InvalidRecordError(`Topic name "${topic}" is illegal: it contains a character other than ASCII alphanumerics, ".", "_" and "-"`);
  }
}

/**
 * Headers as an ordered list of pairs (`null` when there are none).
 *
 * @example Usage
 * ```ts
 * import { toHeaderList } from "./serde.ts";
 * console.assert(toHeaderList({ a: "1" })![0]![0] === "a");
 * ```
 */
export function toHeaderList(headers: Headers | undefined): HeaderList | null {
  if (headers === undefined || headers === null) return null;
  if (Array.isArray(headers)) {
    for (const h of headers as ReadonlyArray<readonly [string, Bytes]>) {
      if (!Array.isArray(h) || typeof h[0] !== "string" || !isBytes(h[1])) {
        throw new InvalidRecordError(`Header ${describe(h)} is invalid: expected a [string, Uint8Array | string | null] pair`);
      }
    }
    return headers.length === 0 ? null : (headers as HeaderList);
  }
  if (typeof headers !== "object") throw new InvalidRecordError(`Headers must be an object or an array of pairs, got ${describe(headers)}`);
  const list: Array<[string, FieldValue]> = [];
  for (const key of Object.keys(headers)) {
    const v = (headers as Record<string, unknown>)[key];
    if (typeof v !== "string" && !(v instanceof Uint8Array)) {
      throw new InvalidRecordError(`Header "${key}" has a value of type ${describe(v)}: expected a string or a Uint8Array`);
    }
    list.push([key, v]);
  }
  return list.length === 0 ? null : list;
}

/**
 * Serializes a key or value with `serializer`, or checks it is already bytes.
 * Throws a `SerializationError` naming the field and topic.
 *
 * @example Usage
 * ```ts
 * import { serializeField } from "./serde.ts";
 * console.assert(serializeField("value", 42, (n: number) => String(n), "t", null) === "42");
 * ```
 */
export function serializeField<T>(
  field: "key" | "value",
  data: T | null | undefined,
  serializer: Serializer<T> | null,
  topic: string,
  headers: HeaderList | null,
): Bytes {
  if (serializer === null) {
    if (data === undefined || data === null) return null;
    if (typeof data === "string" || data instanceof Uint8Array) return data;
    throw new SerializationError(
      `Cannot send a ${field} of type ${describe(data)} to topic "${topic}": without a ${field}Serializer, a ${field} must be a Uint8Array, a string or null`,
    );
  }
  let out: Bytes;
  try {
    out = typeof serializer === "function"
      ? serializer(data as T, topic, headers ?? [])
      : serializer.serialize(topic, data as T, headers ?? []);
  } catch (error) {
    throw new SerializationError(`The ${field} serializer failed for topic "${topic}": ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (out === undefined) out = null;
  if (!isBytes(out)) {
    throw new SerializationError(`The ${field} serializer returned ${describe(out)} for topic "${topic}": expected a Uint8Array, a string or null`);
  }
  return out;
}

/**
 * A record's timestamp in ms; throws on invalid input.
 *
 * @example Usage
 * ```ts
 * import { toTimestamp } from "./serde.ts";
 * console.assert(toTimestamp(new Date(5), 0) === 5);
 * ```
 */
export function toTimestamp(ts: number | Date | undefined, now: number): number {
  if (ts === undefined || ts === null) return now;
  const n = ts instanceof Date ? ts.getTime() : ts;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new InvalidRecordError(`Invalid timestamp ${describe(ts)}: it must be a non-negative integer (ms since the epoch) or a Date`);
  }
  return n;
}

function isBytes(v: unknown): v is Bytes {
  return v === null || typeof v === "string" || v instanceof Uint8Array;
}

/** A short description of a value for messages. */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (v instanceof Date) return `Date "${isNaN(v.getTime()) ? "invalid" : v.toISOString()}"`;
  if (typeof v === "number") return `number "${v}"`;
  return typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v;
}

/**
 * A copy of a serialized field that the caller can no longer change: bytes
 * are copied, strings and `null` are immutable already. For records that wait
 * before they reach a batch (Java serializes inside `send()`, so reusing a
 * buffer after it returns is safe there too).
 *
 * @example Usage
 * ```ts
 * import { ownField } from "./serde.ts";
 * const bytes = new Uint8Array([1]);
 * const own = ownField(bytes);
 * bytes[0] = 9;
 * console.assert(own instanceof Uint8Array && own[0] === 1 && ownField("s") === "s");
 * ```
 */
export function ownField(value: FieldValue): FieldValue {
  return value instanceof Uint8Array ? value.slice() : value;
}

/**
 * A copy of a header list that the caller can no longer change (see
 * {@linkcode ownField}): a new list, with byte values copied.
 *
 * @example Usage
 * ```ts
 * import { ownHeaders } from "./serde.ts";
 * const list: Array<[string, Uint8Array]> = [["h", new Uint8Array([1])]];
 * const own = ownHeaders(list)!;
 * list.push(["late", new Uint8Array([2])]);
 * console.assert(own.length === 1);
 * ```
 */
export function ownHeaders(headers: HeaderList | null): HeaderList | null {
  return headers === null ? null : headers.map(([k, v]) => [k, ownField(v)] as const);
}
