/**
 * Socket adapter for Node.js: {@linkcode connect} opens a TCP connection with
 * `node:net` and fits it to the transport seam of `src/socket.ts`. It also
 * runs on Bun and Deno through their `node:net` implementations.
 *
 * Why it is shaped this way:
 * - Node buffers writes in user space. A `write` resolves in Node's write
 *   callback, the point where libuv handed the bytes to the kernel and Node
 *   dropped its reference, so the caller may then reuse the memory.
 * - When `socket.write` returns `false` (Node's buffer is above its high
 *   water mark), further writes wait in this adapter's queue for `'drain'`
 *   instead of piling up inside Node.
 * - `onData` gets a plain `Uint8Array` view of Node's `Buffer`: a `Buffer`'s
 *   `slice()` does not copy, which would break callers that copy with
 *   `chunk.slice()` as the seam tells them to.
 *
 * @module
 */

import { createConnection, type Socket as NetSocket } from "node:net";
import type { Connect, Socket, SocketHandlers } from "../src/socket.ts";
import type { ConnectionError } from "../src/errors.ts";
import {
  closedByPeer,
  failed,
  formatAddress,
  handlerThrew,
  type PendingWrite,
  settleClose,
  timedOut,
  wasClosed,
} from "./socket_errors.ts";
import type { Platform } from "../src/platform.ts";
import { zlibCodecs } from "./zlib.ts";

/**
 * Opens a TCP connection with `net.createConnection` and sets `TCP_NODELAY`.
 *
 * - Rejects with a `TimeoutError` after `connectTimeoutMs` (the attempt is
 *   destroyed) and with a `ConnectionError` if the connection is refused or
 *   unreachable. `onClose` is only ever called for a connection that opened.
 * - `write` resolves when Node no longer needs the chunk (its write
 *   callback); writes go out in call order.
 * - `onClose` is called once: without an error after `close()` (from a
 *   microtask, never inside `close()`), with a `ConnectionError` when the
 *   broker closed the connection, it was reset or failed, or `onData` threw.
 *   Writes that are pending then reject with a `ConnectionError`.
 *
 * @example Connect to a broker and send bytes
 * ```ts ignore
 * import { connect } from "@edgekafka/producer/node";
 * const socket = await connect({ host: "127.0.0.1", port: 9092, connectTimeoutMs: 10_000 }, {
 *   onData: (chunk) => console.log(`received ${chunk.byteLength} bytes`),
 *   onClose: (error) => console.log("closed", error?.message),
 * });
 * await socket.write(new Uint8Array([0, 0, 0, 0]));
 * socket.close();
 * ```
 */
export const connect: Connect = (options, handlers) => {
  const address = formatAddress(options);
  return new Promise<Socket>((resolve, reject) => {
    let raw: NetSocket;
    try {
      raw = createConnection({ host: options.host, port: options.port, noDelay: true });
    } catch (error) {
      reject(failed(address, error)); // e.g. a port out of range
      return;
    }
    const settle = () => {
      clearTimeout(timer);
      raw.off("connect", onConnect);
      raw.off("error", onError);
    };
    const onConnect = () => {
      settle();
      raw.setNoDelay(true);
      resolve(new NodeSocket(raw, address, handlers));
    };
    const onError = (error: Error) => {
      settle();
      raw.on("error", () => {}); // the attempt is over: ignore stragglers
      raw.destroy();
      reject(failed(address, error));
    };
    const timer = setTimeout(() => {
      settle();
      raw.on("error", () => {}); // nothing may surface after the timeout
      raw.destroy();
      reject(timedOut(address, options.connectTimeoutMs));
    }, options.connectTimeoutMs);
    raw.once("connect", onConnect);
    raw.once("error", onError);
  });
};

class NodeSocket implements Socket {
  readonly #raw: NetSocket;
  /** `host:port`, for error messages. */
  readonly #address: string;
  readonly #handlers: SocketHandlers;
  /**
   * Set once, when the socket closes for any reason. Guards every callback
   * (nothing reaches the handlers afterwards) and makes `write` reject.
   */
  #closed = false;
  /** Whether Node's write buffer is full: new writes queue in `#waiting`. */
  #needDrain = false;
  /** Writes held back until `'drain'`, oldest first. */
  #waiting: PendingWrite[] = [];
  /** Writes handed to Node whose callbacks have not run yet. */
  #inFlight = new Set<PendingWrite>();

  constructor(raw: NetSocket, address: string, handlers: SocketHandlers) {
    this.#raw = raw;
    this.#address = address;
    this.#handlers = handlers;
    raw.on("data", (data: Uint8Array) => this.#onData(data));
    raw.on("drain", () => this.#onDrain());
    raw.on("end", () => this.#finish(closedByPeer(address)));
    raw.on("error", (error) => this.#finish(failed(address, error)));
    raw.on("close", () => this.#finish(closedByPeer(address)));
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(wasClosed(this.#address));
    if (chunk.byteLength === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const write = { chunk, resolve, reject };
      if (this.#needDrain) this.#waiting.push(write);
      else this.#send(write);
    });
  }

  close(): void {
    this.#finish(undefined);
  }

  #send(write: PendingWrite): void {
    this.#inFlight.add(write);
    const accepted = this.#raw.write(write.chunk, (error) => {
      // Not in the set: `#finish` rejected it already (Node then reports
      // ECANCELED or "Socket is closed" here, which says less).
      if (!this.#inFlight.delete(write)) return;
      if (error) write.reject(failed(this.#address, error));
      else write.resolve();
    });
    if (!accepted) this.#needDrain = true;
  }

  #onDrain(): void {
    this.#needDrain = false;
    while (!this.#needDrain && !this.#closed && this.#waiting.length > 0) {
      this.#send(this.#waiting.shift()!);
    }
  }

  #onData(data: Uint8Array): void {
    if (this.#closed) return;
    try {
      this.#handlers.onData(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch (error) {
      this.#finish(handlerThrew(this.#address, error));
    }
  }

  /** Closes the connection once, rejects pending writes and reports to `onClose`. */
  #finish(error: ConnectionError | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    const pending = [...this.#inFlight, ...this.#waiting];
    this.#inFlight.clear();
    this.#waiting = [];
    // The kernel still sends what it holds, then FIN; Node's own unsent
    // buffer is dropped (those writes were rejected first).
    settleClose(pending, error, this.#address, this.#handlers, () => this.#raw.destroy());
  }
}

/**
 * Node.js's platform: sockets through {@linkcode connect}, gzip through
 * `node:zlib`. `mod.ts` registers it as the default on Node.js; pass it as the
 * `platform` option to choose it explicitly.
 *
 * @example Usage
 * ```ts
 * import { platform } from "@edgekafka/producer/node";
 * console.assert(platform.name === "node" && platform.codecs?.gzip !== undefined);
 * ```
 */
export const platform: Platform = Object.freeze({ name: "node", connect, codecs: zlibCodecs });
