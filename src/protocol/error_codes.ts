/**
 * Kafka's error codes (Java `org.apache.kafka.common.protocol.Errors`, Kafka
 * 4.4): every code a broker can return, whether it is retriable (its Java
 * exception extends `RetriableException`), whether it means our metadata is
 * stale (extends `InvalidMetadataException`), and Kafka's default message.
 *
 * `tests/unit/fixtures/kafka_errors.json` is the same table printed by
 * `tests/kafka/ErrorTable.java` from the kafka-clients jar; the unit tests
 * compare the two.
 *
 * @module
 */

/** Flag: the error is retriable. */
const R = 1;
/** Flags: retriable and invalid metadata (every `InvalidMetadataException` is retriable). */
const RM = 3;

/**
 * Kafka's error table: `NAME: [code, flags, default message]`, where flags
 * bit 1 means retriable and bit 2 invalid metadata ({@linkcode errorInfo}
 * reads them for you). Messages are Kafka's, without the trailing period
 * (our errors end without one).
 *
 * @example Usage
 * ```ts
 * import { ERROR_TABLE } from "@edgekafka/producer";
 * const [code, , message] = ERROR_TABLE.NOT_LEADER_OR_FOLLOWER;
 * console.assert(code === 6 && message.length > 0);
 * ```
 */
