/**
 * The errors edgekafka raises. Every error is a {@linkcode KafkaError}; its
 * `retriable` flag says whether the same operation may succeed if tried again.
 * Errors returned by brokers are {@linkcode ApiError}s (see
 * `protocol/error_codes.ts` for the full code table).
 *
 * @module
 */

/** Options shared by edgekafka's error constructors. */
export interface KafkaErrorOptions {
  /** The error that caused this one. */
  cause?: unknown;
  /** Whether retrying the same operation may succeed. */
  retriable?: boolean;
}

/**
 * Base class of every error edgekafka raises.
 *
 * @example Usage
 * ```ts
 * import { KafkaError } from "@edgekafka/producer";
 * try { throw new KafkaError("Broker went away", { retriable: true }); }
 * catch (e) { console.assert(e instanceof KafkaError && e.retriable); }
 * ```
 */
export class KafkaError extends Error {
  /** Whether retrying the same operation may succeed. */
  readonly retriable: boolean;

  /**
   * Builds the error; its `name` is the class name.
   *
   * @param message What went wrong, in sentence case.
   * @param options The cause, and whether retrying may succeed (default: no).
   */
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/**
 * Malformed bytes from the network (truncated frame, garbage, unknown
 * correlation id): the connection that produced them is closed.
 *
 * @example Usage
 * ```ts
 * import { ProtocolError } from "@edgekafka/producer";
 * const e = new ProtocolError("Frame size \"-1\" is invalid");
 * console.assert(e.retriable);
 * ```
 */
export class ProtocolError extends KafkaError {
  /**
   * Builds the error, retriable unless `options` says otherwise.
   *
   * @param message What is wrong with the bytes.
   * @param options The cause; `retriable` defaults to true.
   */
  constructor(message: string, options: KafkaErrorOptions = {}) {
    // Another connection may well work: the request can be retried.
    super(message, { retriable: true, ...options });
  }
}

/**
 * A configuration key with an unknown name, a wrong type or a value out of range.
 *
 * @example Usage
 * ```ts
 * import { ConfigError } from "@edgekafka/producer";
 * const e = new ConfigError("linger.ms", "Invalid value \"-1\" for \"linger.ms\": must be at least 0");
 * console.assert(e.key === "linger.ms");
 * ```
 */
export class ConfigError extends KafkaError {
  /** The configuration key at fault (Java name). */
  readonly key: string;

  /**
   * Builds the error (never retriable).
   *
   * @param key The configuration key at fault (Java name).
   * @param message What is wrong with it.
   */
  constructor(key: string, message: string) {
    super(message);
    this.key = key;
  }
}

/**
 * A connection to a broker failed or broke; requests in flight on it fail with this.
 *
 * @example Usage
 * ```ts
 * import { ConnectionError } from "@edgekafka/producer";
 * console.assert(new ConnectionError("Connection to \"127.0.0.1:9092\" was closed").retriable);
 * ```
 */
export class ConnectionError extends KafkaError {
  /**
   * Builds the error, retriable unless `options` says otherwise.
   *
   * @param message Which connection failed and how.
   * @param options The cause; `retriable` defaults to true.
   */
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, { retriable: true, ...options });
  }
}

/** What a {@linkcode TlsError} is about. */
export interface TlsErrorOptions {
  /** The broker's host, as connected to. */
  host: string;
  /** The broker's port. */
  port: number;
  /** Why TLS failed, e.g. "certificate not valid for name \"127.0.0.2\"". */
  reason: string;
  /** The runtime's own error. */
  cause?: unknown;
}

/**
 * A TLS connection to a broker failed: the handshake (an untrusted or
 * expired certificate, a host name the certificate does not name, the
 * broker refusing the client's certificate, no common protocol) or the
 * TLS layer of an open connection. Not retriable: the same settings fail
 * the same way (Java's `SslAuthenticationException`). The message names
 * host, port and reason, never a key or password.
 *
 * @example Usage
 * ```ts
 * import { ConnectionError, TlsError } from "@edgekafka/producer";
 * const e = new TlsError({ host: "127.0.0.1", port: 9093, reason: "unable to verify the first certificate" });
 * console.assert(e instanceof ConnectionError && !e.retriable && e.port === 9093);
 * console.assert(e.message === 'TLS connection to "127.0.0.1:9093" failed: unable to verify the first certificate');
 * ```
 */
