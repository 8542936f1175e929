/**
 * edgekafka: a Kafka producer for Deno, Bun and Node.js,
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

import { autoPlatform } from "./runtime/auto.ts";
import { setDefaultPlatform } from "./src/platform.ts";

setDefaultPlatform(autoPlatform);

export { Producer } from "./src/producer.ts";
export { TransactionalApi } from "./src/producer/transactional.ts";
export type {
  CloseOptions,
  SendableRecord,
  SendAllOptions,
  SendAllResult,
  SendOptions,
  TopicPartitionInfo,
  TypedProducerOptions,
  WritableOptions,
} from "./src/producer/api_types.ts";
export type { CamelCaseProducerOptions, ProducerOptions, ResolvedConfig } from "./src/config.ts";
export { JAVA_NAMES } from "./src/config_names.ts";
export type { JavaNamedOptions, JavaValue, MixedNamedOptions } from "./src/config_names.ts";
export { CONFIG_KEYS, configTableMarkdown } from "./src/config.ts";
export type { ConfigKey } from "./src/config_keys.ts";
export type { Bytes, Headers, ProducerRecord, RecordMetadata, SendCallback, Serializer } from "./src/serde.ts";
export type { FieldValue, HeaderList } from "./src/protocol/record_batch.ts";
export type { PartitionInfo } from "./src/metadata.ts";
export type { PartitionerFunction, ProducerInterceptor } from "./src/extensions.ts";
export type { Logger, LogFields } from "./src/logger.ts";
export type { Connect, Socket, SocketHandlers, SocketOptions, TlsOptions } from "./src/socket.ts";
export { Password } from "./src/password.ts";
export type { Codec, Platform, PlatformCodecs } from "./src/platform.ts";
export type { WasmCrc32cLoader } from "./src/protocol/crc32c.ts";
export { setDefaultPlatform } from "./src/platform.ts";
export { murmur2, partitionForKey } from "./src/producer/murmur2.ts";
export {
  ApiError,
  BufferExhaustedError,
  ClosedError,
  ConfigError,
  ConnectionError,
  ConnectionLimitError,
  InvalidRecordError,
  KafkaError,
  MetadataTimeoutError,
  ProtocolError,
  RecordTooLargeError,
  SerializationError,
  TimeoutError,
  TlsError,
  TransactionAbortedError,
  TransactionStateError,
} from "./src/errors.ts";
export { SaslAuthenticationError, type SaslAuthenticationErrorOptions } from "./src/errors_auth.ts";
export type { ResolvedSaslConfig, SaslOptions } from "./src/config_sasl_types.ts";
export type { SaslOption } from "./src/config_sasl.ts";
export type { SaslOAuthBearerSettings, SaslPasswordSettings, SaslSettings } from "./src/security/settings.ts";
export type { OAuthBearerToken, OAuthBearerTokenProvider } from "./src/security/oauthbearer.ts";
export type { SaslMechanismName } from "./src/security/mechanism.ts";
export type { GroupMetadata, TransactionOffsets, TransactionState } from "./src/producer/transactions.ts";
export {
  ClusterAuthorizationError,
  InvalidRecordApiError,
  InvalidTopicError,
  KnownApiError,
  MessageTooLargeError,
  NotLeaderOrFollowerError,
  RecordListTooLargeError,
  TopicAuthorizationError,
  TransactionalIdAuthorizationError,
  UnknownTopicOrPartitionError,
  UnsupportedVersionError,
} from "./src/protocol/api_error_classes.ts";
export {
  ConcurrentTransactionsError,
  CoordinatorLoadInProgressError,
  CoordinatorNotAvailableError,
  DuplicateSequenceError,
  InvalidProducerEpochError,
  InvalidTxnStateError,
  NotCoordinatorError,
  OutOfOrderSequenceError,
  ProducerFencedError,
  TransactionAbortableError,
  UnknownProducerIdError,
} from "./src/protocol/api_error_classes_txn.ts";
export { ERROR_TABLE, ErrorCode, errorInfo } from "./src/protocol/error_codes.ts";
export type { ErrorInfo, ErrorName } from "./src/protocol/error_codes.ts";
export { VERSION } from "./src/version.ts";
