/**
 * Subclasses of {@linkcode ApiError} for the broker errors a producer's users
 * want to catch by type. {@linkcode apiError} returns them
 * for their codes; each takes Kafka's default message when given none, and
 * Kafka's `retriable`/`invalidMetadata` flags.
 *
 * Also the errors our codecs throw when a request cannot be written at the
 * negotiated version ({@linkcode unsupportedField}, {@linkcode checkVersion}).
 *
 * @module
 */

import { ApiError, type KafkaErrorOptions } from "../errors.ts";
import { errorInfo } from "./error_codes.ts";

/**
 * The base of the typed broker errors: takes Kafka's name, default message
 * and `retriable`/`invalidMetadata` flags for `code` from the error table, so
 * a subclass only names its code (once, as its static `code`). Catch it to
 * handle every broker error edgekafka has a class for.
 *
 * @example Usage
 * ```ts
 * import { KnownApiError, NotLeaderOrFollowerError } from "@edgekafka/producer";
 * const e: Error = new NotLeaderOrFollowerError();
 * console.assert(e instanceof KnownApiError && e.retriable);
 * ```
 */
export abstract class KnownApiError extends ApiError {
  /**
   * Builds the error for `code`, with Kafka's default message unless given one.
   *
   * @param code Kafka's error code, which picks the name, default message and flags.
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
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
 * import { ProducerFencedError } from "@edgekafka/producer";
 * console.assert(new ProducerFencedError().errorName === "PRODUCER_FENCED");
 * ```
 */
export class ProducerFencedError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 90;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(ProducerFencedError.code, message, options);
  }
}

/**
 * INVALID_PRODUCER_EPOCH (47): the producer epoch is older than the broker's: a newer producer instance fenced this one (abortable in transactions).
 *
 * @example Usage
 * ```ts
 * import { InvalidProducerEpochError } from "@edgekafka/producer";
 * console.assert(new InvalidProducerEpochError().errorName === "INVALID_PRODUCER_EPOCH");
 * ```
 */
export class InvalidProducerEpochError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 47;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(InvalidProducerEpochError.code, message, options);
  }
}

/**
 * OUT_OF_ORDER_SEQUENCE_NUMBER (45): the broker received a batch with a sequence number it did not expect (idempotence rules decide what follows).
 *
 * @example Usage
 * ```ts
 * import { OutOfOrderSequenceError } from "@edgekafka/producer";
 * console.assert(new OutOfOrderSequenceError().errorName === "OUT_OF_ORDER_SEQUENCE_NUMBER");
 * ```
 */
export class OutOfOrderSequenceError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 45;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(OutOfOrderSequenceError.code, message, options);
  }
}

/**
 * UNKNOWN_PRODUCER_ID (59): the broker no longer has state for our producer id (e.g. its records were deleted by retention).
 *
 * @example Usage
 * ```ts
 * import { UnknownProducerIdError } from "@edgekafka/producer";
 * console.assert(new UnknownProducerIdError().errorName === "UNKNOWN_PRODUCER_ID");
 * ```
 */
export class UnknownProducerIdError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 59;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(UnknownProducerIdError.code, message, options);
  }
}

/**
 * DUPLICATE_SEQUENCE_NUMBER (46): the broker already has this batch: for an idempotent producer it counts as success.
 *
 * @example Usage
 * ```ts
 * import { DuplicateSequenceError } from "@edgekafka/producer";
 * console.assert(new DuplicateSequenceError().errorName === "DUPLICATE_SEQUENCE_NUMBER");
 * ```
 */
export class DuplicateSequenceError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 46;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(DuplicateSequenceError.code, message, options);
  }
}

/**
 * TRANSACTION_ABORTABLE (120): the transaction cannot go on and must be aborted (KIP-890).
 *
 * @example Usage
 * ```ts
 * import { TransactionAbortableError } from "@edgekafka/producer";
 * console.assert(new TransactionAbortableError().errorName === "TRANSACTION_ABORTABLE");
 * ```
 */
export class TransactionAbortableError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 120;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(TransactionAbortableError.code, message, options);
  }
}