export class TlsError extends ConnectionError {
  /** The broker's host. */
  readonly host: string;
  /** The broker's port. */
  readonly port: number;
  /** Why TLS failed (the message's last part). */
  readonly reason: string;

  /**
   * Builds the error from where the connection went and why TLS failed.
   *
   * @param options The broker's host and port, the reason, and the runtime's error as cause.
   */
  constructor(options: TlsErrorOptions) {
    const address = options.host.includes(":") ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
    super(`TLS connection to "${address}" failed: ${options.reason}`, { cause: options.cause, retriable: false });
    this.host = options.host;
    this.port = options.port;
    this.reason = options.reason;
  }
}

/**
 * Something did not happen within its time bound.
 *
 * @example Usage
 * ```ts
 * import { TimeoutError } from "@edgekafka/producer";
 * console.assert(new TimeoutError("Request timed out after 30000 ms").retriable);
 * ```
 */
export class TimeoutError extends KafkaError {
  /**
   * Builds the error, retriable unless `options` says otherwise.
   *
   * @param message What timed out, and after how long.
   * @param options The cause; `retriable` defaults to true.
   */
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, { retriable: true, ...options });
  }
}

/**
 * `send()` waited `max.block.ms` for buffer memory (`buffer.memory`) and got none.
 *
 * @example Usage
 * ```ts
 * import { BufferExhaustedError, TimeoutError } from "@edgekafka/producer";
 * console.assert(new BufferExhaustedError("Failed to allocate 100 bytes within 60000 ms") instanceof TimeoutError);
 * ```
 */
export class BufferExhaustedError extends TimeoutError {}

/**
 * `send()` (or `partitionsFor()`) waited `max.block.ms` for a topic's
 * metadata: the topic does not exist, or the cluster is unreachable.
 *
 * @example Usage
 * ```ts
 * import { MetadataTimeoutError } from "@edgekafka/producer";
 * const e = new MetadataTimeoutError("Topic \"nope\" not present in metadata after 60000 ms", "nope", null);
 * console.assert(e.topic === "nope");
 * ```
 */
export class MetadataTimeoutError extends TimeoutError {
  /** The topic whose metadata did not come. */
  readonly topic: string;
  /** The partition asked for, if the record named one beyond the known count. */
  readonly partition: number | null;

  /**
   * Builds the error.
   *
   * @param message How long was waited for which topic.
   * @param topic The topic whose metadata did not come.
   * @param partition The partition asked for, if beyond the known count.
   * @param cause The error that caused the wait to fail, if any.
   */
  constructor(message: string, topic: string, partition: number | null, cause?: unknown) {
    super(message, cause === undefined ? {} : { cause });
    this.topic = topic;
    this.partition = partition;
  }
}

/**
 * A record is larger than a size limit (`max.request.size`, `buffer.memory`,
 * or the broker's `message.max.bytes`).
 *
 * @example Usage
 * ```ts
 * import { RecordTooLargeError } from "@edgekafka/producer";
 * const e = new RecordTooLargeError("The record is 2000000 bytes, over \"max.request.size\" of 1048576", { limit: "max.request.size" });
 * console.assert(e.limit === "max.request.size");
 * ```
 */
export class RecordTooLargeError extends KafkaError {
  /** Which limit was exceeded, e.g. `"max.request.size"`. */
  readonly limit: string;

  /**
   * Builds the error (never retriable).
   *
   * @param message The record's size and the limit it exceeds.
   * @param options The limit's name, and the cause.
   */
  constructor(message: string, options: KafkaErrorOptions & { limit: string }) {
    super(message, options);
    this.limit = options.limit;
  }
}

/**
 * A key, value or header could not be serialized, or a record is otherwise
 * invalid before it reaches a broker (bad topic name, bad partition).
 *
 * @example Usage
 * ```ts
 * import { InvalidRecordError } from "@edgekafka/producer";
 * console.assert(!new InvalidRecordError("Topic name \"a b\" is illegal").retriable);
 * ```
 */
export class InvalidRecordError extends KafkaError {}

