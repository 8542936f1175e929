/**
 * The errors of a record that waits for its topic's metadata: a topic
 * error that waiting cannot cure fails it at once, and a timeout says why
 * the metadata did not come (the broker's topic error, else the last failed
 * connection). Used by the pipeline and its send queue.
 *
 * @module
 */

import { type KafkaError, MetadataTimeoutError } from "../errors.ts";
import type { Metadata } from "../metadata.ts";
import { ErrorCode } from "../protocol/error_codes.ts";

/** What a metadata timeout is worded from. */
export interface MetadataWait {
  readonly metadata: Metadata;
  readonly maxBlockMs: number;
  /** The brokers' connection state: why metadata may not have come (the last failed attempt). */
  readonly network: { lastError(nodeId: number): KafkaError | null };
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
