/**
 * Socket adapter for Cloudflare Workers (and `workerd`): {@linkcode connect}
 * opens a TCP or TLS connection with `connect()` of `cloudflare:sockets` and
 * fits it to the transport seam of `src/socket.ts`.
 *
 * Why it is shaped this way:
 * - `cloudflare:sockets` exists only inside Workers, so it is loaded with a
 *   dynamic `import()` at the first connect: this module loads anywhere
 *   (bundlers keep `cloudflare:*` external), and {@linkcode cloudflareConnect}
 *   takes any function of that shape (tests pass a fake).
 * - A socket is two web streams. Reads run in one loop over the readable's
 *   reader; each `write` first awaits `writer.ready` (the writable's
 *   backpressure: it resolves once the queue has room) and resolves when the
 *   chunk was handed to the network, so the core may reuse its memory.
 * - TLS (`secureTransport: "on"`) trusts what the runtime trusts: on
 *   Cloudflare the public roots, in `workerd` the network service's
 *   `tlsOptions` (`trustedCertificates`). `connect()` takes no CA, client
 *   certificate or host-name switch, so settings that need one are refused
 *   with a `TlsError` naming the key instead of being ignored. workerd rejects
 *   `opened` with the same words for a refused port and a refused
 *   certificate, so after a TLS `opened` fails the adapter tries a plain TCP
 *   connection (closed at once): if it opens, the failure is a `TlsError`,
 *   else a retriable `ConnectionError`. A failure after `opened` and before
 *   the broker's first bytes (a TLS 1.3 broker refusing the missing client
 *   certificate) is a `TlsError` too.
 * - Workers allow six simultaneous outgoing connections per request: the
 *   platform says so (`maxConnections`), and the producer's `max.connections`
 *   defaults to it. Workers forbid compiling WebAssembly from bytes: the
 *   platform has no `wasmCrc32c` (the server adapters' `hash-wasm`), and the
 *   core checksums batches with its TypeScript CRC-32C.
 *
 * @module
 */

import type { Connect, Socket, SocketHandlers, SocketOptions, TlsOptions } from "../src/socket.ts";
import { type ConnectionError, TimeoutError, TlsError } from "../src/errors.ts";
import type { Platform, PlatformCodecs } from "../src/platform.ts";
import {
  closedByPeer,
  describeError,
  failed,
  formatAddress,
  handlerThrew,
  type PendingWrite,
  settleClose,
  timedOut,
  wasClosed,
} from "./socket_errors.ts";

/** The part of a web stream reader used here (declared so Bun's and Node's stream types both fit). */
export interface CloudflareReader {
  read(): Promise<{ done: boolean; value?: Uint8Array | undefined }>;
  cancel(): Promise<void>;
}

