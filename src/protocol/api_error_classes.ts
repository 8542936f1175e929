/**
 * The typed broker errors: one subclass of {@linkcode ApiError} per broker
 * error a producer's users want to catch by type, each carrying its Kafka code
 * (its static `code`) and taking Kafka's default message, when given none,
 * and Kafka's `retriable`/`invalidMetadata` flags from the error table.
 *
 * This module has their base, {@linkcode KnownApiError}, and the errors about
 * topics, requests and authorization; the idempotence and transaction errors
 * are in `api_error_classes_txn.ts`. `api_errors.ts` lists them all
 * (`API_ERROR_CLASSES`) and builds them from a broker's codes (`apiError()`).
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
