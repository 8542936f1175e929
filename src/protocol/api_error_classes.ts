/**
 * The typed broker errors: one subclass of {@linkcode ApiError} per broker
 * error a producer's users want to catch by type, each carrying its Kafka code
 * (its static `code`) and taking Kafka's default message, when given none,
 * and Kafka's `retriable`/`invalidMetadata` flags from the error table.
 *
 * `api_errors.ts` lists them (`API_ERROR_CLASSES`) and builds
 * them from a broker's codes (`apiError()`).
 *
 * @module
 */

import { ApiError, type KafkaErrorOptions } from "../errors.ts";
import { errorInfo } from "./error_codes.ts";

/**
 * The base of the typed broker errors: takes Kafka's name, default message
 * and `retriable`/`invalidMetadata` flags for `code` from the error table, so
 * a subclass only names its code (once, as its static `code`).
 */
abstract class KnownApiError extends ApiError {
  constructor(code: number, message: string | undefined, options: KafkaErrorOptions | undefined) {
    const info = errorInfo(code);
    super(code, info.name, message ?? info.message, {
      retriable: info.retriable,
      invalidMetadata: info.invalidMetadata,
      ...options,
    });
  }
}

/**
 * PRODUCER_FENCED (90): another producer with the same `transactional.id` has taken over: this producer is fenced and must be closed (fatal).
 *
 * @example Usage
 * ```ts
 * import { ProducerFencedError } from "./api_error_classes.ts";
 * console.assert(new ProducerFencedError().errorName === "PRODUCER_FENCED");
 * ```
 */
export class ProducerFencedError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 90;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(ProducerFencedError.code, message, options);
  }
}

/**
 * INVALID_PRODUCER_EPOCH (47): the producer epoch is older than the broker's: a newer producer instance fenced this one (abortable in transactions).
 *
 * @example Usage
 * ```ts
 * import { InvalidProducerEpochError } from "./api_error_classes.ts";
 * console.assert(new InvalidProducerEpochError().errorName === "INVALID_PRODUCER_EPOCH");
 * ```
 */
export class InvalidProducerEpochError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 47;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(InvalidProducerEpochError.code, message, options);
  }
}

/**
 * OUT_OF_ORDER_SEQUENCE_NUMBER (45): the broker received a batch with a sequence number it did not expect (idempotence rules decide what follows).
 *
 * @example Usage
 * ```ts
 * import { OutOfOrderSequenceError } from "./api_error_classes.ts";
 * console.assert(new OutOfOrderSequenceError().errorName === "OUT_OF_ORDER_SEQUENCE_NUMBER");
 * ```
 */
export class OutOfOrderSequenceError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 45;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(OutOfOrderSequenceError.code, message, options);
  }
}

/**
 * UNKNOWN_PRODUCER_ID (59): the broker no longer has state for our producer id (e.g. its records were deleted by retention).
 *
 * @example Usage
 * ```ts
 * import { UnknownProducerIdError } from "./api_error_classes.ts";
 * console.assert(new UnknownProducerIdError().errorName === "UNKNOWN_PRODUCER_ID");
 * ```
 */
export class UnknownProducerIdError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 59;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(UnknownProducerIdError.code, message, options);
  }
}

/**
 * DUPLICATE_SEQUENCE_NUMBER (46): the broker already has this batch: for an idempotent producer it counts as success.
 *
 * @example Usage
 * ```ts
 * import { DuplicateSequenceError } from "./api_error_classes.ts";
 * console.assert(new DuplicateSequenceError().errorName === "DUPLICATE_SEQUENCE_NUMBER");
 * ```
 */
export class DuplicateSequenceError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 46;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(DuplicateSequenceError.code, message, options);
  }
}

/**
 * TRANSACTION_ABORTABLE (120): the transaction cannot go on and must be aborted (KIP-890).
 *
 * @example Usage
 * ```ts
 * import { TransactionAbortableError } from "./api_error_classes.ts";
 * console.assert(new TransactionAbortableError().errorName === "TRANSACTION_ABORTABLE");
 * ```
 */
export class TransactionAbortableError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 120;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(TransactionAbortableError.code, message, options);
  }
}

/**
 * INVALID_TXN_STATE (48): the transactional request is not valid in the transaction's current state.
 *
 * @example Usage
 * ```ts
 * import { InvalidTxnStateError } from "./api_error_classes.ts";
 * console.assert(new InvalidTxnStateError().errorName === "INVALID_TXN_STATE");
 * ```
 */
export class InvalidTxnStateError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 48;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(InvalidTxnStateError.code, message, options);
  }
}

/**
 * TOPIC_AUTHORIZATION_FAILED (29): the principal is not authorized to access the topic.
 *
 * @example Usage
 * ```ts
 * import { TopicAuthorizationError } from "./api_error_classes.ts";
 * console.assert(new TopicAuthorizationError().errorName === "TOPIC_AUTHORIZATION_FAILED");
 * ```
 */
export class TopicAuthorizationError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 29;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(TopicAuthorizationError.code, message, options);
  }
}

/**
 * CLUSTER_AUTHORIZATION_FAILED (31): the principal is not authorized for a cluster-level operation (e.g. idempotent writes on old brokers; fatal).
 *
 * @example Usage
 * ```ts
 * import { ClusterAuthorizationError } from "./api_error_classes.ts";
 * console.assert(new ClusterAuthorizationError().errorName === "CLUSTER_AUTHORIZATION_FAILED");
 * ```
 */
export class ClusterAuthorizationError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 31;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(ClusterAuthorizationError.code, message, options);
  }
}