export const ERROR_TABLE = {
  UNKNOWN_SERVER_ERROR: [-1, 0, "The server experienced an unexpected error when processing the request"],
  NONE: [0, 0, "No error"],
  OFFSET_OUT_OF_RANGE: [1, 0, "The requested offset is not within the range of offsets maintained by the server"],
  CORRUPT_MESSAGE: [2, R, "This message has failed its CRC checksum, exceeds the valid size, has a null key for a compacted topic, or is otherwise corrupt"],
  UNKNOWN_TOPIC_OR_PARTITION: [3, RM, "This server does not host this topic-partition"],
  INVALID_FETCH_SIZE: [4, 0, "The requested fetch size is invalid"],
  LEADER_NOT_AVAILABLE: [5, RM, "There is no leader for this topic-partition as we are in the middle of a leadership election"],
  NOT_LEADER_OR_FOLLOWER: [6, RM, "For requests intended only for the leader, this error indicates that the broker is not the current leader. For requests intended for any replica, this error indicates that the broker is not a replica of the topic partition"],
  REQUEST_TIMED_OUT: [7, R, "The request timed out"],
  BROKER_NOT_AVAILABLE: [8, 0, "The broker is not available"],
  REPLICA_NOT_AVAILABLE: [9, RM, "The replica is not available for the requested topic-partition. Produce/Fetch requests and other requests intended only for the leader or follower return NOT_LEADER_OR_FOLLOWER if the broker is not a replica of the topic-partition"],
  MESSAGE_TOO_LARGE: [10, 0, "The request included a message larger than the max message size the server will accept"],
  STALE_CONTROLLER_EPOCH: [11, 0, "The controller moved to another broker"],
  OFFSET_METADATA_TOO_LARGE: [12, 0, "The metadata field of the offset request was too large"],
  NETWORK_EXCEPTION: [13, RM, "The server disconnected before a response was received"],
  COORDINATOR_LOAD_IN_PROGRESS: [14, R, "The coordinator is loading and hence can't process requests"],
  COORDINATOR_NOT_AVAILABLE: [15, R, "The coordinator is not available"],
  NOT_COORDINATOR: [16, R, "This is not the correct coordinator"],
  INVALID_TOPIC_EXCEPTION: [17, 0, "The request attempted to perform an operation on an invalid topic"],
  RECORD_LIST_TOO_LARGE: [18, 0, "The request included message batch larger than the configured segment size on the server"],
  NOT_ENOUGH_REPLICAS: [19, R, "Messages are rejected since there are fewer in-sync replicas than required"],
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: [20, R, "Messages are written to the log, but to fewer in-sync replicas than required"],
  INVALID_REQUIRED_ACKS: [21, 0, "Produce request specified an invalid value for required acks"],
  ILLEGAL_GENERATION: [22, 0, "Specified group generation id is not valid"],
  INCONSISTENT_GROUP_PROTOCOL: [23, 0, "The group member's supported protocols are incompatible with those of existing members or first group member tried to join with empty protocol type or empty protocol list"],
  INVALID_GROUP_ID: [24, 0, "The group id is invalid"],
  UNKNOWN_MEMBER_ID: [25, 0, "The coordinator is not aware of this member"],
  INVALID_SESSION_TIMEOUT: [26, 0, "The session timeout is not within the range allowed by the broker (as configured by group.min.session.timeout.ms and group.max.session.timeout.ms)"],
  REBALANCE_IN_PROGRESS: [27, 0, "The group is rebalancing, so a rejoin is needed"],
  INVALID_COMMIT_OFFSET_SIZE: [28, 0, "The committing offset data size is not valid"],
  TOPIC_AUTHORIZATION_FAILED: [29, 0, "Topic authorization failed"],
  GROUP_AUTHORIZATION_FAILED: [30, 0, "Group authorization failed"],
  CLUSTER_AUTHORIZATION_FAILED: [31, 0, "Cluster authorization failed"],
  INVALID_TIMESTAMP: [32, 0, "The timestamp of the message is out of acceptable range"],
  UNSUPPORTED_SASL_MECHANISM: [33, 0, "The broker does not support the requested SASL mechanism"],
  ILLEGAL_SASL_STATE: [34, 0, "Request is not valid given the current SASL state"],
  UNSUPPORTED_VERSION: [35, 0, "The version of API is not supported"],
  TOPIC_ALREADY_EXISTS: [36, 0, "Topic with this name already exists"],
  INVALID_PARTITIONS: [37, 0, "Number of partitions is below 1"],
  INVALID_REPLICATION_FACTOR: [38, 0, "Replication factor is below 1 or larger than the number of available brokers"],
  INVALID_REPLICA_ASSIGNMENT: [39, 0, "Replica assignment is invalid"],
  INVALID_CONFIG: [40, 0, "Configuration is invalid"],
  NOT_CONTROLLER: [41, R, "This is not the correct controller for this cluster"],
  INVALID_REQUEST: [42, 0, "This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details"],
  UNSUPPORTED_FOR_MESSAGE_FORMAT: [43, 0, "The message format version on the broker does not support the request"],
  POLICY_VIOLATION: [44, 0, "Request parameters do not satisfy the configured policy"],
  OUT_OF_ORDER_SEQUENCE_NUMBER: [45, 0, "The broker received an out of order sequence number"],
  DUPLICATE_SEQUENCE_NUMBER: [46, 0, "The broker received a duplicate sequence number"],
  INVALID_PRODUCER_EPOCH: [47, 0, "Producer attempted to produce with an old epoch"],
  INVALID_TXN_STATE: [48, 0, "The producer attempted a transactional operation in an invalid state"],
  INVALID_PRODUCER_ID_MAPPING: [49, 0, "The producer attempted to use a producer id which is not currently assigned to its transactional id"],
  INVALID_TRANSACTION_TIMEOUT: [50, 0, "The transaction timeout is larger than the maximum value allowed by the broker (as configured by transaction.max.timeout.ms)"],
  CONCURRENT_TRANSACTIONS: [51, R, "The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing"],
  TRANSACTION_COORDINATOR_FENCED: [52, 0, "Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the current coordinator for a given producer"],
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: [53, 0, "Transactional Id authorization failed"],
  SECURITY_DISABLED: [54, 0, "Security features are disabled"],
  OPERATION_NOT_ATTEMPTED: [55, 0, "The broker did not attempt to execute this operation. This may happen for batched RPCs where some operations in the batch failed, causing the broker to respond without trying the rest"],
  KAFKA_STORAGE_ERROR: [56, RM, "Disk error when trying to access log file on the disk"],
  LOG_DIR_NOT_FOUND: [57, 0, "The user-specified log directory is not found in the broker config"],
  SASL_AUTHENTICATION_FAILED: [58, 0, "SASL Authentication failed"],
  UNKNOWN_PRODUCER_ID: [59, 0, "This exception is raised by the broker if it could not locate the producer metadata associated with the producerId in question. This could happen if, for instance, the producer's records were deleted because their retention time had elapsed. Once the last records of the producerId are removed, the producer's metadata is removed from the broker, and future appends by the producer will return this exception"],
  REASSIGNMENT_IN_PROGRESS: [60, 0, "A partition reassignment is in progress"],
  DELEGATION_TOKEN_AUTH_DISABLED: [61, 0, "Delegation Token feature is not enabled"],
  DELEGATION_TOKEN_NOT_FOUND: [62, 0, "Delegation Token is not found on server"],
  DELEGATION_TOKEN_OWNER_MISMATCH: [63, 0, "Specified Principal is not valid Owner/Renewer"],
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: [64, 0, "Delegation Token requests are not allowed on PLAINTEXT/1-way SSL channels and on delegation token authenticated channels"],
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: [65, 0, "Delegation Token authorization failed"],
  DELEGATION_TOKEN_EXPIRED: [66, 0, "Delegation Token is expired"],
  INVALID_PRINCIPAL_TYPE: [67, 0, "Supplied principalType is not supported"],
  NON_EMPTY_GROUP: [68, 0, "The group is not empty"],
  GROUP_ID_NOT_FOUND: [69, 0, "The group id does not exist"],
  FETCH_SESSION_ID_NOT_FOUND: [70, R, "The fetch session ID was not found"],
  INVALID_FETCH_SESSION_EPOCH: [71, R, "The fetch session epoch is invalid"],
  LISTENER_NOT_FOUND: [72, RM, "There is no listener on the leader broker that matches the listener on which metadata request was processed"],
  TOPIC_DELETION_DISABLED: [73, 0, "Topic deletion is disabled"],
  FENCED_LEADER_EPOCH: [74, RM, "The leader epoch in the request is older than the epoch on the broker"],
  UNKNOWN_LEADER_EPOCH: [75, R, "The leader epoch in the request is newer than the epoch on the broker"],
  UNSUPPORTED_COMPRESSION_TYPE: [76, 0, "The requesting client does not support the compression type of given partition"],
  STALE_BROKER_EPOCH: [77, 0, "Broker epoch has changed"],
  OFFSET_NOT_AVAILABLE: [78, R, "The leader high watermark has not caught up from a recent leader election so the offsets cannot be guaranteed to be monotonically increasing"],
  MEMBER_ID_REQUIRED: [79, 0, "The group member needs to have a valid member id before actually entering a consumer group"],
  PREFERRED_LEADER_NOT_AVAILABLE: [80, RM, "The preferred leader was not available"],
  GROUP_MAX_SIZE_REACHED: [81, 0, "The group has reached its maximum size"],
  FENCED_INSTANCE_ID: [82, 0, "The broker rejected this static consumer since another consumer with the same group.instance.id has registered with a different member.id"],
  ELIGIBLE_LEADERS_NOT_AVAILABLE: [83, RM, "Eligible topic partition leaders are not available"],
  ELECTION_NOT_NEEDED: [84, RM, "Leader election not needed for topic partition"],
  NO_REASSIGNMENT_IN_PROGRESS: [85, 0, "No partition reassignment is in progress"],
  GROUP_SUBSCRIBED_TO_TOPIC: [86, 0, "Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it"],
  INVALID_RECORD: [87, 0, "This record has failed the validation on broker and hence will be rejected"],
  UNSTABLE_OFFSET_COMMIT: [88, R, "There are unstable offsets that need to be cleared"],
  THROTTLING_QUOTA_EXCEEDED: [89, R, "The throttling quota has been exceeded"],
  PRODUCER_FENCED: [90, 0, "There is a newer producer with the same transactionalId which fences the current one"],
  RESOURCE_NOT_FOUND: [91, 0, "A request illegally referred to a resource that does not exist"],
  DUPLICATE_RESOURCE: [92, 0, "A request illegally referred to the same resource twice"],
  UNACCEPTABLE_CREDENTIAL: [93, 0, "Requested credential would not meet criteria for acceptability"],
  INCONSISTENT_VOTER_SET: [94, 0, "Indicates that the either the sender or recipient of a voter-only request is not one of the expected voters"],
  INVALID_UPDATE_VERSION: [95, 0, "The given update version was invalid"],
  FEATURE_UPDATE_FAILED: [96, 0, "Unable to update finalized features due to an unexpected server error"],
  PRINCIPAL_DESERIALIZATION_FAILURE: [97, 0, "Request principal deserialization failed during forwarding. This indicates an internal error on the broker cluster security setup"],
  SNAPSHOT_NOT_FOUND: [98, 0, "Requested snapshot was not found"],
  POSITION_OUT_OF_RANGE: [99, 0, "Requested position is not greater than or equal to zero, and less than the size of the snapshot"],
  UNKNOWN_TOPIC_ID: [100, RM, "This server does not host this topic ID"],
  DUPLICATE_BROKER_REGISTRATION: [101, 0, "This broker ID is already in use"],
  BROKER_ID_NOT_REGISTERED: [102, 0, "The given broker ID was not registered"],
  INCONSISTENT_TOPIC_ID: [103, RM, "The log's topic ID did not match the topic ID in the request"],
  INCONSISTENT_CLUSTER_ID: [104, 0, "The clusterId in the request does not match that found on the server"],
  TRANSACTIONAL_ID_NOT_FOUND: [105, 0, "The transactionalId could not be found"],
  FETCH_SESSION_TOPIC_ID_ERROR: [106, R, "The fetch session encountered inconsistent topic ID usage"],
  INELIGIBLE_REPLICA: [107, 0, "The new ISR contains at least one ineligible replica"],
  NEW_LEADER_ELECTED: [108, 0, "The AlterPartition request successfully updated the partition state but the leader has changed"],
  OFFSET_MOVED_TO_TIERED_STORAGE: [109, 0, "The requested offset is moved to tiered storage"],
  FENCED_MEMBER_EPOCH: [110, 0, "The member epoch is fenced by the group coordinator. The member must abandon all its partitions and rejoin"],
  UNRELEASED_INSTANCE_ID: [111, 0, "The instance ID is still used by another member in the consumer group. That member must leave first"],
  UNSUPPORTED_ASSIGNOR: [112, 0, "The assignor or its version range is not supported by the consumer group"],
  STALE_MEMBER_EPOCH: [113, 0, "The member epoch is stale. The member must retry after receiving its updated member epoch via the ConsumerGroupHeartbeat API"],
  MISMATCHED_ENDPOINT_TYPE: [114, 0, "The request was sent to an endpoint of the wrong type"],
  UNSUPPORTED_ENDPOINT_TYPE: [115, 0, "This endpoint type is not supported yet"],
  UNKNOWN_CONTROLLER_ID: [116, 0, "This controller ID is not known"],
  UNKNOWN_SUBSCRIPTION_ID: [117, 0, "Client sent a push telemetry request with an invalid or outdated subscription ID"],
  TELEMETRY_TOO_LARGE: [118, 0, "Client sent a push telemetry request larger than the maximum size the broker will accept"],
  INVALID_REGISTRATION: [119, 0, "The controller has considered the broker registration to be invalid"],
  TRANSACTION_ABORTABLE: [120, 0, "The server encountered an error with the transaction. The client can abort the transaction to continue using this transactional ID"],
  INVALID_RECORD_STATE: [121, 0, "The record state is invalid. The acknowledgement of delivery could not be completed"],
  SHARE_SESSION_NOT_FOUND: [122, R, "The share session was not found"],
  INVALID_SHARE_SESSION_EPOCH: [123, R, "The share session epoch is invalid"],
  FENCED_STATE_EPOCH: [124, 0, "The coordinator rejected the request because the state epoch did not match"],
  INVALID_VOTER_KEY: [125, 0, "The voter key doesn't match the receiving replica's key"],
  DUPLICATE_VOTER: [126, 0, "The voter is already part of the set of voters"],
  VOTER_NOT_FOUND: [127, 0, "The voter is not part of the set of voters"],
  INVALID_REGULAR_EXPRESSION: [128, 0, "The regular expression is not valid"],
  REBOOTSTRAP_REQUIRED: [129, 0, "Client metadata is stale. The client should rebootstrap to obtain new metadata"],
  STREAMS_INVALID_TOPOLOGY: [130, 0, "The supplied topology is invalid"],
  STREAMS_INVALID_TOPOLOGY_EPOCH: [131, 0, "The supplied topology epoch is invalid"],
  STREAMS_TOPOLOGY_FENCED: [132, 0, "The supplied topology epoch is outdated"],
  SHARE_SESSION_LIMIT_REACHED: [133, R, "The limit of share sessions has been reached"],
  GROUP_DELETION_FAILED: [134, 0, "DeleteGroups could not complete; see the error message on the per-group result for details"],
  STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED: [135, 0, "The broker could not process the topology description update; see the error message for details"],
  CONTROLLER_ID_NOT_REGISTERED: [136, 0, "The given controller ID was not registered"],
} as const;

