/**
 * Kafka's framing on a connection: every request and response is one frame,
 * a 4-byte big-endian size followed by that many bytes. {@linkcode encodeFrame}
 * writes a request frame; {@linkcode FrameReader} cuts the byte stream a
 * socket delivers, in any chunking, back into response frames.
 *
 * The size prefix comes from the peer and is not trusted: a size outside 4 to
 * {@linkcode MAX_FRAME_SIZE} fails the stream, and a frame's buffer grows
 * with the bytes that actually arrive (doubling, capped at the declared
 * size), so a 4-byte header cannot make the client allocate 100 MiB at once.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import type { Api } from "../protocol/api.ts";
import { writeRequestHeader } from "../protocol/header.ts";
import { Writer } from "../protocol/writer.ts";

/** The largest response frame we accept (Kafka's own `socket.request.max.bytes` default). */
export const MAX_FRAME_SIZE = 100 * 1024 * 1024;

/**
 * The first buffer for a response frame: frames up to this size are
 * allocated once; larger ones start here and double as their bytes arrive.
 */
export const INITIAL_FRAME_CAPACITY = 64 * 1024;

/** What {@linkcode encodeFrame} needs besides the request. */
export interface FrameHeader {
  /** The API version the request is encoded in. */
  readonly version: number;
  /** The request's correlation id, echoed by the response. */
  readonly correlationId: number;
  /** `client.id`, sent in the request header. */
  readonly clientId: string | null;
  /** Expected encoded size, so the frame is allocated once (Produce: the batches' bytes). */
  readonly sizeHint: number;
}

/**
 * Encodes one size-prefixed request frame (header and body).
 *
 * @example Usage
 * ```ts
 * import { encodeFrame } from "./framing.ts";
 * import { ApiVersions } from "../protocol/api_versions.ts";
 * const frame = encodeFrame(ApiVersions, { clientSoftwareName: "a", clientSoftwareVersion: "1" }, {
 *   version: 3, correlationId: 7, clientId: "demo", sizeHint: 64,
 * });
 * console.assert(new DataView(frame.buffer, frame.byteOffset).getInt32(0) === frame.length - 4);
 * ```
 */
export function encodeFrame<Req>(api: Api<Req, unknown>, request: Req, header: FrameHeader): Uint8Array {
  const w = new Writer(header.sizeHint);
  appendFrame(w, api, request, header);
  return w.bytes();
}

/**
 * Appends one request frame to `w` after what it holds (frames back to
 * back are what a connection writes in one go). If encoding throws, `w` is
 * left as it was and the error is rethrown.
 *
 * @example Two frames in one writer
 * ```ts
 * import { appendFrame } from "./framing.ts";
 * import { ApiVersions } from "../protocol/api_versions.ts";
 * import { Writer } from "../protocol/writer.ts";
 * const w = new Writer();
 * const request = { clientSoftwareName: "a", clientSoftwareVersion: "1" };
 * appendFrame(w, ApiVersions, request, { version: 3, correlationId: 1, clientId: null, sizeHint: 64 });
 * const first = w.length;
 * appendFrame(w, ApiVersions, request, { version: 3, correlationId: 2, clientId: null, sizeHint: 64 });
 * console.assert(w.length === 2 * first);
 * ```
 */
export function appendFrame<Req>(w: Writer, api: Api<Req, unknown>, request: Req, header: FrameHeader): void {
  const start = w.length;
  try {
    w.ensure(header.sizeHint);
    w.reserve(4);
    writeRequestHeader(w, api, header.version, header.correlationId, header.clientId);
    api.encode(w, header.version, request);
  } catch (error) {
    w.truncate(start);
    throw error;
  }
  w.setInt32At(start, w.length - start - 4);
}

/** How a {@linkcode FrameReader} reports. */
export interface FrameReaderOptions {
  /** Called with each complete frame (without its size prefix), in order. */
  onFrame(frame: Uint8Array): void;
  /** Names the peer in error messages, e.g. `Connection to node 1 "h:9092"`. */
  describe(): string;
}

