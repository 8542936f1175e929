/**
 * The typed broker errors of idempotence and transactions (sequence numbers,
 * producer epochs, the transaction coordinator): subclasses of
 * {@linkcode KnownApiError}, listed with the others by `api_errors.ts`.
 *
 * @module
 */

import type { KafkaErrorOptions } from "../errors.ts";
import { KnownApiError } from "./api_error_classes.ts";

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