/**
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53): the principal is not authorized to use the `transactional.id` (fatal).
 *
 * @example Usage
 * ```ts
 * import { TransactionalIdAuthorizationError } from "./api_error_classes.ts";
 * console.assert(new TransactionalIdAuthorizationError().errorName === "TRANSACTIONAL_ID_AUTHORIZATION_FAILED");
 * ```
 */
export class TransactionalIdAuthorizationError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 53;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(TransactionalIdAuthorizationError.code, message, options);
  }
}

/**
 * UNSUPPORTED_VERSION (35): the broker (or we) cannot speak the requested API version, or a field cannot be encoded at the negotiated version (fatal).
 *
 * @example Usage
 * ```ts
 * import { UnsupportedVersionError } from "./api_error_classes.ts";
 * console.assert(new UnsupportedVersionError().errorName === "UNSUPPORTED_VERSION");
 * ```
 */
export class UnsupportedVersionError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 35;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(UnsupportedVersionError.code, message, options);
  }
}

/**
 * UNKNOWN_TOPIC_OR_PARTITION (3): the broker does not host this topic-partition (retriable; refresh metadata).
 *
 * @example Usage
 * ```ts
 * import { UnknownTopicOrPartitionError } from "./api_error_classes.ts";
 * console.assert(new UnknownTopicOrPartitionError().errorName === "UNKNOWN_TOPIC_OR_PARTITION");
 * ```
 */
export class UnknownTopicOrPartitionError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 3;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(UnknownTopicOrPartitionError.code, message, options);
  }
}

/**
 * NOT_LEADER_OR_FOLLOWER (6): the broker is not the partition's leader (retriable; refresh metadata or use the Produce response's current leader).
 *
 * @example Usage
 * ```ts
 * import { NotLeaderOrFollowerError } from "./api_error_classes.ts";
 * console.assert(new NotLeaderOrFollowerError().errorName === "NOT_LEADER_OR_FOLLOWER");
 * ```
 */
export class NotLeaderOrFollowerError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 6;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(NotLeaderOrFollowerError.code, message, options);
  }
}

/**
 * INVALID_TOPIC_EXCEPTION (17): the topic name is invalid, or the topic is internal and cannot be written to.
 *
 * @example Usage
 * ```ts
 * import { InvalidTopicError } from "./api_error_classes.ts";
 * console.assert(new InvalidTopicError().errorName === "INVALID_TOPIC_EXCEPTION");
 * ```
 */
export class InvalidTopicError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 17;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(InvalidTopicError.code, message, options);
  }
}

/**
 * MESSAGE_TOO_LARGE (10): the batch is larger than the broker accepts: split it, or fail a single-record batch.
 *
 * @example Usage
 * ```ts
 * import { MessageTooLargeError } from "./api_error_classes.ts";
 * console.assert(new MessageTooLargeError().errorName === "MESSAGE_TOO_LARGE");
 * ```
 */
export class MessageTooLargeError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 10;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(MessageTooLargeError.code, message, options);
  }
}

/**
 * RECORD_LIST_TOO_LARGE (18): the request's record set for a partition is larger than the broker's segment size.
 *
 * @example Usage
 * ```ts
 * import { RecordListTooLargeError } from "./api_error_classes.ts";
 * console.assert(new RecordListTooLargeError().errorName === "RECORD_LIST_TOO_LARGE");
 * ```
 */
export class RecordListTooLargeError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 18;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(RecordListTooLargeError.code, message, options);
  }
}

/**
 * INVALID_RECORD (87): the broker rejected a record as invalid (see the Produce response's record errors); named apart from the client-side `InvalidRecordError`.
 *
 * @example Usage
 * ```ts
 * import { InvalidRecordApiError } from "./api_error_classes.ts";
 * console.assert(new InvalidRecordApiError().errorName === "INVALID_RECORD");
 * ```
 */
export class InvalidRecordApiError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 87;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(InvalidRecordApiError.code, message, options);
  }
}

/**
 * CONCURRENT_TRANSACTIONS (51): the coordinator is still completing the producer's previous transaction (retriable).
 *
 * @example Usage
 * ```ts
 * import { ConcurrentTransactionsError } from "./api_error_classes.ts";
 * console.assert(new ConcurrentTransactionsError().errorName === "CONCURRENT_TRANSACTIONS");
 * ```
 */
export class ConcurrentTransactionsError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 51;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(ConcurrentTransactionsError.code, message, options);
  }
}

/**
 * COORDINATOR_NOT_AVAILABLE (15): the coordinator is not available (retriable; look it up again).
 *
 * @example Usage
 * ```ts
 * import { CoordinatorNotAvailableError } from "./api_error_classes.ts";
 * console.assert(new CoordinatorNotAvailableError().errorName === "COORDINATOR_NOT_AVAILABLE");
 * ```
 */
export class CoordinatorNotAvailableError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 15;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(CoordinatorNotAvailableError.code, message, options);
  }
}

/**
 * NOT_COORDINATOR (16): the broker is not the coordinator for the key (retriable; look it up again).
 *
 * @example Usage
 * ```ts
 * import { NotCoordinatorError } from "./api_error_classes.ts";
 * console.assert(new NotCoordinatorError().errorName === "NOT_COORDINATOR");
 * ```
 */
export class NotCoordinatorError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 16;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(NotCoordinatorError.code, message, options);
  }
}

/**
 * COORDINATOR_LOAD_IN_PROGRESS (14): the coordinator is still loading its state (retriable).
 *
 * @example Usage
 * ```ts
 * import { CoordinatorLoadInProgressError } from "./api_error_classes.ts";
 * console.assert(new CoordinatorLoadInProgressError().errorName === "COORDINATOR_LOAD_IN_PROGRESS");
 * ```
 */
export class CoordinatorLoadInProgressError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 14;
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(CoordinatorLoadInProgressError.code, message, options);
  }
}
