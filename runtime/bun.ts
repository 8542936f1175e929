/**
 * Socket adapter for Bun: {@linkcode connect} opens a TCP or TLS connection
 * with `Bun.connect` and fits it to the transport seam of `src/socket.ts`.
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
  /** TLS only: the handshake ended; `error` says why the peer is not trusted (even when `success`). */
  handshake(socket: BunSocket, success: boolean, error: Error | null): void;
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
  connectError(socket: BunSocket, error: Error): void;
}

/** `Bun.connect`'s `tls` option, as used here. */
interface BunTlsOptions {
  serverName?: string;
  ca?: string;
  cert?: string;
  key?: string;
  passphrase?: string;
  rejectUnauthorized: boolean;
}

/** The part of the `Bun` namespace used here. */
interface BunNamespace {
  connect(options: {
    hostname: string;
    port: number;
    allowHalfOpen: boolean;
    tls?: BunTlsOptions;
    socket: BunSocketHandler;
  }): Promise<BunSocket>;
}

/**
 * Bun's code for a certificate that does not name the host. `Bun.connect`
 * has no `checkServerIdentity`: with the host-name check off, it runs with
 * `rejectUnauthorized: false` and the `handshake` handler rejects every
 * other verification error itself.
 */
const NAME_MISMATCH = "ERR_TLS_CERT_ALTNAME_INVALID";

/**
 * Opens a TCP connection with `Bun.connect` (with `options.tls`: a TLS one)
 * and sets `TCP_NODELAY`.
 *
 * - Rejects with a `TimeoutError` after `connectTimeoutMs` (with TLS the
 *   handshake counts), with a `ConnectionError` if the connection is refused
 *   or unreachable, and with a `TlsError` if the handshake fails (untrusted
 *   certificate, wrong host name). `onClose` is only ever called for a
 *   connection that opened.
 * - TLS: SNI is the broker's host name, the chain is always verified, the
 *   host name unless `tls.verifyHostname` is false; the key may be
 *   encrypted (`tls.keyPassword`).
 * - `write` resolves when the whole chunk was taken by the kernel (Bun keeps
 *   no reference to it); writes go out in call order.
 * - `onClose` is called once: without an error after `close()` (from a
 *   microtask, never inside `close()`), with a `ConnectionError` when the
 *   broker closed the connection, it was reset or failed, or `onData` threw
 *   (a `TlsError` when TLS fails before the broker's first bytes: a
 *   TLS 1.3 broker rejects a client certificate only after the handshake).
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
export const connect: Connect = async (options, handlers): Promise<Socket> => {
  const tls = options.tls ?? null;
  const settings = tls === null ? undefined : tlsSettings(tls, await trustedCa(tls, options), options);
  return open(options, settings, handlers);
};

/** `Bun.connect`'s `tls` option for `tls` (`ca`: the trusted CAs already read). */
function tlsSettings(tls: TlsOptions, ca: string | null, options: SocketOptions): BunTlsOptions {
  const name = serverName(options.host);
  return {
    ...(name === undefined ? {} : { serverName: name }),
    rejectUnauthorized: tls.verifyHostname,
    ...(ca === null ? {} : { ca }),
    ...(tls.cert === null ? {} : { cert: tls.cert }),
    ...(tls.key === null ? {} : { key: tls.key.value() }),
    ...(tls.keyPassword === null ? {} : { passphrase: tls.keyPassword.value() }),
  };
}

function open(options: SocketOptions, tls: BunTlsOptions | undefined, handlers: SocketHandlers): Promise<Socket> {
  const address = formatAddress(options);
  return new Promise<Socket>((resolve, reject) => {
    /** Whether the promise settled (a late success or failure is then ignored). */
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      socket.abandon();
      reject(timedOut(address, options.connectTimeoutMs));
    }, options.connectTimeoutMs);
    const fail = (error: ConnectionError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.abandon();
      reject(error);
    };
    const succeed = () => {
      if (settled) return; // timed out: the `open` handler closed it
      settled = true;
      clearTimeout(timer);
      resolve(socket);
    };
    const socket = new BunTcpSocket(options, tls, handlers, { succeed, fail });
    let attempt: Promise<BunSocket>;
    try {
      const bun = (globalThis as unknown as { Bun: BunNamespace }).Bun;
      attempt = bun.connect({
        hostname: options.host,
        port: options.port,
        allowHalfOpen: false,
        ...(tls === undefined ? {} : { tls }),
        socket: socket.bunHandler,
      });
    } catch (error) {
      // A port out of range; or key material Bun cannot parse.
      fail(tls !== undefined && isTlsFailure(error) ? tlsFailed(options, error) : failed(address, error));
      return;
    }
    attempt.then((raw) => {
      raw.setNoDelay?.(true);
      if (tls === undefined) socket.opened(); // TLS: the `handshake` handler decides
    }, (error) => fail(tls !== undefined && isTlsFailure(error) ? tlsFailed(options, error) : failed(address, error)));
  });
}

