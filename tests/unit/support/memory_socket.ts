/**
 * An in-memory socket for unit tests of `Connection` (src/network/connection.ts):
 * a `Connect` whose `write` records what the client sends (and parses it into
 * request frames), and whose peer side the test drives by hand — deliver
 * response bytes in any chunking, hold or fail writes, close from the peer.
 *
 * Every wait is bounded ({@linkcode within}); nothing a test awaits can hang.
 */

import type { Api } from "../../../src/protocol/api.ts";
import { Reader } from "../../../src/protocol/reader.ts";
import { Writer } from "../../../src/protocol/writer.ts";
import type { Connect, SocketHandlers } from "../../../src/socket.ts";

/** A request frame as the client wrote it. */
export interface RequestFrame {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** The request body (after the header, and after its tagged fields for header v2). */
  body: Uint8Array;
  /** The whole frame, size prefix included. */
  raw: Uint8Array;
}

/** Rejects with a clear message if `p` does not settle within `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** How a promise settled. */
export type Outcome<T> = { status: "fulfilled"; value: T } | { status: "rejected"; reason: unknown };

/** Waits (bounded) for `p` to settle and reports how. */
export async function outcome<T>(p: Promise<T>, ms = 1000, what = "a promise to settle"): Promise<Outcome<T>> {
  const settled = p.then(
    (value) => ({ status: "fulfilled", value }) as const,
    (reason) => ({ status: "rejected", reason }) as const,
  );
  return within(settled, ms, what);
}

/** Lets pending microtasks and I/O callbacks run. */
export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A size-prefixed frame around `body`. */
export function frame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setInt32(0, body.length);
  out.set(body, 4);
  return out;
}

/** Concatenates chunks. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

interface PendingWrite {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * One in-memory connection. Pass {@linkcode MemorySocket.connect} to
 * `Connection.open`; it may be called once.
 */
export class MemorySocket {
  /** Every chunk passed to `write`, copied. */
  readonly writes: Uint8Array[] = [];
  /** Complete request frames parsed from the writes, in order. */
  readonly frames: RequestFrame[] = [];
  /**
   * Writes whose bytes the client changed before the write completed (a real
   * socket reads the caller's buffer until then): what was written, and what
   * the buffer held at completion. Must stay empty.
   */
  readonly changedWhileWriting: Array<{ written: string; atCompletion: string }> = [];
  /** Errors thrown out of `handlers.onData` (a Connection must never throw there). */
  readonly thrownFromOnData: unknown[] = [];
  /** How often the client called `close()`. */
  closeCalls = 0;
  /** How often `onClose` was delivered to the client. */
  closeEvents = 0;
  /** The options the client connected with. */
  options: Parameters<Connect>[0] | null = null;

  #handlers: SocketHandlers | null = null;
  #apis: Map<number, Pick<Api<unknown, unknown>, "flexibleFrom">>;
  #inbound: Uint8Array = new Uint8Array(0);
  #frameWaiters: Array<() => void> = [];
  #hold = false;
  #held: PendingWrite[] = [];
  #failWith: unknown = null;
  #closed = false;
  /** Told of each request frame as it is parsed (a fake broker answers from here). */
  readonly #onFrame: ((frame: RequestFrame) => void) | null;

  /**
   * `apis` tells the frame parser which request headers are v2 (flexible);
   * `onFrame`, if given, sees each request frame as it is parsed.
   */
  constructor(apis: ReadonlyArray<Pick<Api<unknown, unknown>, "key" | "flexibleFrom">>, onFrame?: (frame: RequestFrame) => void) {
    this.#apis = new Map(apis.map((a) => [a.key, a]));
    this.#onFrame = onFrame ?? null;
  }