/**
 * INVALID_TXN_STATE (48): the transactional request is not valid in the transaction's current state.
 *
 * @example Usage
 * ```ts
 * import { InvalidTxnStateError } from "@edgekafka/producer";
 * console.assert(new InvalidTxnStateError().errorName === "INVALID_TXN_STATE");
 * ```
 */
export class InvalidTxnStateError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 48;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(InvalidTxnStateError.code, message, options);
  }
}

/**
 * TOPIC_AUTHORIZATION_FAILED (29): the principal is not authorized to access the topic.
 *
 * @example Usage
 * ```ts
 * import { TopicAuthorizationError } from "@edgekafka/producer";
 * console.assert(new TopicAuthorizationError().errorName === "TOPIC_AUTHORIZATION_FAILED");
 * ```
 */
export class TopicAuthorizationError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 29;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(TopicAuthorizationError.code, message, options);
  }
}

/**
 * CLUSTER_AUTHORIZATION_FAILED (31): the principal is not authorized for a cluster-level operation (e.g. idempotent writes on old brokers; fatal).
 *
 * @example Usage
 * ```ts
 * import { ClusterAuthorizationError } from "@edgekafka/producer";
 * console.assert(new ClusterAuthorizationError().errorName === "CLUSTER_AUTHORIZATION_FAILED");
 * ```
 */
export class ClusterAuthorizationError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 31;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(ClusterAuthorizationError.code, message, options);
  }
}

/**
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53): the principal is not authorized to use the `transactional.id` (fatal).
 *
 * @example Usage
 * ```ts
 * import { TransactionalIdAuthorizationError } from "@edgekafka/producer";
 * console.assert(new TransactionalIdAuthorizationError().errorName === "TRANSACTIONAL_ID_AUTHORIZATION_FAILED");
 * ```
 */
export class TransactionalIdAuthorizationError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 53;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(TransactionalIdAuthorizationError.code, message, options);
  }
}

/**
 * UNSUPPORTED_VERSION (35): the broker (or we) cannot speak the requested API version, or a field cannot be encoded at the negotiated version (fatal).
 *
 * @example Usage
 * ```ts
 * import { UnsupportedVersionError } from "@edgekafka/producer";
 * console.assert(new UnsupportedVersionError().errorName === "UNSUPPORTED_VERSION");
 * ```
 */
export class UnsupportedVersionError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 35;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(UnsupportedVersionError.code, message, options);
  }
}

/**
 * UNKNOWN_TOPIC_OR_PARTITION (3): the broker does not host this topic-partition (retriable; refresh metadata).
 *
 * @example Usage
 * ```ts
 * import { UnknownTopicOrPartitionError } from "@edgekafka/producer";
 * console.assert(new UnknownTopicOrPartitionError().errorName === "UNKNOWN_TOPIC_OR_PARTITION");
 * ```
 */
export class UnknownTopicOrPartitionError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 3;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(UnknownTopicOrPartitionError.code, message, options);
  }
}

/**
 * NOT_LEADER_OR_FOLLOWER (6): the broker is not the partition's leader (retriable; refresh metadata or use the Produce response's current leader).
 *
 * @example Usage
 * ```ts
 * import { NotLeaderOrFollowerError } from "@edgekafka/producer";
 * console.assert(new NotLeaderOrFollowerError().errorName === "NOT_LEADER_OR_FOLLOWER");
 * ```
 */
export class NotLeaderOrFollowerError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 6;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(NotLeaderOrFollowerError.code, message, options);
  }
}

/**
 * INVALID_TOPIC_EXCEPTION (17): the topic name is invalid, or the topic is internal and cannot be written to.
 *
 * @example Usage
 * ```ts
 * import { InvalidTopicError } from "@edgekafka/producer";
 * console.assert(new InvalidTopicError().errorName === "INVALID_TOPIC_EXCEPTION");
 * ```
 */
export class InvalidTopicError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 17;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(InvalidTopicError.code, message, options);
  }
}

