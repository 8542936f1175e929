/**
 * Socket adapter for Deno: {@linkcode connect} opens a TCP connection with
 * `Deno.connect` (TLS: upgraded with `Deno.startTls`, or opened with
 * `Deno.connectTls` for a client certificate) and fits it to the transport
 * seam of `src/socket.ts`.
 *
 * Why it is shaped this way:
 * - A TLS connection in Deno has no `setNoDelay`, so TLS starts on a TCP
 *   connection that already has `TCP_NODELAY` (`Deno.startTls`). Only
 *   `Deno.connectTls` takes a client certificate, though (`startTls`
 *   ignores one), so mTLS connections use it, with Deno's own socket
 *   options. Deno cannot use an encrypted private key.
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
import { isTlsFailure, tlsFailed, trustedCa } from "./tls.ts";
import { yieldFor } from "./yield.ts";
import { wasmCrc32c } from "./wasm_crc32c.ts";
import { zlibCodecs } from "./zlib.ts";

/** The part of `Deno.Conn` used here (tsc has no Deno lib, so declared locally). */
interface DenoConn {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
}

/** The part of `Deno.TcpConn` used here. */
interface DenoTcpConn extends DenoConn {
  setNoDelay(noDelay?: boolean): void;
}

/** The part of `Deno.TlsConn` used here. */
interface DenoTlsConn extends DenoConn {
  handshake(): Promise<unknown>;
}

/** The TLS options of `Deno.startTls` and `Deno.connectTls`, as used here. */
interface DenoTlsOptions {
  hostname: string;
  caCerts?: string[];
  unsafelyDisableHostnameVerification: boolean;
}

/** The part of the `Deno` namespace used here. */
interface DenoNamespace {
  connect(options: {
    hostname: string;
    port: number;
    transport: "tcp";
    signal?: AbortSignal;
  }): Promise<DenoTcpConn>;
  startTls(conn: DenoTcpConn, options: DenoTlsOptions): Promise<DenoTlsConn>;
  connectTls(options: DenoTlsOptions & { port: number; cert?: string; key?: string }): Promise<DenoTlsConn>;
}

/**
 * Size of the reused read buffer. Kafka responses to a producer are small;
 * 64 KiB takes a whole loopback segment burst in one read.
 */
const READ_BUFFER_SIZE = 64 * 1024;

