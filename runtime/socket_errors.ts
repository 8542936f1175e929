/**
 * The errors every socket adapter raises, worded the same way on each runtime.
 *
 * @module
 */

import { ConnectionError, TimeoutError } from "../src/errors.ts";
import type { SocketHandlers, SocketOptions } from "../src/socket.ts";

/**
 * `host:port` for messages (IPv6 in brackets).
 *
 * @example Usage
 * ```ts
 * import { formatAddress } from "./socket_errors.ts";
 * console.assert(formatAddress({ host: "::1", port: 9092, connectTimeoutMs: 1 }) === "[::1]:9092");
 * ```
 */
export function formatAddress(options: SocketOptions): string {
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return `${host}:${options.port}`;
}

/**
 * A runtime error as text: Node's happy-eyeballs AggregateError (empty
 * message) lists its parts; an error code missing from the message (Bun's
 * "Failed to connect") is appended.
 *
 * @example Usage
 * ```ts
 * import { describeError } from "./socket_errors.ts";
 * console.assert(describeError(Object.assign(new Error("Failed to connect"), { code: "ECONNREFUSED" })) === "Failed to connect (ECONNREFUSED)");
 * ```
 */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && !error.message) {
    return error.errors.map(describeError).join("; ") || error.name;
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && error.message && !error.message.includes(code)) return `${error.message} (${code})`;
    return error.message || error.name;
  }
  return String(error);
}

/**
 * `connectTimeoutMs` elapsed.
 *
 * @example Usage
 * ```ts
 * import { timedOut } from "./socket_errors.ts";
 * console.assert(timedOut("h:1", 5).message === 'Connection to "h:1" timed out after 5 ms');
 * ```
 */
export function timedOut(address: string, ms: number): TimeoutError {
  return new TimeoutError(`Connection to "${address}" timed out after ${ms} ms`);
}

/**
 * Connecting or the connection failed (refused, unreachable, reset).
 *
 * @example Usage
 * ```ts
 * import { failed } from "./socket_errors.ts";
 * console.assert(failed("h:1", new Error("boom")).message === 'Connection to "h:1" failed: boom');
 * ```
 */
export function failed(address: string, cause: unknown): ConnectionError {
  return new ConnectionError(`Connection to "${address}" failed: ${describeError(cause)}`, { cause });
}

/**
 * The broker closed the connection (end of stream).
 *
 * @example Usage
 * ```ts
 * import { closedByPeer } from "./socket_errors.ts";
 * console.assert(closedByPeer("h:1").retriable);
 * ```
 */
export function closedByPeer(address: string): ConnectionError {
  return new ConnectionError(`Connection to "${address}" was closed by the broker`);
}

/**
 * A write on a connection that was closed.
 *
 * @example Usage
 * ```ts
 * import { wasClosed } from "./socket_errors.ts";
 * console.assert(wasClosed("h:1").message === 'Connection to "h:1" was closed');
 * ```
 */
export function wasClosed(address: string): ConnectionError {
  return new ConnectionError(`Connection to "${address}" was closed`);
}

/**
 * The `onData` handler threw: the connection is closed with the cause.
 *
 * @example Usage
 * ```ts
 * import { handlerThrew } from "./socket_errors.ts";
 * console.assert(handlerThrew("h:1", new Error("x")).cause instanceof Error);
 * ```
 */
export function handlerThrew(address: string, cause: unknown): ConnectionError {
  return new ConnectionError(`Connection to "${address}" was closed because its data handler threw: ${describeError(cause)}`, { cause });
}

/**
 * A `write` that has not settled yet; adapters that write in parts shrink
 * `chunk` to what is still unwritten.
 */
export interface PendingWrite {
  chunk: Uint8Array;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * The common end of every adapter's socket: rejects the writes still
 * pending (with `error`, or "closed" after our own `close()`), then reports to
 * `onClose` once — from a microtask after `close()`, so never inside it, and
 * at once with the error otherwise. `release` (the runtime's own teardown)
 * runs between the two, after every pending write has been rejected, so a
 * write callback the teardown fires cannot resolve a write first.
 *
 * @example Usage
 * ```ts
 * import { type PendingWrite, settleClose } from "./socket_errors.ts";
 * let rejected = 0;
 * const pending: PendingWrite[] = [{ chunk: new Uint8Array(1), resolve: () => {}, reject: () => void rejected++ }];
 * settleClose(pending, undefined, "127.0.0.1:9092", { onData: () => {}, onClose: () => {} });
 * console.assert(rejected === 1);
 * ```
 */
export function settleClose(
  pending: readonly PendingWrite[],
  error: ConnectionError | undefined,
  address: string,
  handlers: SocketHandlers,
  release?: () => void,
): void {
  const writeError = error ?? wasClosed(address);
  for (const write of pending) write.reject(writeError);
  release?.();
  if (error === undefined) queueMicrotask(() => handlers.onClose());
  else handlers.onClose(error);
}
