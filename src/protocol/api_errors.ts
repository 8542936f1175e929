/**
 * Building broker errors: {@linkcode apiError} turns a code a broker returned
 * into its typed class (one list of them, {@linkcode API_ERROR_CLASSES}, also
 * drives `mod.ts`'s exports and the tests) or a plain {@linkcode ApiError};
 * {@linkcode checkVersion} and {@linkcode unsupportedField} build the errors
 * our codecs throw when a request cannot be written at the negotiated version.
 * The classes themselves are in `api_error_classes.ts` and
 * `api_error_classes_txn.ts`.
 *
 * @module
 */

import { ApiError, type KafkaErrorOptions } from "../errors.ts";
import {
  ClusterAuthorizationError,
  InvalidRecordApiError,
  InvalidTopicError,
  MessageTooLargeError,
  NotLeaderOrFollowerError,
  RecordListTooLargeError,
  TopicAuthorizationError,
  TransactionalIdAuthorizationError,
  UnknownTopicOrPartitionError,
  UnsupportedVersionError,
} from "./api_error_classes.ts";
import {
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
} from "./api_error_classes_txn.ts";
import { errorInfo } from "./error_codes.ts";

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
 * import { API_ERROR_CLASSES } from "./api_errors.ts";
 * import { ProducerFencedError } from "@edgekafka/producer";
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
 * import { apiError } from "./api_errors.ts";
 * import { NotLeaderOrFollowerError } from "@edgekafka/producer";
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
