/**
 * Socket adapter for Node.js: {@linkcode connect} opens a TCP connection with
 * `node:net`, or a TLS one with `node:tls` when the options carry `tls`, and
 * fits it to the transport seam of `src/socket.ts`. It also runs on Bun and
 * Deno through their `node:net` and `node:tls` implementations.
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
import { connect as connectTls, type ConnectionOptions as TlsConnectionOptions } from "node:tls";
import type { Connect, Socket, SocketHandlers, SocketOptions, TlsOptions } from "../src/socket.ts";
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
import { isTlsFailure, serverName, tlsFailed, trustedCa } from "./tls.ts";
import { yieldFor } from "./yield.ts";
import { wasmCrc32c } from "./wasm_crc32c.ts";
import { zlibCodecs } from "./zlib.ts";

/**
 * Opens a TCP connection with `net.createConnection` (with `options.tls`: a
 * TLS one with `tls.connect`) and sets `TCP_NODELAY`.
 *
 * - Rejects with a `TimeoutError` after `connectTimeoutMs` (the attempt is
 *   destroyed; with TLS the handshake counts), with a `ConnectionError` if
 *   the connection is refused or unreachable, and with a `TlsError` if the
 *   handshake fails (untrusted certificate, wrong host name). `onClose` is
 *   only ever called for a connection that opened.
 * - TLS: SNI is the broker's host name, the chain is always verified, the
 *   host name unless `tls.verifyHostname` is false; the key may be
 *   encrypted (`tls.keyPassword`).
 * - `write` resolves when Node no longer needs the chunk (its write
 *   callback); writes go out in call order.
 * - `onClose` is called once: without an error after `close()` (from a
 *   microtask, never inside `close()`), with a `ConnectionError` when the
 *   broker closed the connection, it was reset or failed, or `onData` threw
 *   (a `TlsError` when TLS fails before the broker's first bytes: a
 *   TLS 1.3 broker rejects a client certificate only after the handshake).
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
export const connect: Connect = async (options, handlers): Promise<Socket> => {
  const tls = options.tls ?? null;
  const settings = tls === null ? null : tlsSettings(tls, await trustedCa(tls, options), options);
  return open(options, settings, handlers);
};

/** `tls.connect`'s options for `tls` (`ca`: the trusted CAs already read). */
function tlsSettings(tls: TlsOptions, ca: string | null, options: SocketOptions): TlsConnectionOptions {
  return {
    servername: serverName(options.host),
    rejectUnauthorized: true,
    ...(ca === null ? {} : { ca }),
    ...(tls.cert === null ? {} : { cert: tls.cert }),
    ...(tls.key === null ? {} : { key: tls.key.value() }),
    ...(tls.keyPassword === null ? {} : { passphrase: tls.keyPassword.value() }),
    // The chain is still verified; only the name check is skipped.
    ...(tls.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
  };
}

function open(options: SocketOptions, tls: TlsConnectionOptions | null, handlers: SocketHandlers): Promise<Socket> {
  const address = formatAddress(options);
  return new Promise<Socket>((resolve, reject) => {
    let raw: NetSocket;
    try {
      raw = tls === null
        ? createConnection({ host: options.host, port: options.port, noDelay: true })
        : connectTls({ ...tls, host: options.host, port: options.port });
    } catch (error) {
      // A port out of range; or key material tls.connect cannot parse.
      reject(tls === null || !isTlsFailure(error) ? failed(address, error) : tlsFailed(options, error));
      return;
    }
    raw.setNoDelay(true); // before connecting: the handshake's small records too
    const ready = tls === null ? "connect" : "secureConnect";
    const settle = () => {
      clearTimeout(timer);
      raw.off(ready, onConnect);
      raw.off("error", onError);
    };
    const onConnect = () => {
      settle();
      raw.setNoDelay(true);
      resolve(new NodeSocket(raw, options, tls !== null, handlers));
    };
    const onError = (error: Error) => {
      settle();
      raw.on("error", () => {}); // the attempt is over: ignore stragglers
      raw.destroy();
      // TCP failures (refused, unreachable) carry the syscall; the rest is the handshake's.
      const tcp = tls === null || (error as { syscall?: unknown }).syscall !== undefined;
      reject(tcp ? failed(address, error) : tlsFailed(options, error));
    };
    const timer = setTimeout(() => {
      settle();
      raw.on("error", () => {}); // nothing may surface after the timeout
      raw.destroy();
      reject(timedOut(address, options.connectTimeoutMs));
    }, options.connectTimeoutMs);
    raw.once(ready, onConnect);
    raw.once("error", onError);
  });
}

class NodeSocket implements Socket {
  readonly #raw: NetSocket;
  /** Where it is connected, for error messages. */
  readonly #options: SocketOptions;
  /** `host:port`, for error messages. */
  readonly #address: string;
  readonly #handlers: SocketHandlers;
  /**
   * Whether a TLS failure is still the handshake's: TLS and no bytes from
   * the broker yet (a TLS 1.3 broker refuses a client certificate only
   * after the client finished). Cleared by the first data.
   */
  #tlsSetup: boolean;
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

  constructor(raw: NetSocket, options: SocketOptions, tls: boolean, handlers: SocketHandlers) {
    const address = formatAddress(options);
    this.#raw = raw;
    this.#options = options;
    this.#address = address;
    this.#tlsSetup = tls;
    this.#handlers = handlers;
    raw.on("data", (data: Uint8Array) => this.#onData(data));
    raw.on("drain", () => this.#onDrain());
    raw.on("end", () => this.#finish(closedByPeer(address)));
    raw.on("error", (error) => this.#finish(this.#broken(error)));
    raw.on("close", () => this.#finish(closedByPeer(address)));
  }

  /** The error for a runtime failure: TLS ones during setup are a `TlsError`. */
  #broken(error: unknown): ConnectionError {
    return this.#tlsSetup && isTlsFailure(error) ? tlsFailed(this.#options, error) : failed(this.#address, error);
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
      if (error) write.reject(this.#broken(error));
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
    this.#tlsSetup = false;
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
 * Node.js's platform: sockets (plain and TLS) through {@linkcode connect}, gzip
 * through `node:zlib`, zstd too on Node.js 22.15 and later (snappy and lz4:
 * the core's). `mod.ts` registers it as the default on Node.js; pass it as
 * the `platform` option to choose it explicitly.
 *
 * @example Usage
 * ```ts
 * import { platform } from "@edgekafka/producer/node";
 * console.assert(platform.name === "node" && platform.codecs?.gzip !== undefined);
 * ```
 */
export const platform: Platform = Object.freeze({ name: "node", connect, codecs: zlibCodecs, yieldToEventLoop: yieldFor("node"), wasmCrc32c });