/**
 * MESSAGE_TOO_LARGE (10): the batch is larger than the broker accepts: split it, or fail a single-record batch.
 *
 * @example Usage
 * ```ts
 * import { MessageTooLargeError } from "@edgekafka/producer";
 * console.assert(new MessageTooLargeError().errorName === "MESSAGE_TOO_LARGE");
 * ```
 */
export class MessageTooLargeError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 10;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(MessageTooLargeError.code, message, options);
  }
}

/**
 * RECORD_LIST_TOO_LARGE (18): the request's record set for a partition is larger than the broker's segment size.
 *
 * @example Usage
 * ```ts
 * import { RecordListTooLargeError } from "@edgekafka/producer";
 * console.assert(new RecordListTooLargeError().errorName === "RECORD_LIST_TOO_LARGE");
 * ```
 */
export class RecordListTooLargeError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 18;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(RecordListTooLargeError.code, message, options);
  }
}

/**
 * INVALID_RECORD (87): the broker rejected a record as invalid (see the Produce response's record errors); named apart from the client-side `InvalidRecordError`.
 *
 * @example Usage
 * ```ts
 * import { InvalidRecordApiError } from "@edgekafka/producer";
 * console.assert(new InvalidRecordApiError().errorName === "INVALID_RECORD");
 * ```
 */
export class InvalidRecordApiError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 87;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(InvalidRecordApiError.code, message, options);
  }
}

/**
 * CONCURRENT_TRANSACTIONS (51): the coordinator is still completing the producer's previous transaction (retriable).
 *
 * @example Usage
 * ```ts
 * import { ConcurrentTransactionsError } from "@edgekafka/producer";
 * console.assert(new ConcurrentTransactionsError().errorName === "CONCURRENT_TRANSACTIONS");
 * ```
 */
export class ConcurrentTransactionsError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 51;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(ConcurrentTransactionsError.code, message, options);
  }
}

/**
 * COORDINATOR_NOT_AVAILABLE (15): the coordinator is not available (retriable; look it up again).
 *
 * @example Usage
 * ```ts
 * import { CoordinatorNotAvailableError } from "@edgekafka/producer";
 * console.assert(new CoordinatorNotAvailableError().errorName === "COORDINATOR_NOT_AVAILABLE");
 * ```
 */
export class CoordinatorNotAvailableError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 15;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(CoordinatorNotAvailableError.code, message, options);
  }
}

/**
 * NOT_COORDINATOR (16): the broker is not the coordinator for the key (retriable; look it up again).
 *
 * @example Usage
 * ```ts
 * import { NotCoordinatorError } from "@edgekafka/producer";
 * console.assert(new NotCoordinatorError().errorName === "NOT_COORDINATOR");
 * ```
 */
export class NotCoordinatorError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 16;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(NotCoordinatorError.code, message, options);
  }
}

/**
 * COORDINATOR_LOAD_IN_PROGRESS (14): the coordinator is still loading its state (retriable).
 *
 * @example Usage
 * ```ts
 * import { CoordinatorLoadInProgressError } from "@edgekafka/producer";
 * console.assert(new CoordinatorLoadInProgressError().errorName === "COORDINATOR_LOAD_IN_PROGRESS");
 * ```
 */
export class CoordinatorLoadInProgressError extends KnownApiError {
  /** Kafka's error code this class stands for. */
  static readonly code: number = 14;
  /**
   * Builds the error, with Kafka's default message unless given one.
   *
   * @param message The broker's message (else Kafka's default).
   * @param options Overrides of the flags, and the cause.
   */
  constructor(message?: string, options?: KafkaErrorOptions) {
    super(CoordinatorLoadInProgressError.code, message, options);
  }
}

/**
 * Throws an {@linkcode UnsupportedVersionError} if `version` is outside what
 * `api` speaks (a bug in version negotiation, never a broker's doing).
 *
 * @example Usage
 * ```ts
 * import { checkVersion } from "./api_errors.ts";
 * checkVersion({ name: "EndTxn", minVersion: 0, maxVersion: 5 }, 3);
 * ```
 */