/**
 * Reassembles frames from chunks. A frame size outside 4 to
 * {@linkcode MAX_FRAME_SIZE} is a `ProtocolError`: the stream cannot be
 * read further. Memory follows the bytes received, not the size declared:
 * a frame's buffer starts at {@linkcode INITIAL_FRAME_CAPACITY} (or its size,
 * if smaller) and doubles when full, capped at the declared size, so it never
 * holds more than twice what arrived.
 *
 * @example Two frames split across three chunks
 * ```ts
 * import { FrameReader } from "./framing.ts";
 * const frames: number[] = [];
 * const reader = new FrameReader({ onFrame: (f) => frames.push(f.length), describe: () => "peer" });
 * reader.push(new Uint8Array([0, 0, 0, 4, 1, 2]));
 * reader.push(new Uint8Array([3, 4, 0, 0]));
 * reader.push(new Uint8Array([0, 5, 1, 2, 3, 4, 5]));
 * console.assert(frames.join() === "4,5");
 * ```
 */
export class FrameReader {
  readonly #options: FrameReaderOptions;
  /** The 4-byte size prefix being read, and how much of it arrived. */
  readonly #sizeBytes = new Uint8Array(4);
  #sizeFilled = 0;
  /** The buffer of the frame being filled (null between frames), and how much of it arrived. */
  #frame: Uint8Array | null = null;
  #frameFilled = 0;
  /** The size the frame being filled declared; its buffer grows up to this. */
  #frameSize = 0;
  /** Set by {@linkcode FrameReader.close}: nothing more is read, not even the rest of a chunk. */
  #closed = false;

  constructor(options: FrameReaderOptions) {
    this.#options = options;
  }

  /** Bytes allocated for the frame being reassembled (0 between frames); at most twice what arrived of it. */
  get capacity(): number {
    return this.#frame?.length ?? 0;
  }

  /**
   * Takes the next chunk of the stream (copying what it keeps) and reports
   * each frame it completes. Throws a `ProtocolError` on an invalid size.
   */
  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && !this.#closed) {
      if (this.#frame === null) {
        const take = Math.min(4 - this.#sizeFilled, chunk.length - i);
        this.#sizeBytes.set(chunk.subarray(i, i + take), this.#sizeFilled);
        this.#sizeFilled += take;
        i += take;
        if (this.#sizeFilled < 4) break;
        this.#sizeFilled = 0;
        const s = this.#sizeBytes;
        const size = ((s[0]! << 24) | (s[1]! << 16) | (s[2]! << 8) | s[3]!) >> 0;
        if (size < 4 || size > MAX_FRAME_SIZE) {
          throw new ProtocolError(`${this.#options.describe()} sent a frame of invalid size ${size} (valid: 4 to ${MAX_FRAME_SIZE})`);
        }
        this.#frame = new Uint8Array(Math.min(size, INITIAL_FRAME_CAPACITY));
        this.#frameFilled = 0;
        this.#frameSize = size;
      }
      const take = Math.min(this.#frameSize - this.#frameFilled, chunk.length - i);
      if (this.#frameFilled + take > this.#frame.length) this.#grow(this.#frameFilled + take);
      const frame = this.#frame;
      frame.set(chunk.subarray(i, i + take), this.#frameFilled);
      this.#frameFilled += take;
      i += take;
      if (this.#frameFilled === this.#frameSize) {
        this.#frame = null;
        this.#options.onFrame(frame);
      }
    }
  }

  /** Makes room for `needed` bytes of the current frame: double, at least `needed`, at most its declared size. */
  #grow(needed: number): void {
    const old = this.#frame!;
    const grown = new Uint8Array(Math.min(this.#frameSize, Math.max(needed, 2 * old.length)));
    grown.set(old.subarray(0, this.#frameFilled));
    this.#frame = grown;
  }

  /** Stops reading and drops a partly received frame. */
  close(): void {
    this.#closed = true;
    this.#frame = null;
  }
}