/**
 * A Kafka error name, e.g. `"NOT_LEADER_OR_FOLLOWER"`.
 *
 * @example Usage
 * ```ts
 * import { ErrorCode, type ErrorName } from "@edgekafka/producer";
 * const name: ErrorName = "PRODUCER_FENCED";
 * console.assert(ErrorCode[name] === 90);
 * ```
 */
export type ErrorName = keyof typeof ERROR_TABLE;

/**
 * Kafka's error codes by name, for readable call sites.
 *
 * @example Usage
 * ```ts
 * import { ErrorCode } from "@edgekafka/producer";
 * console.assert(ErrorCode.NOT_LEADER_OR_FOLLOWER === 6);
 * ```
 */
export const ErrorCode: { readonly [K in ErrorName]: (typeof ERROR_TABLE)[K][0] } = Object.freeze(
  Object.fromEntries(Object.entries(ERROR_TABLE).map(([name, row]) => [name, row[0]])),
) as { readonly [K in ErrorName]: (typeof ERROR_TABLE)[K][0] };

/**
 * What Kafka says about one error code ({@linkcode errorInfo} returns it).
 *
 * @example Usage
 * ```ts
 * import { type ErrorInfo, errorInfo } from "@edgekafka/producer";
 * const info: ErrorInfo = errorInfo(6);
 * console.assert(info.name === "NOT_LEADER_OR_FOLLOWER" && info.retriable && info.invalidMetadata);
 * ```
 */