/** How a {@linkcode BunTcpSocket} ends its connect attempt. */
interface Attempt {
  /** The connection is ready (TCP open; with TLS, the handshake passed). */
  succeed(): void;
  /** It failed before it was ready. */
  fail(error: ConnectionError): void;
}

class BunTcpSocket implements Socket {
  /** Where it connects, for error messages. */
  readonly #options: SocketOptions;
  /** `host:port`, for error messages. */
  readonly #address: string;
  readonly #handlers: SocketHandlers;
  /** The TLS settings; undefined for plain TCP. */
  readonly #tls: BunTlsOptions | undefined;
  /**
   * The connect attempt, until it succeeded or failed: until then failures
   * go to it, never to `onClose`.
   */
  #attempt: Attempt | null;
  /**
   * Whether a TLS failure is still the handshake's: TLS and no bytes from
   * the broker yet (a TLS 1.3 broker refuses a client certificate only
   * after the client finished). Cleared by the first data.
   */
  #tlsSetup: boolean;
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
    handshake: (_raw, success, error) => {
      const attempt = this.#attempt;
      if (attempt === null || this.#closed) return;
      // `success` is false on any verification error; with the host-name
      // check off (`rejectUnauthorized: false`) only a name mismatch passes.
      const trusted = success ||
        (this.#tls?.rejectUnauthorized === false && (error as { code?: unknown } | null)?.code === NAME_MISMATCH);
      if (trusted) {
        this.opened();
      } else {
        attempt.fail(tlsFailed(this.#options, error ?? new Error("The TLS handshake failed")));
      }
    },
    data: (_raw, data) => {
      if (this.#closed) return;
      this.#tlsSetup = false;
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
      this.#finish(error ? this.#broken(error) : closedByPeer(this.#address));
    },
    error: (_raw, error) => {
      if (!this.#closed) this.#finish(this.#broken(error));
    },
    // The `Bun.connect` promise rejects too; handling it here keeps Bun
    // from also reporting an unhandled rejection.
    connectError: () => {},
  };

  constructor(options: SocketOptions, tls: BunTlsOptions | undefined, handlers: SocketHandlers, attempt: Attempt) {
    this.#options = options;
    this.#address = formatAddress(options);
    this.#tls = tls;
    this.#tlsSetup = tls !== undefined;
    this.#handlers = handlers;
    this.#attempt = attempt;
  }

  /** The error for a runtime failure: TLS ones during setup are a `TlsError`. */
  #broken(error: unknown): ConnectionError {
    return this.#tlsSetup && isTlsFailure(error) ? tlsFailed(this.#options, error) : failed(this.#address, error);
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

  /** The connection is ready (TCP open; with TLS, the handshake passed): the attempt succeeds. */
  opened(): void {
    const attempt = this.#attempt;
    this.#attempt = null;
    attempt?.succeed();
  }

  /** Ends a connect attempt that failed or timed out: close it, now or once it opens. */
  abandon(): void {
    this.#attempt = null;
    this.#closed = true;
    try {
      this.#raw?.end();
    } catch {
      // Already closed by Bun after an error: nothing left to release.
    }
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
    const attempt = this.#attempt;
    if (attempt !== null) {
      // Not ready yet (TLS handshake under way): the connect attempt fails instead.
      attempt.fail(error ?? closedByPeer(this.#address));
      return;
    }
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
 * Bun's platform: sockets (plain and TLS) through {@linkcode connect}, gzip
 * and zstd through `node:zlib` (snappy and lz4: the core's). `mod.ts`
 * registers it as the default on Bun; pass it as the `platform` option to
 * choose it explicitly.
 *
 * @example Usage
 * ```ts
 * import { platform } from "@edgekafka/producer/bun";
 * console.assert(platform.name === "bun" && platform.codecs?.gzip !== undefined);
 * ```
 */
export const platform: Platform = Object.freeze({ name: "bun", connect, codecs: zlibCodecs, yieldToEventLoop: yieldFor("bun"), wasmCrc32c });
