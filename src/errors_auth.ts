/**
 * Authentication failures: {@linkcode SaslAuthenticationError}, and the rule
 * of which connection errors are fatal (Java's `AuthenticationException`s).
 *
 * @module
 */

import { ConnectionError, TlsError } from "./errors.ts";

/** What a {@linkcode SaslAuthenticationError} is about. */
export interface SaslAuthenticationErrorOptions {
  /** The SASL mechanism, e.g. "SCRAM-SHA-512". */
  mechanism: string;
  /** The broker's host, as connected to. */
  host: string;
  /** The broker's port. */
  port: number;
  /** Why authentication failed: the broker's message, or what the client found wrong. */
  reason: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * SASL authentication with a broker failed: wrong credentials, a mechanism
 * the broker has not enabled, a server signature that does not verify, a
 * token that could not be had. Not retriable, and fatal as Java's
 * `SaslAuthenticationException`: sends waiting for metadata fail with it at
 * once. The message names the mechanism, host, port and the broker's
 * message, never a password or token.
 *
 * @example Usage
 * ```ts
 * import { ConnectionError, SaslAuthenticationError } from "@edgekafka/producer";
 * const e = new SaslAuthenticationError({ mechanism: "PLAIN", host: "127.0.0.1", port: 9094, reason: "Invalid username or password" });
 * console.assert(e instanceof ConnectionError && !e.retriable && e.mechanism === "PLAIN");
 * console.assert(e.message === 'SASL PLAIN authentication to "127.0.0.1:9094" failed: Invalid username or password');
 * ```
 */
export class SaslAuthenticationError extends ConnectionError {
  /** The SASL mechanism. */
  readonly mechanism: string;
  /** The broker's host. */
  readonly host: string;
  /** The broker's port. */
  readonly port: number;
  /** Why authentication failed (the message's last part). */
  readonly reason: string;

  /**
   * Builds the error from the mechanism, where the connection went and why authentication failed.
   *
   * @param options The mechanism, the broker's host and port, the reason, and the cause.
   */
  constructor(options: SaslAuthenticationErrorOptions) {
    const address = options.host.includes(":") ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
    super(`SASL ${options.mechanism} authentication to "${address}" failed: ${options.reason}`, { cause: options.cause, retriable: false });
    this.mechanism = options.mechanism;
    this.host = options.host;
    this.port = options.port;
    this.reason = options.reason;
  }
}

/**
 * Whether `error` ends every connection attempt the same way until the
 * configuration changes (Java's fatal `AuthenticationException`s): a TLS or
 * SASL authentication failure. Sends waiting for metadata fail with it at once.
 *
 * @example Usage
 * ```ts
 * import { ConnectionError, SaslAuthenticationError } from "@edgekafka/producer";
 * import { isFatalConnectionError } from "./errors_auth.ts";
 * console.assert(isFatalConnectionError(new SaslAuthenticationError({ mechanism: "PLAIN", host: "h", port: 1, reason: "x" })));
 * console.assert(!isFatalConnectionError(new ConnectionError("refused")));
 * ```
 */
export function isFatalConnectionError(error: unknown): error is TlsError | SaslAuthenticationError {
  return error instanceof TlsError || error instanceof SaslAuthenticationError;
}