export interface ErrorInfo {
  /** Kafka's name, e.g. `"NOT_LEADER_OR_FOLLOWER"`. */
  readonly name: string;
  /** The numeric code. */
  readonly code: number;
  /** Whether the Java exception extends `RetriableException`. */
  readonly retriable: boolean;
  /** Whether the Java exception extends `InvalidMetadataException` (refresh metadata). */
  readonly invalidMetadata: boolean;
  /** Kafka's default message, used when the broker sends none. */
  readonly message: string;
}

const BY_CODE = new Map<number, ErrorInfo>();
for (const [name, [code, flags, message]] of Object.entries(ERROR_TABLE)) {
  BY_CODE.set(code, Object.freeze({ name, code, retriable: (flags & R) !== 0, invalidMetadata: (flags & 2) !== 0, message }));
}

/**
 * Looks up an error code. An unknown code (from a newer broker) reads as an
 * `UNKNOWN_SERVER_ERROR` that keeps the number, as the Java client does.
 *
 * @example Usage
 * ```ts
 * import { errorInfo } from "@edgekafka/producer";
 * console.assert(errorInfo(6).retriable && errorInfo(6).invalidMetadata);
 * console.assert(errorInfo(9999).name === "UNKNOWN_SERVER_ERROR");
 * ```
 */
export function errorInfo(code: number): ErrorInfo {
  return BY_CODE.get(code) ?? {
    name: "UNKNOWN_SERVER_ERROR",
    code,
    retriable: false,
    invalidMetadata: false,
    message: `The broker returned the unknown error code "${code}"`,
  };
}
