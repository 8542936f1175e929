/**
 * Socket adapter for Bun: {@linkcode connect} opens a TCP connection with
 * `Bun.connect` and fits it to the transport seam of `src/socket.ts`.
 *
 * Why it is shaped this way:
 * - Bun's `socket.write` is unbuffered: it returns how many bytes the kernel
 *   took, possibly fewer than given under backpressure, and keeps nothing.
 *   The adapter keeps the unwritten remainder (a `subarray`, no copy) and
 *   writes it again when Bun reports `drain`; a `write` resolves only once
 *   its last byte was taken.
 * - `binaryType: "uint8array"` makes `data` hand over plain `Uint8Array`s
 *   (Bun 1.4 allocates a fresh one per event; the seam lets it reuse them).
 * - `Bun.connect` cannot be cancelled (no timeout or signal option, and no
 *   socket object before `open`). On timeout the adapter rejects at once and
 *   closes the socket if the attempt opens later; until the kernel gives up
 *   (about 2 minutes with Linux's `tcp_syn_retries=6`) the attempt keeps
 *   Bun's event loop alive. Bun's `node:net` can cancel: `./node.ts` runs on
 *   Bun too.
 *
 * @module
 */

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
 * The part of Bun's `Socket` used here. Declared locally so that the Node
 * build of `dist/`, which has no Bun types, compiles this file too.
 */
interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  setNoDelay?(noDelay?: boolean): boolean;
}

/** The socket handlers `Bun.connect` calls, as used here. */
interface BunSocketHandler {
  binaryType: "uint8array";
  open(socket: BunSocket): void;
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
  connectError(socket: BunSocket, error: Error): void;
}

/** The part of the `Bun` namespace used here. */
interface BunNamespace {
  connect(options: {
    hostname: string;
    port: number;
    allowHalfOpen: boolean;
    socket: BunSocketHandler;
  }): Promise<BunSocket>;
}

/**
 * Opens a TCP connection with `Bun.connect` and sets `TCP_NODELAY`.
 *
 * - Rejects with a `TimeoutError` after `connectTimeoutMs` and with a
 *   `ConnectionError` if the connection is refused or unreachable.
 *   `onClose` is only ever called for a connection that opened.
 * - `write` resolves when the whole chunk was taken by the kernel (Bun keeps
 *   no reference to it); writes go out in call order.
 * - `onClose` is called once: without an error after `close()` (from a
 *   microtask, never inside `close()`), with a `ConnectionError` when the
 *   broker closed the connection, it was reset or failed, or `onData` threw.
 *   Writes that are pending then reject with a `ConnectionError`.
 *
 * @example Connect to a broker and send bytes
 * ```ts ignore
 * import { connect } from "@edgekafka/producer/bun";
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
  const socket = new BunTcpSocket(address, handlers);
  return new Promise<Socket>((resolve, reject) => {
    /** Whether the promise settled (a late success or failure is then ignored). */
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      socket.abandon();
      reject(timedOut(address, options.connectTimeoutMs));
    }, options.connectTimeoutMs);
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(failed(address, error));
    };
    let attempt: Promise<BunSocket>;
    try {
      const bun = (globalThis as unknown as { Bun: BunNamespace }).Bun;
      attempt = bun.connect({
        hostname: options.host,
        port: options.port,
        allowHalfOpen: false,
        socket: socket.bunHandler,
      });
    } catch (error) {
      fail(error); // e.g. a port out of range
      return;
    }
    attempt.then((raw) => {
      if (settled) return; // timed out: the `open` handler closed it
      settled = true;
      clearTimeout(timer);
      raw.setNoDelay?.(true);
      resolve(socket);
    }, fail);
  });
};

class BunTcpSocket implements Socket {
  /** `host:port`, for error messages. */
  readonly #address: string;
  readonly #handlers: SocketHandlers;
  /** Bun's socket, set by the `open` handler (before `Bun.connect` resolves). */
  #raw: BunSocket | undefined;
  /**
   * Set once, when the socket closes for any reason or the connect attempt
   * timed out. Guards every callback (nothing reaches the handlers
   * afterwards) and makes `write` reject.
   */
  #closed = false;
  /** Writes not yet settled, oldest first; only the head is partly written. */
  #queue: PendingWrite[] = [];

  /** The handlers given to `Bun.connect`; each forwards to this socket. */
  readonly bunHandler: BunSocketHandler = {
    binaryType: "uint8array",
    open: (raw) => {
      this.#raw = raw;
      if (this.#closed) raw.end(); // the connect attempt timed out before
    },
    data: (_raw, data) => {
      if (this.#closed) return;
      try {
        this.#handlers.onData(data);
      } catch (error) {
        if (!this.#closed) this.#finish(handlerThrew(this.#address, error));
      }
    },
    drain: () => this.#flush(),
    end: () => {
      if (!this.#closed) this.#finish(closedByPeer(this.#address));
    },
    close: (_raw, error) => {
      if (this.#closed) return;
      this.#finish(error ? failed(this.#address, error) : closedByPeer(this.#address));
    },
    error: (_raw, error) => {
      if (!this.#closed) this.#finish(failed(this.#address, error));
    },
    // The `Bun.connect` promise rejects too; handling it here keeps Bun
    // from also reporting an unhandled rejection.
    connectError: () => {},
  };

  constructor(address: string, handlers: SocketHandlers) {
    this.#address = address;
    this.#handlers = handlers;
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(wasClosed(this.#address));
    if (chunk.byteLength === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#queue.push({ chunk, resolve, reject });
      if (this.#queue.length === 1) this.#flush();
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#finish(undefined);
  }

  /** Marks a connect attempt that timed out: close it if it still opens. */
  abandon(): void {
    this.#closed = true;
    this.#raw?.end();
  }

  /** Writes queued chunks until the kernel takes less than offered. */
  #flush(): void {
    const raw = this.#raw;
    if (raw === undefined || this.#closed) return;
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      const n = raw.write(head.chunk);
      if (this.#closed) return; // Bun ran `close` from inside `write`
      if (n < 0) {
        // Closed or shutting down; Bun's `close` may not have run yet.
        this.#finish(wasClosed(this.#address));
        return;
      }
      if (n < head.chunk.byteLength) {
        // Backpressure: keep the rest (a view, no copy) until `drain`.
        head.chunk = head.chunk.subarray(n);
        return;
      }
      this.#queue.shift();
      head.resolve();
    }
  }

  /** Closes the connection once, rejects pending writes and reports to `onClose`. */
  #finish(error: ConnectionError | undefined): void {
    this.#closed = true;
    // `end()` sends FIN after what the kernel holds (Bun itself buffers
    // nothing); `terminate()` would reset and drop written bytes.
    try {
      this.#raw?.end();
    } catch {
      // Already closed by Bun after an error: nothing left to release.
    }
    const pending = this.#queue;
    this.#queue = [];
    settleClose(pending, error, this.#address, this.#handlers);
  }
}

/**
 * Bun's platform: sockets through {@linkcode connect}, gzip through
 * `node:zlib`. `mod.ts` registers it as the default on Bun; pass it as the
 * `platform` option to choose it explicitly.
 *
 * @example Usage
 * ```ts
 * import { platform } from "@edgekafka/producer/bun";
 * console.assert(platform.name === "bun" && platform.codecs?.gzip !== undefined);
 * ```
 */
export const platform: Platform = Object.freeze({ name: "bun", connect, codecs: zlibCodecs });