/** The part of a web stream writer used here. */
export interface CloudflareWriter {
  /** Resolves once the stream's queue has room (backpressure). */
  readonly ready: Promise<unknown>;
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** The part of a `cloudflare:sockets` socket used here. */
export interface CloudflareSocket {
  readonly readable: { getReader(): CloudflareReader };
  readonly writable: { getWriter(): CloudflareWriter };
  /** Resolves once the TCP connection is up; rejects if it could not be opened. */
  readonly opened: Promise<unknown>;
  /** Resolves (or rejects with the error) once the socket is closed. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/** `connect()` of `cloudflare:sockets`, as used here. */
export type CloudflareSocketConnect = (
  address: { hostname: string; port: number },
  options: { secureTransport: "off" | "on"; allowHalfOpen: boolean },
) => CloudflareSocket;

/** Workers' cap on simultaneous outgoing connections of one request. */
export const WORKERS_MAX_CONNECTIONS = 6;

/**
 * Workers' codecs: none of their own that compress synchronously (their
 * `CompressionStream` is asynchronous, and without `nodejs_compat` there is
 * no `node:zlib`), so the `ConfigError` for a codec says so and names the
 * import: gzip, snappy, lz4 and zstd come from `@edgekafka/producer/codecs`.
 */
export const WORKERS_CODECS: PlatformCodecs = Object.freeze({
  missing: Object.freeze({
    gzip: "Cloudflare Workers have no synchronous gzip",
    snappy: "Cloudflare Workers have no snappy",
    lz4: "Cloudflare Workers have no lz4",
    zstd: "Cloudflare Workers have no zstd",
  }),
});

/** Workers' socket module, named at run time (see {@linkcode runtimeConnect}). */
const SOCKETS_MODULE = ["cloudflare", "sockets"].join(":");

/** `cloudflare:sockets`' `connect`, once imported. */
let sockets: Promise<CloudflareSocketConnect> | undefined;

function runtimeConnect(): Promise<CloudflareSocketConnect> {
  // A computed specifier, which no bundler follows: a bundle of this module
  // for any target builds without marking `cloudflare:sockets` external, and
  // workerd resolves its built-in module at run time all the same.
  sockets ??= import(SOCKETS_MODULE).then((m: { connect: CloudflareSocketConnect }) => m.connect);
  return sockets;
}

/**
 * A {@linkcode Connect} over `open` (`connect()` of `cloudflare:sockets`, or
 * a stand-in with its shape).
 *
 * - Rejects with a `TimeoutError` after `connectTimeoutMs`, a
 *   `ConnectionError` naming `host:port` when the connection cannot be
 *   opened, and a `TlsError` when TLS settings cannot be honoured here
 *   (a CA, trust store file, client certificate, or the host-name check off).
 * - `onClose` is called once: without an error after `close()` (from a
 *   microtask), with a `ConnectionError` when the broker closed the
 *   connection, it failed, or `onData` threw (a `TlsError` when a TLS
 *   connection fails before the broker's first bytes).
 *
 * @example A stand-in socket that echoes
 * ```ts
 * import { cloudflareConnect, type CloudflareSocketConnect } from "@edgekafka/producer/cloudflare";
 * const echo: CloudflareSocketConnect = () => {
 *   const pipe = new TransformStream<Uint8Array, Uint8Array>();
 *   return { readable: pipe.readable, writable: pipe.writable, opened: Promise.resolve({}),
 *     closed: new Promise(() => {}), close: async () => {} };
 * };
 * const got: number[] = [];
 * const socket = await cloudflareConnect(echo)({ host: "b", port: 9092, connectTimeoutMs: 1000 }, {
 *   onData: (chunk) => got.push(...chunk), onClose: () => {},
 * });
 * await socket.write(new Uint8Array([1, 2]));
 * await new Promise((r) => setTimeout(r, 10));
 * socket.close();
 * console.assert(got.join() === "1,2");
 * ```
 */
export function cloudflareConnect(open: CloudflareSocketConnect): Connect {
  return async (options, handlers) => {
    const tls = options.tls ?? null;
    if (tls !== null) refuseUnsupported(tls, options);
    return openSocket(open, options, tls !== null, handlers);
  };
}

/** Throws a `TlsError` for TLS settings `connect()` cannot honour. */
function refuseUnsupported(tls: TlsOptions, options: SocketOptions): void {
  const refuse = (what: string) => {
    throw new TlsError({
      host: options.host,
      port: options.port,
      reason: `${what} cannot be used on Cloudflare Workers, whose sockets trust the runtime's roots only ` +
        "(in workerd: the network service's tlsOptions.trustedCertificates)",
    });
  };
  if (tls.ca !== null) refuse("ssl.truststore.certificates");
  if (tls.caFile !== null) refuse("ssl.truststore.location");
  if (tls.cert !== null) refuse("A client certificate (ssl.keystore.certificate.chain)");
  if (!tls.verifyHostname) refuse(`ssl.endpoint.identification.algorithm=""`);
}

async function openSocket(
  open: CloudflareSocketConnect,
  options: SocketOptions,
  tls: boolean,
  handlers: SocketHandlers,
): Promise<Socket> {
  const address = formatAddress(options);
  let raw: CloudflareSocket;
  try {
    raw = open({ hostname: options.host, port: options.port }, { secureTransport: tls ? "on" : "off", allowHalfOpen: false });
  } catch (error) {
    // Refused at once: a port out of range, an address the runtime does not allow.
    throw failed(address, error);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut(address, options.connectTimeoutMs)), options.connectTimeoutMs);
  });
  const started = Date.now();
  try {
    await Promise.race([raw.opened, timeout]);
  } catch (error) {
    raw.close().catch(() => {});
    raw.closed.catch(() => {});
    if (error instanceof TimeoutError || !tls) throw error instanceof TimeoutError ? error : failed(address, error);
    // workerd words a refused port and a refused certificate alike: a plain TCP connection tells them apart.
    const left = Math.max(1, options.connectTimeoutMs - (Date.now() - started));
    if (!(await tcpOpens(open, options, left))) throw failed(address, error);
    throw new TlsError({
      host: options.host,
      port: options.port,
      reason: `${describeError(error)} (a plain TCP connection opens, so the TLS handshake failed: is the broker's ` +
        "certificate trusted by the runtime? In workerd: the network service's tlsOptions)",
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
  return new CloudflareTcpSocket(raw, options, tls, handlers);
}

/** Whether a plain TCP connection to the broker opens within `ms` (closed again at once). */
async function tcpOpens(open: CloudflareSocketConnect, options: SocketOptions, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let probe: CloudflareSocket | undefined;
  try {
    probe = open({ hostname: options.host, port: options.port }, { secureTransport: "off", allowHalfOpen: false });
    probe.closed.catch(() => {});
    const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    return await Promise.race([probe.opened.then(() => true, () => false), expired]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    probe?.close().catch(() => {});
  }
}

/** A failure of a TLS connection before the broker's first bytes: a `TlsError`, unless it says it is TCP's. */
function tlsOrFailed(options: SocketOptions, error: unknown): ConnectionError {
  const text = describeError(error);
  if (/refused|unreachable|reset|timed out|ECONN|EHOST|ENET/i.test(text)) return failed(formatAddress(options), error);
  const reason = `${text} (before the broker's first bytes: the broker refused the TLS session, e.g. for want of a ` +
    "client certificate, which Workers' sockets cannot present; workerd's log has the reason)";
  return new TlsError({ host: options.host, port: options.port, reason, cause: error });
}

class CloudflareTcpSocket implements Socket {
  readonly #raw: CloudflareSocket;
  readonly #options: SocketOptions;
  readonly #address: string;
  readonly #handlers: SocketHandlers;
  readonly #writer: CloudflareWriter;
  readonly #reader: CloudflareReader;
  /** TLS and no bytes from the broker yet: a failure now is the handshake's. */
  #tlsSetup: boolean;
  #closed = false;
  /** Writes not yet settled, oldest first. */
  #pending: PendingWrite[] = [];

  constructor(raw: CloudflareSocket, options: SocketOptions, tls: boolean, handlers: SocketHandlers) {
    this.#raw = raw;
    this.#options = options;
    this.#address = formatAddress(options);
    this.#handlers = handlers;
    this.#tlsSetup = tls;
    this.#writer = raw.writable.getWriter();
    this.#reader = raw.readable.getReader();
    // Failures surface through the reader and writer; `closed` only must not go unhandled.
    raw.closed.catch(() => {});
    void this.#readLoop();
  }

  async #readLoop(): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await this.#reader.read();
        if (this.#closed) return;
        if (done) return this.#finish(closedByPeer(this.#address));
        if (value === undefined || value.byteLength === 0) continue;
        this.#tlsSetup = false;
        try {
          this.#handlers.onData(value);
        } catch (error) {
          if (!this.#closed) this.#finish(handlerThrew(this.#address, error));
          return;
        }
      }
    } catch (error) {
      if (!this.#closed) this.#finish(this.#broken(error));
    }
  }

  #broken(error: unknown): ConnectionError {
    return this.#tlsSetup ? tlsOrFailed(this.#options, error) : failed(this.#address, error);
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(wasClosed(this.#address));
    if (chunk.byteLength === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const entry: PendingWrite = { chunk, resolve, reject };
      this.#pending.push(entry);
      const done = () => {
        const i = this.#pending.indexOf(entry);
        if (i < 0) return false; // settled by close already
        this.#pending.splice(i, 1);
        return true;
      };
      // Backpressure: `ready` resolves once the writable's queue has room.
      this.#writer.ready
        .then(() => (this.#closed ? Promise.reject(wasClosed(this.#address)) : this.#writer.write(entry.chunk)))
        .then(() => {
          if (done()) resolve();
        }, (error) => {
          if (!done()) return;
          const e = this.#broken(error);
          reject(e);
          if (!this.#closed) this.#finish(e);
        });
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#finish(undefined);
  }

  #finish(error: ConnectionError | undefined): void {
    this.#closed = true;
    const pending = this.#pending;
    this.#pending = [];
    settleClose(pending, error, this.#address, this.#handlers, () => {
      this.#reader.cancel().catch(() => {});
      this.#writer.close().catch(() => {});
      this.#raw.close().catch(() => {});
    });
  }
}

/**
 * Opens a socket with `cloudflare:sockets` (Workers and `workerd` only);
 * see {@linkcode cloudflareConnect} for what it promises.
 *
 * @example Connect to a broker from a Worker
 * ```ts ignore
 * import { connect } from "@edgekafka/producer/cloudflare";
 * const socket = await connect({ host: "broker.example.com", port: 9092, connectTimeoutMs: 10_000 }, {
 *   onData: (chunk) => console.log(`received ${chunk.byteLength} bytes`),
 *   onClose: () => {},
 * });
 * socket.close();
 * ```
 */
export const connect: Connect = async (options, handlers) => cloudflareConnect(await runtimeConnect())(options, handlers);

/**
 * The platform of Cloudflare Workers: sockets through {@linkcode connect},
 * no codecs of its own ({@linkcode WORKERS_CODECS}: gzip, snappy and lz4
 * come from `@edgekafka/producer/codecs` through the `codecs` option), at most
 * six connections ({@linkcode WORKERS_MAX_CONNECTIONS}) and no WebAssembly
 * compiled from bytes. Picked automatically inside Workers; pass it as the
 * `platform` option to choose it explicitly.
 *
 * @example Usage
 * ```ts
 * import { platform } from "@edgekafka/producer/cloudflare";
 * console.assert(platform.name === "cloudflare" && platform.maxConnections === 6 && platform.wasmCrc32c === undefined);
 * ```
 */
export const platform: Platform = Object.freeze({
  name: "cloudflare",
  connect,
  maxConnections: WORKERS_MAX_CONNECTIONS,
  codecs: WORKERS_CODECS,
});
