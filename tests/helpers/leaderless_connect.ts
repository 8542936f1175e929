/**
 * A `connect` for the hardening tests that makes one partition leaderless
 * in every Metadata answer (leader -1, LEADER_NOT_AVAILABLE) and can hold
 * Metadata answers back, so a metadata request stays in flight while the
 * partition has no leader. Understands flexible Metadata versions (9+) only.
 */

import { autoConnect } from "../../runtime/auto.ts";
import type { Connect } from "../../mod.ts";

const LEADER_NOT_AVAILABLE = 5;
const METADATA = 3;

class Cursor {
  readonly view: DataView;
  constructor(readonly b: Uint8Array, public at = 0) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  int16(): number {
    const v = this.view.getInt16(this.at);
    this.at += 2;
    return v;
  }
  int32(): number {
    const v = this.view.getInt32(this.at);
    this.at += 4;
    return v;
  }
  skip(n: number): void {
    this.at += n;
  }
  uvarint(): number {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.b[this.at++]!;
      v |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return v >>> 0;
    }
  }
  compactString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    const s = new TextDecoder().decode(this.b.subarray(this.at, this.at + n - 1));
    this.at += n - 1;
    return s;
  }
  skipInt32Array(): void {
    const n = this.uvarint();
    if (n > 0) this.at += 4 * (n - 1);
  }
  skipTags(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      this.at += this.uvarint();
    }
  }
}

/** In a Metadata response body (after the size prefix), makes `topic`/`partition` leaderless. Returns whether it was found. */
function makeLeaderless(frame: Uint8Array, version: number, topic: string, partition: number): boolean {
  const c = new Cursor(frame, 4); // correlation id
  c.skipTags(); // response header v1
  c.skip(4); // throttle time
  const brokers = c.uvarint() - 1;
  for (let i = 0; i < brokers; i++) {
    c.skip(4);
    c.compactString();
    c.skip(4);
    c.compactString();
    c.skipTags();
  }
  c.compactString(); // cluster id
  c.skip(4); // controller id
  const topics = c.uvarint() - 1;
  let found = false;
  for (let t = 0; t < topics; t++) {
    c.skip(2);
    const name = c.compactString();
    if (version >= 10) c.skip(16); // topic id
    c.skip(1); // is internal
    const partitions = c.uvarint() - 1;
    for (let p = 0; p < partitions; p++) {
      const errorAt = c.at;
      c.skip(2);
      const index = c.int32();
      if (name === topic && index === partition) {
        c.view.setInt16(errorAt, LEADER_NOT_AVAILABLE);
        c.view.setInt32(c.at, -1);
        found = true;
      }
      c.skip(4 + 4); // leader, leader epoch
      c.skipInt32Array();
      c.skipInt32Array();
      c.skipInt32Array();
      c.skipTags();
    }
    c.skip(4); // topic authorized operations
    c.skipTags();
  }
  return found;
}

/**
 * A `connect` under which `topic`/`partition` never has a leader. While
 * `hold` is on, Metadata answers that would show it are delivered only
 * when `hold` is turned off (so the request stays in flight).
 */
export function leaderlessConnect(topic: string, partition: number, base: Connect = autoConnect): {
  connect: Connect;
  /** Metadata requests written so far. */
  metadataRequests(): number;
  /** Holds Metadata answers from now on (true) or delivers the held ones (false). */
  hold(on: boolean): void;
} {
  let requests = 0;
  let holding = false;
  const held: Array<() => void> = [];
  const connect: Connect = async (options, handlers) => {
    const versions = new Map<number, number>();
    let inbuf = new Uint8Array(0);
    const inner = await base(options, {
      onClose: (error) => handlers.onClose(error),
      onData: (chunk) => {
        const joined = new Uint8Array(inbuf.length + chunk.length);
        joined.set(inbuf);
        joined.set(chunk, inbuf.length);
        let at = 0;
        while (joined.length - at >= 4) {
          const size = new DataView(joined.buffer, joined.byteOffset + at).getInt32(0);
          if (joined.length - at - 4 < size) break;
          const frame = joined.slice(at, at + 4 + size);
          at += 4 + size;
          const correlationId = new DataView(frame.buffer).getInt32(4);
          const version = versions.get(correlationId);
          versions.delete(correlationId);
          if (version !== undefined && makeLeaderless(frame.subarray(4), version, topic, partition) && holding) {
            held.push(() => handlers.onData(frame));
          } else if (held.length > 0) {
            held.push(() => handlers.onData(frame)); // responses keep their order on a connection
          } else {
            handlers.onData(frame);
          }
        }
        inbuf = joined.slice(at);
      },
    });
    return {
      write: (chunk) => {
        const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        for (let at = 0; at + 12 <= chunk.length;) {
          if (view.getInt16(at + 4) === METADATA) {
            const version = view.getInt16(at + 6);
            if (version < 9) throw new Error(`leaderlessConnect understands Metadata v9+ only, got v${version}`);
            versions.set(view.getInt32(at + 8), version);
            requests++;
          }
          at += 4 + view.getInt32(at);
        }
        return inner.write(chunk);
      },
      close: () => inner.close(),
    };
  };
  return {
    connect,
    metadataRequests: () => requests,
    hold: (on) => {
      holding = on;
      if (!on) for (const deliver of held.splice(0)) deliver();
    },
  };
}
