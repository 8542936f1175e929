/**
 * A hostile broker, made from a real one: a transport for the producer's
 * public `connect` option that wraps the runtime's socket and corrupts the
 * RESPONSE frames the broker sends back (requests pass through untouched).
 *
 * Every response frame is cut out of the byte stream (size prefix included)
 * and, with probability `rate`, suffers one fault:
 * - `flip`: 1–4 random bits of the frame flipped (now and then in the size prefix);
 * - `truncate`: the body cut short, the size prefix fixed to match;
 * - `short`: the body cut short, the size prefix left as it was (the stream desyncs);
 * - `size`: an absurd size prefix (negative, 0–3, just above the limit, the limit, up to 2^31−1);
 * - `count`: an absurd count (an int32 or a 5-byte uvarint) written over the body's first fields;
 * - `correlation`: a wrong correlation id;
 * - `duplicate`: the frame delivered twice;
 * - `drop`: the frame never delivered;
 * - `swap`: the frame held back and delivered after the next one;
 * - `close`: part of the frame delivered, then the socket closed.
 * Whatever is delivered goes out in random chunks (1 byte up to all of it).
 *
 * Seeded and repeatable: connection n draws from its own PRNG (Mulberry32
 * seeded with `seed` and n) whether a frame suffers a fault and how, so
 * what a connection suffers depends only on the seed, on the frames it
 * receives and on the deck. The deck deals the kind of each fault: a
 * seeded shuffle of all kinds, dealt to the end before the next shuffle,
 * so every kind comes up once in every ten faults (a run that applied ten
 * faults applied each kind). Transports that share a deck share that
 * promise.
 */

import { autoConnect } from "../../runtime/auto.ts";
import type { Connect, Socket } from "../../mod.ts";

/** The faults, by name. */
export const FAULTS = ["flip", "truncate", "short", "size", "count", "correlation", "duplicate", "drop", "swap", "close"] as const;
export type Fault = (typeof FAULTS)[number];

/** What the hostile transport did, for the test to check that it really happened. */
export interface HostileStats {
  /** Sockets opened through it. */
  opened: number;
  /** Of those, sockets closed (by either side). */
  closed: number;
  /** Response frames seen. */
  frames: number;
  /** Faults applied, by name. */
  faults: Record<Fault, number>;
}

/** Settings of {@linkcode hostileConnect}. */
export interface HostileOptions {
  /** Seed of the fault sequence (an unsigned 32-bit integer). */
  seed: number;
  /** Probability that a response frame suffers a fault (0 to 1). */
  rate: number;
  /** The transport wrapped (default: the runtime's). */
  base?: Connect;
  /** Deals the kind of each fault (default: `faultDeck(seed)`, this transport's own). */
  deck?: () => Fault;
}

/**
 * The producer timeouts of the hostile scenario (`tests/e2e/scenarios/hostile.ts`), small so that
 * faults resolve quickly; its test bounds how long a send may take with them.
 */
export const HOSTILE_TIMEOUTS = { maxBlockMs: 1000, requestTimeoutMs: 1000, deliveryTimeoutMs: 3000 } as const;

/** Kafka's `socket.request.max.bytes` default, the client's limit for a response frame. */
const LIMIT = 100 * 1024 * 1024;
const ABSURD_SIZES = [-1, -0x80000000, 0, 1, 3, LIMIT, LIMIT + 1, 0x7fffffff, 50_000_000, 1_000_000];
const ABSURD_INT32 = [0x7fffffff, 0x40000000, 100_000_000, -2, -0x80000000];

/** A small seeded PRNG (Mulberry32): the next float in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A deck of fault kinds: each call deals the next kind of a seeded shuffle
 * of {@linkcode FAULTS}, and reshuffles once all were dealt.
 */
export function faultDeck(seed: number): () => Fault {
  const rand = mulberry32(seed ^ 0x5bd1e995);
  const deck: Fault[] = [];
  return () => {
    if (deck.length === 0) {
      deck.push(...FAULTS);
      for (let i = deck.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [deck[i], deck[j]] = [deck[j]!, deck[i]!];
      }
    }
    return deck.pop()!;
  };
}