  /** The `Connect` to give `Connection.open`. */
  readonly connect: Connect = async (options, handlers) => {
    if (this.#handlers !== null) throw new Error("MemorySocket.connect called twice");
    this.options = options;
    this.#handlers = handlers;
    return {
      write: (chunk) => this.#write(chunk),
      close: () => {
        this.closeCalls++;
        this.#peerClosed();
      },
    };
  };

  /** Whether the socket was closed (by either side). */
  get closed(): boolean {
    return this.#closed;
  }

  /** From now on, writes stay pending until {@linkcode MemorySocket.releaseWrites}. */
  holdWrites(): void {
    this.#hold = true;
  }

  /** Completes the held writes (and stops holding). */
  releaseWrites(): void {
    this.#hold = false;
    for (const w of this.#held.splice(0)) w.resolve();
  }

  /** Rejects the held writes with `error`, and every later write too. */
  failWrites(error: unknown): void {
    this.#failWith = error;
    for (const w of this.#held.splice(0)) w.reject(error);
  }

  /** Writes still pending. */
  get heldWrites(): number {
    return this.#held.length;
  }

  #write(chunk: Uint8Array): Promise<void> {
    if (this.#failWith !== null) return Promise.reject(this.#failWith);
    const copy = chunk.slice();
    this.writes.push(copy);
    this.#parse(chunk);
    if (!this.#hold) return Promise.resolve();
    return new Promise((resolve, reject) => this.#held.push({
      resolve: () => {
        if (!equalBytes(copy, chunk)) {
          this.changedWhileWriting.push({ written: hexOf(copy), atCompletion: hexOf(chunk) });
        }
        resolve();
      },
      reject,
    }));
  }

  #parse(chunk: Uint8Array): void {
    let buf = concat([this.#inbound, chunk]);
    while (buf.length >= 4) {
      const size = new DataView(buf.buffer, buf.byteOffset).getInt32(0);
      if (buf.length < 4 + size) break;
      const raw = buf.slice(0, 4 + size);
      const r = new Reader(raw, 4);
      const apiKey = r.int16();
      const apiVersion = r.int16();
      const correlationId = r.int32();
      const clientId = r.nullableString();
      const api = this.#apis.get(apiKey);
      if (api === undefined) throw new Error(`MemorySocket does not know API key ${apiKey}`);
      if (apiVersion >= api.flexibleFrom) r.taggedFields();
      const parsed = { apiKey, apiVersion, correlationId, clientId, body: raw.slice(r.offset), raw };
      this.frames.push(parsed);
      this.#onFrame?.(parsed);
      buf = buf.slice(4 + size);
    }
    this.#inbound = buf;
    for (const w of this.#frameWaiters.splice(0)) w();
  }

  /** Waits (bounded) until at least `n` request frames were written; returns frame `n - 1`. */
  async frame(n: number, ms = 1000): Promise<RequestFrame> {
    while (this.frames.length < n) {
      await within(new Promise<void>((r) => this.#frameWaiters.push(r)), ms, `request frame #${n}`);
    }
    return this.frames[n - 1]!;
  }

  /**
   * Delivers bytes from the broker, as `chunks` pieces (default: one). After
   * each `onData` returns, the chunk's memory is scribbled over, as a runtime
   * reusing its read buffer would: the client must have copied what it keeps.
   */
  deliver(bytes: Uint8Array, chunkSize = bytes.length): void {
    const step = Math.max(1, chunkSize);
    if (bytes.length === 0) return this.#onData(new Uint8Array(0));
    for (let at = 0; at < bytes.length; at += step) this.#onData(bytes.slice(at, at + step));
  }

  /** Delivers each chunk as given. */
  deliverChunks(chunks: readonly Uint8Array[]): void {
    for (const c of chunks) this.#onData(c.slice());
  }

  #onData(chunk: Uint8Array): void {
    if (this.#handlers === null) throw new Error("MemorySocket is not connected");
    try {
      this.#handlers.onData(chunk);
    } catch (e) {
      this.thrownFromOnData.push(e);
    }
    chunk.fill(0xee);
  }

  /** The broker closes the connection (with an error, or cleanly). */
  peerClose(error?: Error): void {
    this.#peerClosed(error);
  }

  #peerClosed(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    // Pending writes fail as a real socket's would.
    for (const w of this.#held.splice(0)) w.reject(error ?? new Error("socket closed"));
    this.closeEvents++;
    this.#handlers?.onClose(error);
  }
}

/** Builds a response: correlation id, optional header tagged fields (response header v1), then `body`. */
export function response(correlationId: number, body: (w: Writer) => void, headerV1 = false): Uint8Array {
  const w = new Writer();
  w.int32(correlationId);
  if (headerV1) w.uvarint(0);
  body(w);
  return frame(w.toBytes());
}

/** Broker API version ranges, by key. */
export type Ranges = ReadonlyArray<readonly [key: number, min: number, max: number]>;

/**
 * An ApiVersions response frame (always header v0) at `version`:
 * v0-2 use an int32 array, v3+ compact arrays and tagged fields.
 */
export function apiVersionsResponse(correlationId: number, version: number, ranges: Ranges, errorCode = 0): Uint8Array {
  return response(correlationId, (w) => {
    w.int16(errorCode);
    const flexible = version >= 3;
    w.arrayOf(flexible, ranges, (w, [key, min, max]) => {
      w.int16(key).int16(min).int16(max).tags(flexible);
    });
    if (version >= 1) w.int32(0); // throttle time
    w.tags(flexible);
  });
}

/** The v0 body a broker sends when it does not support the requested ApiVersions version. */
export function apiVersionsFallback(correlationId: number, apiVersionsMax: number): Uint8Array {
  return apiVersionsResponse(correlationId, 0, [[18, 0, apiVersionsMax]], 35);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hexOf(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
