/**
 * The extension points a user plugs into the producer's configuration: a
 * partitioner function and interceptors. They live here, at the level of the
 * configuration that hands them to the engine, so neither the configuration
 * nor the metadata imports the engine's modules for their types.
 *
 * @module
 */

import type { ProducerRecord, RecordMetadata } from "./serde.ts";

/**
 * A user-supplied partitioner: returns the partition for a record.
 *
 * @example Route by a value field
 * ```ts
 * import type { PartitionerFunction } from "@edgekafka/producer";
 * const byRegion: PartitionerFunction = (_topic, _key, value, n) =>
 *   (value as { region: number }).region % n;
 * console.assert(byRegion("t", null, { region: 7 }, 6) === 1);
 * ```
 */
export type PartitionerFunction = (
  topic: string,
  key: Uint8Array | string | null,
  value: unknown,
  numPartitions: number,
) => number;

/**
 * Hooks into sends. All methods are optional.
 *
 * @example Counting acknowledgements
 * ```ts
 * import type { ProducerInterceptor } from "@edgekafka/producer";
 * let acked = 0;
 * const counter: ProducerInterceptor = { onAcknowledgement: (md, error) => { if (!error) acked++; } };
 * counter.onAcknowledgement?.({ topic: "t", partition: 0, offset: 0n, timestamp: 0 }, null);
 * console.assert(acked === 1);
 * ```
 */
export interface ProducerInterceptor<K = unknown, V = unknown> {
  /** Called before the record is serialized; may return a replacement. */
  onSend?(record: ProducerRecord<K, V>): ProducerRecord<K, V> | void;
  /** Called when a record was acknowledged, or failed after it was accepted. */
  onAcknowledgement?(metadata: RecordMetadata | null, error: Error | null): void;
  /** Called when `send()` fails before the record is queued (bad record, timeout). */
  onSendError?(record: ProducerRecord<K, V>, error: Error): void;
  /** Called by `close()`. */
  close?(): void;
}
