/**
 * Kafka's size-prefixed framing (src/network/framing.ts): request frames as
 * encoded, response frames reassembled from any chunking, and the size prefix
 * treated as the untrusted input it is (defect 12 of the hardening issue).
 */

import { describe, expect, test } from "bun:test";
import { ProtocolError } from "../../src/errors.ts";
import { encodeFrame, FrameReader, MAX_FRAME_SIZE } from "../../src/network/framing.ts";
import { ApiVersions } from "../../src/protocol/index.ts";

const MiB = 1024 * 1024;

/** A size-prefixed frame of `size` bytes, byte i of the body being `(i + seed) & 0xff`. */
function frameOf(size: number, seed = 0): Uint8Array {
  const out = new Uint8Array(4 + size);
  new DataView(out.buffer).setInt32(0, size);
  for (let i = 0; i < size; i++) out[4 + i] = (i + seed) & 0xff;
  return out;
}

function reader(): { reader: FrameReader; frames: Uint8Array[] } {
  const frames: Uint8Array[] = [];
  return { reader: new FrameReader({ onFrame: (f) => frames.push(f), describe: () => 'Connection to node 1 "broker.test:9092"' }), frames };
}

function header(size: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, size);
  return out;
}

describe("defect 12: a 4-byte size prefix must not make the client allocate the declared size at once", () => {
  test("a frame header declaring 100 MiB followed by a few bytes does not allocate 100 MiB", () => {
    const { reader: r, frames } = reader();
    r.push(header(MAX_FRAME_SIZE));
    expect(r.capacity).toBeLessThan(MiB);
    r.push(new Uint8Array(10));
    expect(r.capacity).toBeLessThan(MiB);
    expect(frames).toEqual([]);
  });

  test("the buffer grows with the bytes that arrive (at most double them), capped at the declared size", () => {
    const size = 3 * MiB + 17;
    const { reader: r, frames } = reader();
    const whole = frameOf(size, 5);
    r.push(whole.subarray(0, 4));
    let at = 4;
    let previous = r.capacity;
    while (at < whole.length) {
      const n = Math.min(100_003, whole.length - at);
      r.push(whole.subarray(at, at + n));
      at += n;
      if (at < whole.length) {
        const received = at - 4;
        expect(r.capacity).toBeGreaterThanOrEqual(received);
        expect(r.capacity).toBeLessThanOrEqual(Math.max(2 * received, 64 * 1024));
        expect(r.capacity).toBeLessThanOrEqual(size);
        expect(r.capacity).toBeGreaterThanOrEqual(previous);
        previous = r.capacity;
      }
    }
    expect(frames.length).toBe(1);
    expect(frames[0]!.length).toBe(size);
    expect(frames[0]!).toEqual(whole.subarray(4));
    expect(r.capacity).toBe(0);
  });

  test("a trickle of single bytes never holds more than twice what arrived", () => {
    const { reader: r, frames } = reader();
    r.push(header(MAX_FRAME_SIZE));
    for (let i = 1; i <= 200_000; i++) {
      r.push(new Uint8Array(1));
      if (i % 10_000 === 0) expect(r.capacity).toBeLessThanOrEqual(Math.max(2 * i, 64 * 1024));
    }
    expect(frames).toEqual([]);
  });

  test.each([MAX_FRAME_SIZE + 1, 0x7fffffff, 3, 0, -1])("a declared size of %p fails with a ProtocolError naming it and the broker", (size) => {
    const { reader: r } = reader();
    let error: unknown;
    try {
      r.push(header(size));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toBe(
      `Connection to node 1 "broker.test:9092" sent a frame of invalid size ${size} (valid: 4 to ${MAX_FRAME_SIZE})`,
    );
    expect(r.capacity).toBe(0);
  });
});

describe("reassembly", () => {
  test("frames in any chunking come out whole, in order, as their own copies", () => {
    const sizes = [4, 5, 100, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 200_000, 4];
    const stream = new Uint8Array(sizes.reduce((n, s) => n + 4 + s, 0));
    let at = 0;
    sizes.forEach((s, i) => {
      stream.set(frameOf(s, i), at);
      at += 4 + s;
    });
    for (const chunk of [1, 3, 4, 7, 4096, 65_537, stream.length]) {
      const { reader: r, frames } = reader();
      const scratch = new Uint8Array(chunk);
      for (let i = 0; i < stream.length; i += chunk) {
        // The socket may reuse its chunk's memory: deliver through one scratch buffer.
        const piece = stream.subarray(i, i + chunk);
        scratch.set(piece);
        r.push(scratch.subarray(0, piece.length));
        scratch.fill(0xee);
      }
      expect(frames.map((f) => f.length)).toEqual(sizes);
      frames.forEach((f, i) => expect(f).toEqual(frameOf(sizes[i]!, i).subarray(4)));
    }
  });

  test("close() drops a partial frame and ignores the rest of the stream", () => {
    const { reader: r, frames } = reader();
    r.push(frameOf(10).subarray(0, 8));
    expect(r.capacity).toBe(10);
    r.close();
    expect(r.capacity).toBe(0);
    r.push(frameOf(4));
    expect(frames).toEqual([]);
  });

  test("a frame completed inside onFrame's caller stops the chunk when the reader is closed there", () => {
    const frames: number[] = [];
    const r: FrameReader = new FrameReader({
      onFrame: (f) => {
        frames.push(f.length);
        r.close();
      },
      describe: () => "peer",
    });
    const two = new Uint8Array([...frameOf(4), ...frameOf(5)]);
    r.push(two);
    expect(frames).toEqual([4]);
  });
});

describe("encodeFrame", () => {
  test("writes the size prefix, the request header and the body", () => {
    const f = encodeFrame(ApiVersions, { clientSoftwareName: "a", clientSoftwareVersion: "1" }, {
      version: 3,
      correlationId: 7,
      clientId: "demo",
      sizeHint: 8,
    });
    const view = new DataView(f.buffer, f.byteOffset, f.byteLength);
    expect(view.getInt32(0)).toBe(f.length - 4);
    expect(view.getInt16(4)).toBe(ApiVersions.key);
    expect(view.getInt16(6)).toBe(3);
    expect(view.getInt32(8)).toBe(7);
  });
});
