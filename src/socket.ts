/**
 * The transport seam: the only thing the core needs from a runtime is a TCP
 * socket with this shape, plain or TLS. Implementations live in `runtime/`
 * (Deno, Bun, Node.js); nothing in `src/` touches a runtime global.
 *
 * @module
 */

import type { Password } from "./password.ts";

/** Where and how to connect. */
export interface SocketOptions {
  /** Host name or IP address. */
  host: string;
  /** TCP port. */
  port: number;
  /**
   * Give up connecting after this many milliseconds
   * (`socket.connection.setup.timeout.ms`); with TLS the handshake counts.
   */
  connectTimeoutMs: number;
  /** Speak TLS on this connection (`security.protocol` SSL); absent or null: plain TCP. */
  tls?: TlsOptions | null;
}

/**
 * How to secure a connection. The adapter sends the broker's host as SNI
 * (host names only: RFC 6066 allows no IP addresses there) and verifies the
 * broker's certificate chain always, its name unless `verifyHostname` is
 * false. Failures reject (or close the socket) with a `TlsError`.
 */
export interface TlsOptions {
  /** Trusted CA certificates, PEM (`ssl.truststore.certificates`); null: see `caFile`. */
  readonly ca: string | null;
  /**
   * A PEM file of trusted CA certificates (`ssl.truststore.location`), read
   * by the adapter at each connect; with `ca` null too, the runtime's
   * default roots are trusted.
   */
  readonly caFile: string | null;
  /** The client's certificate chain, PEM, leaf first (`ssl.keystore.certificate.chain`), for mTLS. */
  readonly cert: string | null;
  /** The client's private key, PEM (`ssl.keystore.key`); set exactly when `cert` is. */
  readonly key: Password | null;
  /** The password of an encrypted `key` (`ssl.key.password`). */
  readonly keyPassword: Password | null;
  /** Check that the certificate names the host (`ssl.endpoint.identification.algorithm` "https"). */
  readonly verifyHostname: boolean;
}

/** Callbacks a socket calls as bytes arrive and when it ends. */
export interface SocketHandlers {
  /**
   * Bytes arrived. The socket may reuse `chunk`'s memory after this returns,
   * so the callee copies what it keeps.
   */
  onData(chunk: Uint8Array): void;
  /**
   * The socket is closed: by the peer, by an error (`error` set, a
   * `ConnectionError`), or by {@linkcode Socket.close} (no error). Called once.
   */
  onClose(error?: Error): void;
}

/**
 * An open TCP connection.
 *
 * The core writes one coalesced buffer at a time and awaits it before the
 * next, so implementations need not queue writes themselves; they must
 * handle partial writes and backpressure within one `write`.
 */
export interface Socket {
  /**
   * Writes all of `chunk`. Resolves once the runtime no longer needs the
   * memory (the caller may then reuse it); rejects with a `ConnectionError`
   * if the socket breaks first.
   */
  write(chunk: Uint8Array): Promise<void>;
  /** Closes the socket; `onClose` follows (without an error). Idempotent. */
  close(): void;
}

/**
 * Opens a socket. Rejects with a `ConnectionError` (refused, unreachable), a
 * `TlsError` (the handshake failed) or a `TimeoutError` (`connectTimeoutMs`
 * elapsed).
 *
 * @example A transport that records what is written (for tests)
 * ```ts
 * import type { Connect } from "@edgekafka/producer";
 * const written: Uint8Array[] = [];
 * const connect: Connect = async (_options, handlers) => ({
 *   write: async (chunk) => { written.push(chunk.slice()); },
 *   close: () => handlers.onClose(),
 * });
 * const socket = await connect({ host: "localhost", port: 9092, connectTimeoutMs: 1000 }, {
 *   onData: () => {}, onClose: () => {},
 * });
 * await socket.write(new Uint8Array([1, 2, 3]));
 * console.assert(written.length === 1);
 * ```
 */
export type Connect = (options: SocketOptions, handlers: SocketHandlers) => Promise<Socket>;

/**
 * A `Connect` that opens every connection with `tls` (unless the caller's
 * options carry their own); `connect` itself when `tls` is null. The
 * producer wraps its platform's adapter with the TLS settings of its
 * configuration this way, so the network layer passes no TLS options along.
 *
 * @example Usage
 * ```ts
 * import type { Connect, SocketOptions } from "@edgekafka/producer";
 * import { withTls } from "./socket.ts";
 * const seen: SocketOptions[] = [];
 * const plain: Connect = async (options, handlers) => {
 *   seen.push(options);
 *   return { write: async () => {}, close: () => handlers.onClose() };
 * };
 * const tls = { ca: null, caFile: null, cert: null, key: null, keyPassword: null, verifyHostname: true };
 * await withTls(plain, tls)({ host: "b", port: 9093, connectTimeoutMs: 1000 }, { onData: () => {}, onClose: () => {} });
 * console.assert(seen[0]!.tls === tls && withTls(plain, null) === plain);
 * ```
 */
export function withTls(connect: Connect, tls: TlsOptions | null): Connect {
  if (tls === null) return connect;
  return (options, handlers) => connect(options.tls === undefined ? { ...options, tls } : options, handlers);
}
