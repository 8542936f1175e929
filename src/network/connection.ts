/**
 * One connection to one broker: pipelines requests (framed by
 * `./framing.ts`), matches responses to requests by correlation id, enforces
 * request timeouts, and negotiates API versions.
 *
 * Kafka answers the requests of one connection in the order it received them,
 * so responses are matched against a FIFO of pending requests: a response
 * whose correlation id is not the oldest pending one is a protocol violation
 * and fails the connection. Any failure (socket error, malformed frame,
 * request timeout, `close()`) rejects every pending request with a typed error
 * and closes the socket; nothing is left hanging. With SASL, `open()` also
 * authenticates before it resolves: no other request goes out first.
 *
 * @module
 */

import { ClosedError, ConnectionError, KafkaError, ProtocolError, TimeoutError } from "../errors.ts";
import type { Api } from "../protocol/api.ts";
import { ApiVersions, type ApiVersionsResponse } from "../protocol/api_versions.ts";
import { UnsupportedVersionError } from "../protocol/api_error_classes.ts";
import { apiError } from "../protocol/api_errors.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import { readResponseHeader } from "../protocol/header.ts";
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import type { Connect, Socket } from "../socket.ts";
import { VERSION } from "../version.ts";
import { appendFrame, FrameReader } from "./framing.ts";

/** How to open a {@linkcode Connection}. */
export interface ConnectionOptions {
  /** The transport (a runtime adapter). */
  connect: Connect;
  host: string;
  port: number;
  /** The broker's node id (negative for bootstrap addresses), for messages. */
  nodeId: number;
  /** `client.id`, sent in every request header. */
  clientId: string | null;
  /** `socket.connection.setup.timeout.ms`. */
  connectTimeoutMs: number;
  /** Default `request.timeout.ms` for requests on this connection. */
  requestTimeoutMs: number;
  /**
   * SASL (`./authenticate.ts`): run after ApiVersions, before the connection
   * is handed out; resolves with the session lifetime in ms (0: none).
   */
  authenticate?: (conn: Connection, background?: boolean) => Promise<number>;
  /** Called once when the connection closes, with the error if it failed. */
  onClose?: (error: KafkaError | undefined, conn: Connection) => void;
}

/** What each of a connection's two frame writers starts with. */
const FRAMES_START_BYTES = 64 * 1024;

/**
 * A frame writer that grew past this (a burst of requests queued behind a
 * slow write) is dropped after its write rather than kept for the next.
 */
const FRAMES_KEEP_BYTES = 4 * 1024 * 1024;

/** Options of one request. */
export interface SendOptions {
  /** Version to use; default: the highest both sides support. */
  version?: number;
  /** Fail the request (and close the connection) after this long. */
  timeoutMs?: number;
  /** `false` for requests the broker does not answer (Produce with acks=0). */
  expectResponse?: boolean;
  /** Expected encoded size, so the frame is allocated once (Produce: the batches' bytes). */
  sizeHint?: number;
  /**
   * The request and its response are not activity for `connections.max.idle.ms`
   * (re-authentication: it must not keep an idle connection open).
   */
  background?: boolean;
}

/** A request without response (acks=0) waiting for its write. */
interface WriteWaiter {
  readonly resolve: () => void;
  readonly reject: (error: KafkaError) => void;
}

/** A request waiting for its response. */
interface Pending {
  readonly correlationId: number;
  readonly api: Api<unknown, unknown>;
  readonly version: number;
  /** When the request fails for lack of a response (ms since epoch). */
  readonly deadline: number;
  readonly timeoutMs: number;
  /** `SendOptions.background`: its response is no activity either. */
  readonly background: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: KafkaError) => void;
}

/**
 * A connection to one broker.
 *
 * @example Asking a broker for its API versions
 * ```ts ignore
 * import { Connection } from "./connection.ts";
 * import { connect } from "@edgekafka/producer/node";
 * const conn = await Connection.open({
 *   connect, host: "127.0.0.1", port: 9092, nodeId: -1, clientId: "demo",
 *   connectTimeoutMs: 10_000, requestTimeoutMs: 30_000,
 * });
 * console.log(conn.versionRange(0)); // Produce: [3, 12] on Kafka 4
 * conn.close();
 * ```
 */
