/**
 * Socket adapter for Deno: {@linkcode connect} opens a TCP connection with
 * `Deno.connect` and fits it to the transport seam of `src/socket.ts`.
 *
 * Why it is shaped this way:
 * - Deno's `Conn.write` may write only part of a buffer, and two writes in
 *   flight at once interleave their bytes on the wire. `write` therefore
 *   queues chunks and has exactly one `Conn.write` in flight, looping until
 *   each chunk is fully written.
 * - Receiving uses `Conn.read` into one buffer that is reused for every read
 *   (no web streams: they add a copy and latency). `onData` gets a view of
 *   that buffer, valid only during the call, as the seam allows.
 *
 * @module
 */

import type { Connect, Socket, SocketHandlers, SocketOptions } from "../src/socket.ts";
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

/** The part of `Deno.TcpConn` used here (tsc has no Deno lib, so declared locally). */
interface DenoTcpConn {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
  setNoDelay(noDelay?: boolean): void;
}

/** The part of the `Deno` namespace used here. */
interface DenoNamespace {
  connect(options: {
    hostname: string;
    port: number;
    transport: "tcp";
    signal?: AbortSignal;
  }): Promise<DenoTcpConn>;
}

/**
 * Size of the reused read buffer. Kafka responses to a producer are small;
 * 64 KiB takes a whole loopback segment burst in one read.
 */
const READ_BUFFER_SIZE = 64 * 1024;

/**
 * Opens a TCP connection with `Deno.connect` and sets `TCP_NODELAY`.
 *
 * - Rejects with a `TimeoutError` after `connectTimeoutMs` (the attempt is
 *   aborted) and with a `ConnectionError` if the connection is refused or
 *   unreachable. `onClose` is only ever called for a connection that opened.
 * - `write` resolves when the whole chunk was handed to the kernel (Deno no
 *   longer holds it); writes go out in call order, one at a time.
 * - `onData` receives a view of a reused buffer: copy what you keep.
 * - `onClose` is called once: without an error after `close()` (from a
 *   microtask, never inside `close()`), with a `ConnectionError` when the
 *   broker closed the connection, it was reset or failed, or `onData` threw.
 *   Writes that are pending then reject with a `ConnectionError`.
 *
 * Needs `--allow-net` for the broker address.
 *
 * @example Connect to a broker and send bytes
 * ```ts ignore
 * import { connect } from "@edgekafka/producer/deno";
 * const socket = await connect({ host: "127.0.0.1", port: 9092, connectTimeoutMs: 10_000 }, {
 *   onData: (chunk) => console.log(`received ${chunk.byteLength} bytes`),
 *   onClose: (error) => console.log("closed", error?.message),
 * });
 * await socket.write(new Uint8Array([0, 0, 0, 0]));
 * socket.close();
 * ```
 */
export const connect: Connect = async (options, handlers) => {
  const address = formatAddress(options);
  const conn = await open(options, address);
  try {
    conn.setNoDelay(true);
  } catch (error) {
    conn.close();
    throw failed(address, error);
  }
  return new DenoSocket(conn, address, handlers);
};

async function open(options: SocketOptions, address: string): Promise<DenoTcpConn> {
  const deno = (globalThis as unknown as { Deno: DenoNamespace }).Deno;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.connectTimeoutMs);
  let conn: DenoTcpConn;
  try {
    conn = await deno.connect({
      hostname: options.host,
      port: options.port,
      transport: "tcp",
      signal: abort.signal,
    });
  } catch (error) {
    if (abort.signal.aborted) throw timedOut(address, options.connectTimeoutMs);
    throw failed(address, error);
  } finally {
    clearTimeout(timer);
  }
  // The abort raced a successful connect: the signal may close the
  // connection, and the caller was promised a timeout anyway.
  if (abort.signal.aborted) {
    closeQuietly(conn);
    throw timedOut(address, options.connectTimeoutMs);
  }
  return conn;
}

class DenoSocket implements Socket {
  readonly #conn: DenoTcpConn;
  /** `host:port`, for error messages. */
  readonly #address: string;
  readonly #handlers: SocketHandlers;
  /**
   * Set once, when the socket closes for any reason. Guards every callback
   * (nothing reaches the handlers afterwards) and makes `write` reject.
   */
  #closed = false;
  /** Writes not yet settled, oldest first; only the head is being written. */
  #queue: PendingWrite[] = [];

  constructor(conn: DenoTcpConn, address: string, handlers: SocketHandlers) {
    this.#conn = conn;
    this.#address = address;
    this.#handlers = handlers;
    void this.#readLoop();
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(wasClosed(this.#address));
    if (chunk.byteLength === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#queue.push({ chunk, resolve, reject });
      if (this.#queue.length === 1) void this.#writeLoop();
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#finish(undefined);
  }

  /** Writes the queue head until the queue is empty; one `Conn.write` at a time. */
  async #writeLoop(): Promise<void> {
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      try {
        // Partial writes are normal under backpressure: write the rest.
        while (head.chunk.byteLength > 0) {
          const n = await this.#conn.write(head.chunk);
          if (this.#closed) return; // `#finish` rejected `head` already
          if (n <= 0) throw new Error("The socket accepted no bytes");
          head.chunk = head.chunk.subarray(n);
        }
      } catch (error) {
        if (!this.#closed) this.#finish(failed(this.#address, error));
        return;
      }
      this.#queue.shift();
      head.resolve();
    }
  }

  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(READ_BUFFER_SIZE);
    for (;;) {
      let n: number | null;
      try {
        n = await this.#conn.read(buffer);
      } catch (error) {
        // After a local close the pending read fails (BadResource/Interrupted).
        if (!this.#closed) this.#finish(failed(this.#address, error));
        return;
      }
      if (this.#closed) return;
      if (n === null) {
        this.#finish(closedByPeer(this.#address));
        return;
      }
      try {
        this.#handlers.onData(buffer.subarray(0, n));
      } catch (error) {
        if (!this.#closed) this.#finish(handlerThrew(this.#address, error));
        return;
      }
      if (this.#closed) return; // onData called close()
    }
  }

  /** Closes the connection once, rejects pending writes and reports to `onClose`. */
  #finish(error: ConnectionError | undefined): void {
    this.#closed = true;
    closeQuietly(this.#conn);
    const pending = this.#queue;
    this.#queue = [];
    settleClose(pending, error, this.#address, this.#handlers);
  }
}

function closeQuietly(conn: DenoTcpConn): void {
  try {
    conn.close();
  } catch {
    // Already closed by Deno after an error: nothing left to release.
  }
}

/**
 * Deno's platform: sockets through {@linkcode connect}, gzip through
 * `node:zlib`. `mod.ts` registers it as the default on Deno; pass it as the
 * `platform` option to choose it explicitly.
 *
 * @example Usage
 * ```ts
 * import { platform } from "@edgekafka/producer/deno";
 * console.assert(platform.name === "deno" && platform.codecs?.gzip !== undefined);
 * ```
 */
export const platform: Platform = Object.freeze({ name: "deno", connect, codecs: zlibCodecs });