export function checkVersion(
  api: { readonly name: string; readonly minVersion: number; readonly maxVersion: number },
  version: number,
): void {
  if (!(version >= api.minVersion && version <= api.maxVersion)) {
    throw new UnsupportedVersionError(
      `${api.name} version "${version}" is not supported: we speak versions ${api.minVersion} to ${api.maxVersion}`,
    );
  }
}

/**
 * The error for a request field that has a non-default value but does not
 * exist at `version` and is not ignorable (Kafka's generated Java code throws
 * `UnsupportedVersionException` in the same case).
 *
 * @example Usage
 * ```ts
 * import { unsupportedField } from "./api_errors.ts";
 * const e = unsupportedField("Metadata", "allowAutoTopicCreation", 3);
 * console.assert(e.message === 'Metadata version "3" cannot encode field "allowAutoTopicCreation"');
 * ```
 */
export function unsupportedField(api: string, field: string, version: number): UnsupportedVersionError {
  return new UnsupportedVersionError(`${api} version "${version}" cannot encode field "${field}"`);
}

/** A typed broker error class: constructible from a message, with its Kafka code. */
export interface ApiErrorClass {
  new (message?: string, options?: KafkaErrorOptions): ApiError;
  /** Kafka's error code the class stands for. */
  readonly code: number;
  /** The class name, e.g. `"ProducerFencedError"`. */
  readonly name: string;
}

/**
 * Every typed broker error class: the one list that drives
 * {@linkcode apiError}, what `mod.ts` must export, and the tests.
 *
 * @example Usage
 * ```ts
 * import { ProducerFencedError } from "@edgekafka/producer";
 * import { API_ERROR_CLASSES } from "./api_errors.ts";
 * console.assert(API_ERROR_CLASSES.includes(ProducerFencedError));
 * ```
 */
export const API_ERROR_CLASSES: readonly ApiErrorClass[] = Object.freeze([
  ProducerFencedError,
  InvalidProducerEpochError,
  OutOfOrderSequenceError,
  UnknownProducerIdError,
  DuplicateSequenceError,
  TransactionAbortableError,
  InvalidTxnStateError,
  TopicAuthorizationError,
  ClusterAuthorizationError,
  TransactionalIdAuthorizationError,
  UnsupportedVersionError,
  UnknownTopicOrPartitionError,
  NotLeaderOrFollowerError,
  InvalidTopicError,
  MessageTooLargeError,
  RecordListTooLargeError,
  InvalidRecordApiError,
  ConcurrentTransactionsError,
  CoordinatorNotAvailableError,
  NotCoordinatorError,
  CoordinatorLoadInProgressError,
]);

const CLASS_BY_CODE = new Map<number, ApiErrorClass>(API_ERROR_CLASSES.map((c) => [c.code, c]));

/**
 * Builds the error for a code a broker returned: the class in
 * {@linkcode API_ERROR_CLASSES} for that code, an {@linkcode ApiError} otherwise.
 *
 * @param code Kafka's error code.
 * @param message The broker's message, if it sent one (else Kafka's default).
 * @param context What the error is about, prefixed to the message, e.g. `Topic-partition "t-0"`.
 *
 * @example Usage
 * ```ts
 * import { NotLeaderOrFollowerError } from "@edgekafka/producer";
 * import { apiError } from "./api_errors.ts";
 * const e = apiError(6, null, 'Topic-partition "t-0"');
 * console.assert(e instanceof NotLeaderOrFollowerError && e.retriable && e.invalidMetadata);
 * console.assert(e.message.startsWith('Topic-partition "t-0": '));
 * ```
 */
export function apiError(code: number, message?: string | null, context?: string): ApiError {
  const info = errorInfo(code);
  let text = message ? message : info.message;
  if (context) text = `${context}: ${text}`;
  const Class = CLASS_BY_CODE.get(code);
  if (Class !== undefined) return new Class(text);
  return new ApiError(info.code, info.name, text, {
    retriable: info.retriable,
    invalidMetadata: info.invalidMetadata,
  });
}
