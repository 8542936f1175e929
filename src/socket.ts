/**
 * The transport seam: the only thing the core needs from a runtime is a TCP
 * socket with this shape. Implementations live in `runtime/` (Deno, Bun,
 * Node.js); nothing in `src/` touches a runtime global.
 *
 * @module
 */

/** Where and how to connect. */
export interface SocketOptions {
  /** Host name or IP address. */
  host: string;
  /** TCP port. */
  port: number;
  /** Give up connecting after this many milliseconds (`socket.connection.setup.timeout.ms`). */
  connectTimeoutMs: number;
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
 * Opens a socket. Rejects with a `ConnectionError` (refused, unreachable) or a
 * `TimeoutError` (`connectTimeoutMs` elapsed).
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
