/**
 * The types of `Producer`'s API: its constructor options with typed
 * serializers, the options of `send()`, `sendAll()`, `writable()` and
 * `close()`, and what `partitionsFor()` and `sendAll()` return.
 *
 * @module
 */

import type { CamelCaseProducerOptions } from "../config.ts";
import type { MixedNamedOptions } from "../config_names.ts";
import type { PartitionInfo } from "../metadata.ts";
import type { Bytes, ProducerRecord, SendCallback, Serializer } from "../serde.ts";

/**
 * Options of one `send()`.
 *
 * @example Usage
 * ```ts
 * import type { SendOptions } from "@edgekafka/producer";
 * const options: SendOptions = { signal: AbortSignal.timeout(5_000) }; // give up waiting after 5 s
 * console.assert(options.signal !== undefined);
 * ```
 */
export interface SendOptions {
  /** Gives up waiting for metadata or buffer memory (the record is not sent). */
  signal?: AbortSignal;
}

/**
 * Options of `close()`.
 *
 * @example Usage
 * ```ts
 * import type { CloseOptions } from "@edgekafka/producer";
 * const options: CloseOptions = { timeoutMs: 10_000 }; // deliver for up to 10 s, then fail the rest
 * console.assert(options.timeoutMs === 10_000);
 * ```
 */
export interface CloseOptions {
  /**
   * How long to wait for queued records to be delivered; then the rest fail.
   * 0 fails them at once. Default: wait (bounded by `delivery.timeout.ms`).
   */
  timeoutMs?: number;
}

/**
 * Producer options with typed serializers: `K` and `V` are the key and value
 * types `send()` then takes.
 *
 * @example Usage
 * ```ts
 * import type { TypedProducerOptions } from "@edgekafka/producer";
 * const options: TypedProducerOptions<string, { total: number }> = {
 *   bootstrapServers: ["127.0.0.1:9092"],
 *   valueSerializer: (_topic, order) => JSON.stringify(order),
 * };
 * console.assert(typeof options.valueSerializer === "function");
 * ```
 */
export type TypedProducerOptions<K, V> = MixedNamedOptions<
  Omit<CamelCaseProducerOptions, "keySerializer" | "valueSerializer"> & {
    /** Turns a `K` into bytes (`key.serializer`); null: bytes and strings pass through. */
    keySerializer?: Serializer<K> | null;
    /** Turns a `V` into bytes (`value.serializer`); null: bytes and strings pass through. */
    valueSerializer?: Serializer<V> | null;
  }
>;

/**
 * A partition as `partitionsFor()` reports it.
 *
 * @example Usage
 * ```ts
 * import type { TopicPartitionInfo } from "@edgekafka/producer";
 * const p: TopicPartitionInfo = { topic: "orders", partition: 0, leader: 1, leaderEpoch: 4, replicas: [1, 2, 3], isr: [1, 2], offline: [] };
 * console.assert(p.isr.length < p.replicas.length); // one replica is behind
 * ```
 */
export interface TopicPartitionInfo extends PartitionInfo {
  /** The partition's topic. */
  readonly topic: string;
}

/**
 * A record for `sendAll()` and `writable()`: its `topic` may be left out
 * when the options name one.
 *
 * @example Usage
 * ```ts
 * import type { SendableRecord } from "@edgekafka/producer";
 * const record: SendableRecord<string, string> = { key: "user-1", value: "clicked" }; // topic from the options
 * console.assert(record.topic === undefined);
 * ```
 */
export type SendableRecord<K = Bytes, V = Bytes> = Omit<ProducerRecord<K, V>, "topic"> & { topic?: string };

/**
 * Options of `sendAll()`.
 *
 * @example Usage
 * ```ts
 * import type { SendAllOptions } from "@edgekafka/producer";
 * let failed = 0;
 * const options: SendAllOptions = { topic: "events", onDelivery: (error) => void (error && failed++) };
 * console.assert(options.topic === "events" && failed === 0);
 * ```
 */
export interface SendAllOptions {
  /** The topic of records that name none. */
  topic?: string;
  /**
   * Stops taking records when it aborts: the records sent until then still
   * settle, then `sendAll()` rejects with its reason.
   */
  signal?: AbortSignal;
  /** Called once for each record as it settles, as `send()`'s callback (e.g. to log each failure). */
  onDelivery?: SendCallback;
}

/**
 * What `sendAll()` resolves with once every record was acknowledged.
 *
 * @example Usage
 * ```ts
 * import type { SendAllResult } from "@edgekafka/producer";
 * const result: SendAllResult = { count: 3 };
 * console.assert(result.count === 3);
 * ```
 */
export interface SendAllResult {
  /** Records sent (each acknowledged). */
  readonly count: number;
}

/**
 * Options of `writable()`.
 *
 * @example Usage
 * ```ts
 * import type { WritableOptions } from "@edgekafka/producer";
 * const options: WritableOptions = { topic: "events", highWaterMark: 64 };
 * console.assert(options.highWaterMark === 64);
 * ```
 */
export interface WritableOptions {
  /** The topic of records that name none. */
  topic?: string;
  /**
   * Records the stream itself may queue while the producer's buffer is full
   * (its `desiredSize` is this minus those queued); default 16.
   */
  highWaterMark?: number;
}
