/**
 * A fault-injecting transport for the producer's public `connect` option:
 * it wraps the runtime's socket and replays, deterministically, the race of
 * KAFKA-15591 against a real broker.
 *
 * The first Produce request for one topic-partition fails as it does when it
 * reaches a broker that has not applied the partition's creation yet
 * (NOT_LEADER_OR_FOLLOWER), and its answer is held back until the next
 * Produce request for that partition has been written — so that request
 * reaches the broker first, as it does in the real race when the broker
 * applies the partition between the two requests.
 *
 * How: the request's partition index is rewritten to 999 (the real broker
 * answers UNKNOWN_TOPIC_OR_PARTITION for it and writes nothing); in the
 * answer, index 999 goes back to the real one and the error becomes
 * NOT_LEADER_OR_FOLLOWER (6). Responses keep their order on the connection.
 * Only flexible Produce versions (9+) with topic names are understood.
 */

import { autoConnect } from "../../runtime/auto.ts";
import type { Connect, Socket } from "../../mod.ts";

const PRODUCE = 0;
const FAKE_INDEX = 999;
const NOT_LEADER_OR_FOLLOWER = 6;

/** Reads Kafka's wire types from a frame (after its size prefix). */
class Cursor {
  constructor(readonly b: Uint8Array, public at = 0) {}
  get view(): DataView {
    return new DataView(this.b.buffer, this.b.byteOffset, this.b.byteLength);
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
  skipCompactBytes(): void {
    const n = this.uvarint();
    if (n > 0) this.at += n - 1;
  }
  skipTags(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      this.at += this.uvarint();
    }
  }
}

/** What the fault did, for the test to check that it really happened. */
export interface FaultState {
  /** Correlation id of the request whose partition was rewritten (-1: none yet). */
  victim: number;
  /** Whether its answer was rewritten and held. */
  held: boolean;
  /** Whether a later Produce request for the partition was written while it was held. */
  overtaken: boolean;
  /** Why the held answer was released. */
  releasedBy: "overtaken" | "timeout" | null;
}

/**
 * A `connect` for `new Producer({ connect })` that applies the fault above
 * once, to the first Produce request carrying `topic`/`partition`.
 */
export function firstProduceOvertaken(
  topic: string,
  partition: number,
  holdMs = 1_000,
  base: Connect = autoConnect,
): { connect: Connect; state: FaultState } {
  const state: FaultState = { victim: -1, held: false, overtaken: false, releasedBy: null };
  let armed = true;
  let victimVersion = -1;
  /** Response frames held back (size prefix included), in order. */
  let holding: Uint8Array[] | null = null;
  let release: (() => void) | null = null;

  const connect: Connect = async (options, handlers) => {
    let inbuf = new Uint8Array(0);
    const deliver = (frame: Uint8Array) => handlers.onData(frame);
    const socket: Socket = await base(options, {
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
          if (holding !== null) {
            holding.push(frame);
          } else if (correlationId === state.victim && !state.held) {
            patchResponse(frame.subarray(4), victimVersion, topic, partition);
            state.held = true;
            holding = [frame];
            const timer = setTimeout(() => {
              state.releasedBy ??= "timeout";
              release?.();
            }, holdMs);
            release = () => {
              clearTimeout(timer);
              state.releasedBy ??= "overtaken";
              const held = holding ?? [];
              holding = null;
              release = null;
              for (const f of held) deliver(f);
            };
            if (state.overtaken) release();
          } else {
            deliver(frame);
          }
        }
        inbuf = joined.slice(at);
      },
    });
    return {
      close: () => socket.close(),
      write: async (chunk) => {
        const copy = chunk.slice();
        let overtakes = false;
        for (let at = 0; at < copy.length;) {
          const size = new DataView(copy.buffer, at).getInt32(0);
          const frame = copy.subarray(at + 4, at + 4 + size);
          at += 4 + size;
          const c = new Cursor(frame);
          if (c.int16() !== PRODUCE) continue;
          const version = c.int16();
          const correlationId = c.int32();
          if (version < 9) throw new Error(`firstProduceOvertaken understands Produce v9+ only, got v${version}`);
          const indexAt = findPartitionIndex(frame, topic, partition);
          if (indexAt < 0) continue;
          if (armed) {
            armed = false;
            state.victim = correlationId;
            victimVersion = version;
            new DataView(frame.buffer, frame.byteOffset).setInt32(indexAt, FAKE_INDEX);
          } else if (state.victim >= 0 && !state.overtaken) {
            overtakes = true;
          }
        }
        await socket.write(copy);
        if (overtakes) {
          state.overtaken = true;
          release?.();
        }
      },
    };
  };
  return { connect, state };
}

/** Offset (in `frame`, after the size prefix) of `partition`'s index in a flexible Produce request, or -1. */
function findPartitionIndex(frame: Uint8Array, topic: string, partition: number): number {
  const c = new Cursor(frame, 8);
  const clientIdLength = c.int16();
  if (clientIdLength > 0) c.skip(clientIdLength);
  c.skipTags(); // request header v2
  c.compactString(); // transactional id
  c.skip(2 + 4); // acks, timeout
  const topics = c.uvarint() - 1;
  for (let t = 0; t < topics; t++) {
    const name = c.compactString();
    const partitions = c.uvarint() - 1;
    for (let p = 0; p < partitions; p++) {
      const at = c.at;
      const index = c.int32();
      if (name === topic && index === partition) return at;
      c.skipCompactBytes();
      c.skipTags();
    }
    c.skipTags();
  }
  return -1;
}

/** In a flexible Produce response: partition FAKE_INDEX of `topic` becomes `partition`, with NOT_LEADER_OR_FOLLOWER. */
function patchResponse(frame: Uint8Array, version: number, topic: string, partition: number): void {
  const c = new Cursor(frame, 4);
  c.skipTags(); // response header v1
  const topics = c.uvarint() - 1;
  for (let t = 0; t < topics; t++) {
    const name = c.compactString();
    const partitions = c.uvarint() - 1;
    for (let p = 0; p < partitions; p++) {
      const at = c.at;
      const index = c.int32();
      if (name === topic && index === FAKE_INDEX) {
        const view = new DataView(frame.buffer, frame.byteOffset);
        view.setInt32(at, partition);
        view.setInt16(at + 4, NOT_LEADER_OR_FOLLOWER);
        return;
      }
      c.skip(2 + 8 + 8 + 8); // error code, base offset, log append time, log start offset
      const recordErrors = c.uvarint() - 1;
      for (let i = 0; i < recordErrors; i++) {
        c.skip(4);
        c.compactString();
        c.skipTags();
      }
      c.compactString(); // error message
      c.skipTags();
    }
    c.skipTags();
  }
  throw new Error(`Produce v${version} response without partition ${FAKE_INDEX} of "${topic}"`);
}