/**
 * A key, value or header serializer threw, or produced something that is not
 * bytes, a string or null.
 *
 * @example Usage
 * ```ts
 * import { InvalidRecordError, SerializationError } from "@edgekafka/producer";
 * console.assert(new SerializationError("Cannot serialize the value") instanceof InvalidRecordError);
 * ```
 */
export class SerializationError extends InvalidRecordError {}

/**
 * An operation on a producer (or connection) that was closed.
 *
 * @example Usage
 * ```ts
 * import { ClosedError } from "@edgekafka/producer";
 * console.assert(new ClosedError("Cannot send after the producer is closed").message.startsWith("Cannot"));
 * ```
 */
export class ClosedError extends KafkaError {}

/**
 * A connection the producer needs was not opened because `max.connections`
 * (`maxConnections`; on Cloudflare Workers 6 by default, their cap per
 * request) are open and none is idle. Retriable: it is opened as soon as one
 * is idle, and records wait for it within `delivery.timeout.ms`. The message
 * names the cap and the broker.
 *
 * @example Usage
 * ```ts
 * import { ConnectionError, ConnectionLimitError } from "@edgekafka/producer";
 * const e = new ConnectionLimitError(6, "Node 3 (\"b3:9092\")");
 * console.assert(e instanceof ConnectionError && e.retriable && e.maxConnections === 6);
 * console.assert(e.message.startsWith('Connection to node 3 ("b3:9092") waits: max.connections is "6"'));
 * ```
 */
export class ConnectionLimitError extends ConnectionError {
  /** The cap that was reached. */
  readonly maxConnections: number;

  /**
   * Builds the error.
   *
   * @param maxConnections The cap (`max.connections`).
   * @param target Which connection waits, e.g. `Node 3 ("b3:9092")`.
   */
  constructor(maxConnections: number, target: string) {
    super(
      `Connection to ${target.charAt(0).toLowerCase()}${target.slice(1)} waits: max.connections is "${maxConnections}" ` +
        `and all ${maxConnections} connections are busy (on Cloudflare Workers at most 6 may be open per request)`,
    );
    this.maxConnections = maxConnections;
  }
}

/**
 * A transactional method called in a state that does not allow it (e.g.
 * `send()` outside a transaction, `commitTransaction()` after a failure).
 *
 * @example Usage
 * ```ts
 * import { TransactionStateError } from "@edgekafka/producer";
 * console.assert(!new TransactionStateError("Cannot call commitTransaction() in state \"READY\"").retriable);
 * ```
 */
export class TransactionStateError extends KafkaError {}

/**
 * A record that was not sent because its transaction was aborted.
 *
 * @example Usage
 * ```ts
 * import { TransactionAbortedError } from "@edgekafka/producer";
 * console.assert(new TransactionAbortedError("The record was not sent: its transaction was aborted").message.length > 0);
 * ```
 */
export class TransactionAbortedError extends KafkaError {}

/**
 * An error code returned by a broker. `code` and `errorName` are Kafka's
 * (see `protocol/error_codes.ts`).
 *
 * @example Usage
 * ```ts
 * import { ApiError } from "@edgekafka/producer";
 * const e = new ApiError(6, "NOT_LEADER_OR_FOLLOWER", "This server is not the leader for that topic-partition", { retriable: true });
 * console.assert(e.code === 6);
 * ```
 */
export class ApiError extends KafkaError {
  /** Kafka's numeric error code. */
  readonly code: number;
  /** Kafka's error name, e.g. `"NOT_LEADER_OR_FOLLOWER"`. */
  readonly errorName: string;
  /** Whether this error means our cluster metadata is stale (refresh it). */
  readonly invalidMetadata: boolean;

  /**
   * Builds the error for a broker's error code.
   *
   * @param code Kafka's numeric error code.
   * @param errorName Kafka's error name, e.g. `"NOT_LEADER_OR_FOLLOWER"`.
   * @param message The broker's message, or Kafka's default one.
   * @param options Whether it is retriable or means stale metadata, and the cause.
   */
  constructor(
    code: number,
    errorName: string,
    message: string,
    options: KafkaErrorOptions & { invalidMetadata?: boolean } = {},
  ) {
    super(message, options);
    this.code = code;
    this.errorName = errorName;
    this.invalidMetadata = options.invalidMetadata ?? false;
  }
}