/** A `connect` for `new Producer({ connect })` whose broker answers are corrupted as described above. */
export function hostileConnect(options: HostileOptions): { connect: Connect; stats: HostileStats } {
  const base = options.base ?? autoConnect;
  const deal = options.deck ?? faultDeck(options.seed);
  const stats: HostileStats = {
    opened: 0,
    closed: 0,
    frames: 0,
    faults: Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>,
  };
  let connections = 0;

  const connect: Connect = async (socketOptions, handlers) => {
    const rand = mulberry32((options.seed ^ Math.imul(++connections, 0x9e3779b9)) >>> 0);
    const int = (n: number) => Math.floor(rand() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
    /** Bytes received and not yet cut into frames. */
    let inbuf = new Uint8Array(0);
    /** A frame held back by `swap`, delivered after the next one. */
    let held: Uint8Array | null = null;
    /** Set once this side closed the socket (no more bytes are delivered) or it closed. */
    let done = false;
    let closedCounted = false;
    let socket: Socket | null = null;
    const countClosed = () => {
      if (!closedCounted) {
        closedCounted = true;
        stats.closed++;
      }
    };

    /** Hands `bytes` to the connection in random chunks. */
    const deliver = (bytes: Uint8Array) => {
      for (let at = 0; at < bytes.length && !done;) {
        const n = rand() < 0.5 ? bytes.length - at : 1 + int(bytes.length - at);
        handlers.onData(bytes.subarray(at, at + n));
        at += n;
      }
    };

    const closeEarly = () => {
      done = true;
      socket?.close();
    };

    /** One response frame (size prefix included): pass it on, or apply a fault. */
    const onFrame = (frame: Uint8Array) => {
      stats.frames++;
      const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
      let out: Uint8Array[] = [frame];
      if (rand() < options.rate) {
        const fault = deal();
        stats.faults[fault]++;
        const body = frame.length - 4;
        switch (fault) {
          case "flip":
            for (let i = 1 + int(4); i > 0; i--) {
              const at = rand() < 0.1 ? int(4) : 4 + int(body);
              frame[at] = frame[at]! ^ (1 << int(8));
            }
            break;
          case "truncate": {
            const keep = int(body);
            const cut = frame.slice(0, 4 + keep);
            new DataView(cut.buffer).setInt32(0, keep);
            out = [cut];
            break;
          }
          case "short":
            out = [frame.subarray(0, 4 + int(body))];
            break;
          case "size":
            view.setInt32(0, pick(ABSURD_SIZES));
            break;
          case "count": {
            const at = 4 + 4 + int(Math.max(1, Math.min(body - 4, 24)));
            if (rand() < 0.5 && at + 4 <= frame.length) {
              view.setInt32(at, pick(ABSURD_INT32));
            } else {
              // A uvarint of ~2^32 inserted: the frame grows by 5 bytes.
              const grown = new Uint8Array(frame.length + 5);
              grown.set(frame.subarray(0, at));
              grown.set([0xff, 0xff, 0xff, 0xff, 0x0f], at);
              grown.set(frame.subarray(at), at + 5);
              new DataView(grown.buffer).setInt32(0, body + 5);
              out = [grown];
            }
            break;
          }
          case "correlation":
            view.setInt32(4, view.getInt32(4) + pick([1, -1, 2, 1000, -0x40000000]));
            break;
          case "duplicate":
            out = [frame, frame];
            break;
          case "drop":
            out = [];
            break;
          case "swap":
            if (held === null) {
              held = frame;
              return;
            }
            break;
          case "close":
            deliver(frame.subarray(0, int(frame.length)));
            closeEarly();
            return;
        }
      }
      if (held !== null && out.length > 0) {
        out.push(held);
        held = null;
      }
      for (const bytes of out) deliver(bytes);
    };

    socket = await base(socketOptions, {
      onClose: (error) => {
        done = true;
        countClosed();
        handlers.onClose(error);
      },
      onData: (chunk) => {
        if (done) return;
        const joined = new Uint8Array(inbuf.length + chunk.length);
        joined.set(inbuf);
        joined.set(chunk, inbuf.length);
        let at = 0;
        while (joined.length - at >= 4 && !done) {
          const size = new DataView(joined.buffer, joined.byteOffset + at).getInt32(0);
          if (joined.length - at - 4 < size) break;
          const frame = joined.slice(at, at + 4 + size);
          at += 4 + size;
          onFrame(frame);
        }
        inbuf = joined.slice(at);
      },
    });
    stats.opened++;
    const opened = socket;
    // A fault may have closed it before `base` returned it.
    if (done) opened.close();
    return {
      write: (chunk) => opened.write(chunk),
      close: () => {
        done = true;
        opened.close();
      },
    };
  };
  return { connect, stats };
}