export class Connection {
  readonly host: string;
  readonly port: number;
  /** The broker's node id (negative for a bootstrap address); changed only by {@linkcode Connection.adopted}. */
  #nodeId: number;
  readonly #options: ConnectionOptions;
  #socket: Socket | null = null;

  /** Requests sent (or queued) and not yet answered, oldest first. Guards response matching. */
  readonly #pending: Pending[] = [];
  /**
   * Frames waiting for the socket, encoded back to back: the next write, as
   * one buffer. Two writers take turns (filled while the other's bytes are
   * written, then swapped), so frames cost no allocation and no coalescing
   * copy, and bytes a socket still reads are never overwritten. Only
   * `send` appends here and only `#flush` swaps.
   */
  #fill = new Writer(FRAMES_START_BYTES);
  /** The other writer: free (null while its bytes are being written). */
  #spare: Writer | null = new Writer(FRAMES_START_BYTES);
  /** Whether a socket write is under way (one at a time, see socket.ts). */
  #writing = false;
  /** Frames whose writes must complete before their promise resolves (acks=0). */
  #writeWaiters: WriteWaiter[] = [];

  /** Cuts received bytes into response frames; closed by `#fail`. */
  readonly #frames = new FrameReader({ onFrame: (frame) => this.#onFrame(frame), describe: () => this.#describe() });

  #nextCorrelationId = 0;
  #closed: KafkaError | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** The deadline the timer is armed for (Infinity when none). */
  #timerDeadline = Infinity;
  /** Broker API version ranges by API key, known after {@linkcode Connection.open}. */
  #versions = new Map<number, readonly [number, number]>();
  /** Finalized feature levels (e.g. `transaction.version`), from ApiVersions v3+. */
  #features = new Map<string, number>();
  /** The SASL session lifetime the broker gave (KIP-368), in ms; 0 when none or without SASL. */
  sessionLifetimeMs = 0;
  /** Last time a request was sent or its response arrived, re-authentication aside (for `connections.max.idle.ms`). */
  lastActivity: number = Date.now();

  private constructor(options: ConnectionOptions) {
    this.#options = options;
    this.host = options.host;
    this.port = options.port;
    this.#nodeId = options.nodeId;
  }

  /** The broker's node id (negative for a bootstrap address). */
  get nodeId(): number {
    return this.#nodeId;
  }

  /**
   * This connection to a bootstrap address turned out to be broker
   * `nodeId`'s (the `NetworkClient` adopts it when the metadata advertises
   * the same host and port): it is named after the broker from now on.
   */
  adopted(nodeId: number): void {
    this.#nodeId = nodeId;
  }

