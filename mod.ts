/**
 * edgekafka: a Kafka producer for Deno, Bun, Node.js and Cloudflare Workers,
 * built like the Java `KafkaProducer`, without native addons.
 *
 * @example Producing a record
 * ```ts ignore
 * import { Producer } from "@edgekafka/producer";
 * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
 * const { partition, offset } = await producer.send({ topic: "events", key: "k", value: "hello" });
 * console.log(`written to partition ${partition} at offset ${offset}`);
 * ```
 *
 * @module
 */

import { autoConnect } from "./runtime/auto.ts";
import { setGzipLoader } from "./src/producer/compression.ts";
import { setDefaultConnect } from "./src/transport.ts";

setDefaultConnect(autoConnect);
setGzipLoader(async () => (await import("./runtime/gzip.ts")).loadNativeGzip());

export { Producer } from "./src/producer.ts";
export type { CloseOptions, SendOptions, TopicPartitionInfo, TypedProducerOptions } from "./src/producer.ts";
export type { ProducerOptions, ResolvedConfig } from "./src/config.ts";
export { CONFIG_KEYS, configTableMarkdown } from "./src/config.ts";
export type { Bytes, Headers, ProducerRecord, RecordMetadata, SendCallback, Serializer } from "./src/serde.ts";
export type { PartitionerFunction, ProducerInterceptor } from "./src/extensions.ts";
export type { Logger, LogFields } from "./src/logger.ts";
export type { Connect, Socket, SocketHandlers, SocketOptions } from "./src/socket.ts";
export { setDefaultConnect } from "./src/transport.ts";
export { murmur2, partitionForKey } from "./src/producer/murmur2.ts";
export {
  ApiError,
  BufferExhaustedError,
  ClosedError,
  ConfigError,
  ConnectionError,
  InvalidRecordError,
  KafkaError,
  MetadataTimeoutError,
  ProtocolError,
  RecordTooLargeError,
  SerializationError,
  TimeoutError,
  TransactionAbortedError,
  TransactionStateError,
} from "./src/errors.ts";
export type { GroupMetadata, TransactionOffsets, TransactionState } from "./src/producer/transactions.ts";
export {
  ClusterAuthorizationError,
  ConcurrentTransactionsError,
  CoordinatorLoadInProgressError,
  CoordinatorNotAvailableError,
  DuplicateSequenceError,
  InvalidProducerEpochError,
  InvalidRecordApiError,
  InvalidTopicError,
  InvalidTxnStateError,
  MessageTooLargeError,
  NotCoordinatorError,
  NotLeaderOrFollowerError,
  OutOfOrderSequenceError,
  ProducerFencedError,
  RecordListTooLargeError,
  TopicAuthorizationError,
  TransactionAbortableError,
  TransactionalIdAuthorizationError,
  UnknownProducerIdError,
  UnknownTopicOrPartitionError,
  UnsupportedVersionError,
} from "./src/protocol/api_errors.ts";
export { ErrorCode } from "./src/protocol/error_codes.ts";