/**
 * Opens a TCP connection with `Deno.connect` and sets `TCP_NODELAY`; with
 * `options.tls`, then runs TLS over it with `Deno.startTls` — or, with a
 * client certificate, opens the connection with `Deno.connectTls`.
 *
 * - Rejects with a `TimeoutError` after `connectTimeoutMs` (the attempt is
 *   aborted; with TLS the handshake counts), with a `ConnectionError` if the
 *   connection is refused or unreachable, and with a `TlsError` if the
 *   handshake fails (untrusted certificate, wrong host name) or the key is
 *   encrypted (`tls.keyPassword`: Deno cannot decrypt keys). `onClose` is
 *   only ever called for a connection that opened.
 * - TLS: the broker's host is the SNI name (host names only) and the name
 *   checked, unless `tls.verifyHostname` is false; the chain is always
 *   verified, against `tls.ca` in addition to Deno's default roots.
 * - `write` resolves when the whole chunk was handed to the kernel (Deno no
 *   longer holds it); writes go out in call order, one at a time.
 * - `onData` receives a view of a reused buffer: copy what you keep.
 * - `onClose` is called once: without an error after `close()` (from a
 *   microtask, never inside `close()`), with a `ConnectionError` when the
 *   broker closed the connection, it was reset or failed, or `onData` threw
 *   (a `TlsError` when TLS fails before the broker's first bytes: a
 *   TLS 1.3 broker rejects a client certificate only after the handshake).
 *   Writes that are pending then reject with a `ConnectionError`.
 *
 * Needs `--allow-net` for the broker address, and `--allow-read` for a
 * `tls.caFile`.
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
export const connect: Connect = async (options, handlers): Promise<Socket> => {
  const address = formatAddress(options);
  const tls = options.tls ?? null;
  if (tls !== null) return new DenoSocket(await openTls(options, tls), options, true, handlers);
  const conn = await open(options, address);
  try {
    conn.setNoDelay(true);
  } catch (error) {
    conn.close();
    throw failed(address, error);
  }
  return new DenoSocket(conn, options, false, handlers);
};

async function open(options: SocketOptions, address: string, deadline?: AbortSignal): Promise<DenoTcpConn> {
  const deno = (globalThis as unknown as { Deno: DenoNamespace }).Deno;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.connectTimeoutMs);
  const onDeadline = () => abort.abort();
  deadline?.addEventListener("abort", onDeadline);
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
    deadline?.removeEventListener("abort", onDeadline);
  }
  // The abort raced a successful connect: the signal may close the
  // connection, and the caller was promised a timeout anyway.
  if (abort.signal.aborted) {
    closeQuietly(conn);
    throw timedOut(address, options.connectTimeoutMs);
  }
  return conn;
}

/** Opens a TLS connection and completes its handshake, all within `connectTimeoutMs`. */
async function openTls(options: SocketOptions, tls: TlsOptions): Promise<DenoTlsConn> {
  const deno = (globalThis as unknown as { Deno: DenoNamespace }).Deno;
  const address = formatAddress(options);
  if (tls.keyPassword !== null) {
    throw tlsFailed(options, undefined,
      "Deno cannot use an encrypted private key (ssl.key.password): give ssl.keystore.key unencrypted");
  }
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.connectTimeoutMs);
  /** The connection while its handshake runs, to close it on a timeout. */
  let pending: DenoConn | null = null;
  const timeout = new Promise<never>((_, reject) => {
    deadline.signal.addEventListener("abort", () => {
      if (pending !== null) closeQuietly(pending);
      reject(timedOut(address, options.connectTimeoutMs));
    });
  });
  timeout.catch(() => {}); // raced below; a timeout after success is no one's concern
  try {
    const ca = await Promise.race([trustedCa(tls, options), timeout]);
    const settings: DenoTlsOptions = {
      hostname: options.host,
      ...(ca === null ? {} : { caCerts: [ca] }),
      unsafelyDisableHostnameVerification: !tls.verifyHostname,
    };
    let conn: DenoTlsConn;
    if (tls.cert !== null && tls.key !== null) {
      const attempt = deno.connectTls({ ...settings, port: options.port, cert: tls.cert, key: tls.key.value() });
      // A connection that opens after the timeout is closed at once.
      attempt.then((c) => (deadline.signal.aborted ? closeQuietly(c) : (pending = c)), () => {});
      try {
        conn = await Promise.race([attempt, timeout]);
      } catch (error) {
        if (deadline.signal.aborted) throw timedOut(address, options.connectTimeoutMs);
        throw isTlsFailure(error) ? tlsFailed(options, error) : failed(address, error);
      }
    } else {
      const tcp = await open(options, address, deadline.signal);
      pending = tcp;
      try {
        tcp.setNoDelay(true);
        conn = await deno.startTls(tcp, settings);
      } catch (error) {
        closeQuietly(tcp);
        if (deadline.signal.aborted) throw timedOut(address, options.connectTimeoutMs);
        throw tlsFailed(options, error);
      }
    }
    pending = conn;
    try {
      await Promise.race([conn.handshake(), timeout]);
    } catch (error) {
      closeQuietly(conn);
      if (deadline.signal.aborted) throw timedOut(address, options.connectTimeoutMs);
      throw tlsFailed(options, error);
    }
    return conn;
  } finally {
    clearTimeout(timer);
  }
}

class DenoSocket implements Socket {
  readonly #conn: DenoConn;
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
  /** Writes not yet settled, oldest first; only the head is being written. */
  #queue: PendingWrite[] = [];

  constructor(conn: DenoConn, options: SocketOptions, tls: boolean, handlers: SocketHandlers) {
    this.#conn = conn;
    this.#options = options;
    this.#address = formatAddress(options);
    this.#tlsSetup = tls;
    this.#handlers = handlers;
    void this.#readLoop();
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
        if (!this.#closed) this.#finish(this.#broken(error));
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
        if (!this.#closed) this.#finish(this.#broken(error));
        return;
      }
      if (this.#closed) return;
      if (n === null) {
        this.#finish(closedByPeer(this.#address));
        return;
      }
      this.#tlsSetup = false;
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

function closeQuietly(conn: DenoConn): void {
  try {
    conn.close();
  } catch {
    // Already closed by Deno after an error: nothing left to release.
  }
}

/**
 * Deno's platform: sockets (plain and TLS) through {@linkcode connect}, gzip
 * and zstd through `node:zlib` (snappy and lz4: the core's). `mod.ts`
 * registers it as the default on Deno; pass it as the `platform` option to
 * choose it explicitly.
 *
 * @example Usage
 * ```ts
 * import { platform } from "@edgekafka/producer/deno";
 * console.assert(platform.name === "deno" && platform.codecs?.gzip !== undefined);
 * ```
 */
export const platform: Platform = Object.freeze({ name: "deno", connect, codecs: zlibCodecs, yieldToEventLoop: yieldFor("deno"), wasmCrc32c });