  /** Connects, negotiates versions with ApiVersions, then authenticates (SASL) if asked to. */
  static async open(options: ConnectionOptions): Promise<Connection> {
    const conn = new Connection(options);
    conn.#socket = await options.connect(
      { host: options.host, port: options.port, connectTimeoutMs: options.connectTimeoutMs },
      {
        onData: (chunk) => conn.#onData(chunk),
        onClose: (error) => conn.#fail(toKafkaError(error) ?? new ConnectionError(`${conn.#describe()} was closed by the broker`)),
      },
    );
    try {
      await conn.#negotiate();
      if (options.authenticate) conn.sessionLifetimeMs = await options.authenticate(conn);
    } catch (error) {
      conn.close();
      throw error;
    }
    return conn;
  }

  /** Requests pending a response. */
  get inFlight(): number {
    return this.#pending.length;
  }

  /** Whether the connection is usable. */
  get isOpen(): boolean {
    return this.#closed === null;
  }

  /** The broker's `[min, max]` versions for `apiKey`, or `undefined` if it lacks the API. */
  versionRange(apiKey: number): readonly [number, number] | undefined {
    return this.#versions.get(apiKey);
  }

  /** A finalized feature level (e.g. `"transaction.version"`), 0 when not finalized. */
  featureLevel(name: string): number {
    return this.#features.get(name) ?? 0;
  }

  /** The highest version of `api` both sides support; throws `UnsupportedVersionError` if none. */
  version(api: Api<unknown, unknown>, max = api.maxVersion): number {
    const range = this.#versions.get(api.key);
    const v = Math.min(max, range?.[1] ?? -1);
    if (range === undefined || v < Math.max(api.minVersion, range[0])) {
      const theirs = range ? `${range[0]}-${range[1]}` : "none";
      throw new UnsupportedVersionError(
        `${this.#describe()} supports ${api.name} versions ${theirs}; this client speaks ${api.minVersion}-${max}`,
      );
    }
    return v;
  }

  /**
   * Sends a request and resolves with the decoded response (or, with
   * `expectResponse: false`, once written).
   */
  send<Req, Res>(api: Api<Req, Res>, request: Req, options: SendOptions = {}): Promise<Res> {
    if (this.#closed) return Promise.reject(this.#closed);
    let version: number;
    const correlationId = this.#nextCorrelationId;
    try {
      version = options.version ?? this.version(api as Api<unknown, unknown>);
      // Appended to the queued frames at once (a failed encode leaves them as they were), so the
      // request's buffers (a batch's slab) are copied now and are free again when send() returns.
      appendFrame(this.#fill, api, request, { version, correlationId, clientId: this.#options.clientId, sizeHint: options.sizeHint ?? 512 });
    } catch (error) {
      return Promise.reject(error);
    }
    this.#nextCorrelationId = (correlationId + 1) & 0x7fffffff;
    const now = Date.now();
    if (options.background !== true) this.lastActivity = now;
    return new Promise<Res>((resolve, reject) => {
      if (options.expectResponse === false) {
        this.#writeWaiters.push({ resolve: resolve as () => void, reject });
      } else {
        const timeoutMs = options.timeoutMs ?? this.#options.requestTimeoutMs;
        this.#pending.push({
          correlationId,
          api: api as Api<unknown, unknown>,
          version,
          deadline: now + timeoutMs,
          timeoutMs,
          background: options.background === true,
          resolve: resolve as (value: unknown) => void,
          reject,
        });
        if (this.#timerDeadline > now + timeoutMs) this.#armTimer();
      }
      if (!this.#writing) void this.#flush();
    });
  }

  /** Closes the connection; pending requests reject with a `ClosedError` (or `error`). */
  close(error?: KafkaError): void {
    this.#fail(error ?? new ClosedError(`${this.#describe()} was closed`));
  }

  #describe(): string {
    const who = this.nodeId < 0 ? "bootstrap server" : `node ${this.nodeId}`;
    return `Connection to ${who} "${this.host}:${this.port}"`;
  }

  async #negotiate(): Promise<void> {
    const request = { clientSoftwareName: "edgekafka", clientSoftwareVersion: VERSION };
    let response: ApiVersionsResponse = await this.send(ApiVersions, request, { version: ApiVersions.maxVersion });
    if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
      // The broker answered in v0 with the ApiVersions range it speaks: retry within it.
      const theirs = response.apiKeys.find((k) => k.apiKey === ApiVersions.key);
      const version = Math.min(ApiVersions.maxVersion, theirs?.maxVersion ?? 0);
      response = await this.send(ApiVersions, request, { version });
    }
    if (response.errorCode !== ErrorCode.NONE) throw apiError(response.errorCode, null, this.#describe());
    for (const k of response.apiKeys) this.#versions.set(k.apiKey, [k.minVersion, k.maxVersion]);
    for (const f of response.finalizedFeatures ?? []) this.#features.set(f.name, f.maxVersionLevel);
  }

  async #flush(): Promise<void> {
    this.#writing = true;
    let waiters: WriteWaiter[] = [];
    try {
      while (this.#fill.length > 0 && this.#closed === null) {
        // Every frame queued so far, in one write: one large write costs far less than many
        // small ones (on Workers ~25 µs per write). New frames go to the other writer meanwhile.
        const frames = this.#fill;
        this.#fill = this.#spare ?? new Writer(FRAMES_START_BYTES);
        this.#spare = null;
        waiters = this.#writeWaiters;
        this.#writeWaiters = [];
        await this.#socket!.write(frames.bytes());
        // The socket no longer reads these bytes. A writer grown by a burst is not kept.
        this.#spare = frames.capacity > FRAMES_KEEP_BYTES ? new Writer(FRAMES_START_BYTES) : frames.reset();
        for (const w of waiters) w.resolve();
        waiters = [];
      }
    } catch (error) {
      const e = toKafkaError(error) ?? new ConnectionError(`${this.#describe()} failed to write`, { cause: error });
      for (const w of waiters) w.reject(e);
      this.#fail(e);
    } finally {
      this.#writing = false;
    }
  }

  #onData(chunk: Uint8Array): void {
    if (this.#closed) return;
    try {
      this.#frames.push(chunk);
    } catch (error) {
      this.#fail(toKafkaError(error) ?? new ProtocolError(`${this.#describe()} sent an unreadable response`, { cause: error }));
    }
  }

  #onFrame(frame: Uint8Array): void {
    const head = this.#pending[0];
    const correlationId = ((frame[0]! << 24) | (frame[1]! << 16) | (frame[2]! << 8) | frame[3]!) >> 0;
    if (head === undefined || head.correlationId !== correlationId) {
      const expected = head === undefined ? "none pending" : `expected ${head.correlationId}`;
      throw new ProtocolError(`${this.#describe()} sent a response with unknown correlation id ${correlationId} (${expected})`);
    }
    const r = new Reader(frame);
    let response: unknown;
    try {
      readResponseHeader(r, head.api, head.version);
      response = head.api.decode(r, head.version);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ProtocolError(`${this.#describe()} sent an unreadable ${head.api.name} v${head.version} response: ${message}`, { cause: error });
    }
    this.#pending.shift();
    if (!head.background) this.lastActivity = Date.now();
    this.#armTimer();
    head.resolve(response);
  }

  /** Keeps one timer for the earliest deadline of the pending requests (timeouts may differ per request). */
  #armTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerDeadline = Infinity;
    if (this.#closed) return;
    for (const p of this.#pending) if (p.deadline < this.#timerDeadline) this.#timerDeadline = p.deadline;
    if (this.#timerDeadline === Infinity) return;
    this.#timer = setTimeout(() => this.#onTimeout(), Math.max(0, this.#timerDeadline - Date.now()));
  }

  #onTimeout(): void {
    this.#timer = null;
    const now = Date.now();
    const i = this.#pending.findIndex((p) => p.deadline <= now);
    if (i < 0) return this.#armTimer();
    const head = this.#pending[i]!;
    // A timed-out request leaves the connection's state unknown: close it,
    // as the Java client does; the other pending requests fail as disconnected.
    this.#pending.splice(i, 1);
    const error = new TimeoutError(
      `${head.api.name} request to ${this.#describe().slice("Connection to ".length)} timed out after ${head.timeoutMs} ms`,
    );
    head.reject(error);
    this.#fail(new ConnectionError(`${this.#describe()} was closed after a request timed out`, { cause: error }));
  }

  #fail(error: KafkaError): void {
    if (this.#closed) return;
    this.#closed = error;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const pending = this.#pending.splice(0);
    const waiters = this.#writeWaiters.splice(0);
    this.#fill.reset();
    this.#frames.close();
    try {
      this.#socket?.close();
    } catch {
      // The socket is going away either way.
    }
    for (const p of pending) p.reject(error);
    for (const w of waiters) w.reject(error);
    this.#options.onClose?.(error instanceof ClosedError ? undefined : error, this);
  }
}

function toKafkaError(error: unknown): KafkaError | undefined {
  return error instanceof KafkaError ? error : undefined;
}
