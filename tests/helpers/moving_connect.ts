/**
 * A `connect` for the re-bootstrap test that moves a real single-node
 * cluster's broker to another address under the producer's feet, while the
 * bootstrap address keeps working — as when brokers are replaced and come
 * back elsewhere, behind the same DNS name or load balancer.
 *
 * The producer bootstraps from an alias of the broker (`localhost:PORT`); it
 * learns the advertised address (`HOST:PORT`, as the broker advertises it)
 * from Metadata. After
 * `move()`, that learned address refuses connections (the open ones are cut),
 * and every Metadata answer advertises the broker at a new port, `MOVED`,
 * which this transport maps back to the real broker. Only the port field is
 * rewritten (4 bytes), so frames keep their length. Understands flexible
 * Metadata versions (9+) only.
 */

import { autoConnect } from "../../runtime/auto.ts";
import { type Connect, ConnectionError } from "../../mod.ts";

const METADATA = 3;

/** The port the broker "moves" to; nothing listens there, this transport maps it to the real one. */
export const MOVED_PORT = 1;

/** Reads Kafka's wire types from a frame, and patches int32s in place. */
class Cursor {
  readonly view: DataView;
  constructor(readonly b: Uint8Array, public at = 0) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  skip(n: number): void {
    this.at += n;
  }
  int32(): number {
    const v = this.view.getInt32(this.at);
    this.at += 4;
    return v;
  }
  uvarint(): number {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.b[this.at++]!;
      v |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return v >>> 0;
    }
  }
  skipCompactString(): void {
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

/** In a flexible Metadata response (after the size prefix), advertises port `from` as `to`. */
function movePort(frame: Uint8Array, from: number, to: number): void {
  const c = new Cursor(frame, 4); // correlation id
  c.skipTags(); // response header v1
  c.skip(4); // throttle time
  const brokers = c.uvarint() - 1;
  for (let i = 0; i < brokers; i++) {
    c.skip(4); // node id
    c.skipCompactString(); // host
    if (c.view.getInt32(c.at) === from) c.view.setInt32(c.at, to);
    c.skip(4);
    c.skipCompactString(); // rack
    c.skipTags();
  }
}

/** One open connection, to cut when its address goes away. */
interface Open {
  address: string;
  cut: () => void;
}

/**
 * The transport. `host` and `port` are the real broker's advertised address;
 * bootstrap the producer from `${alias}:${port}`.
 */
export function movingConnect(host: string, port: number, base: Connect = autoConnect): {
  connect: Connect;
  /** The broker moves: its learned address refuses from now on, Metadata advertises `MOVED_PORT`. */
  move(): void;
  /** Every address connected to, in order ("host:port"). */
  dialed: string[];
  /** The bootstrap alias' host. */
  alias: string;
} {
  const alias = "localhost";
  const learned = `${host}:${port}`;
  let moved = false;
  const dialed: string[] = [];
  const open = new Set<Open>();
  const connect: Connect = async (options, handlers) => {
    const address = `${options.host}:${options.port}`;
    dialed.push(address);
    if (moved && address === learned) throw new ConnectionError(`Connection to "${address}" refused`);
    const real = options.host === alias || options.port === MOVED_PORT ? { host, port } : options;
    const metadataAnswers = new Set<number>();
    let inbuf = new Uint8Array(0);
    let closed = false;
    const inner = await base({ ...options, host: real.host, port: real.port }, {
      onClose: (error) => {
        if (closed) return;
        closed = true;
        open.delete(entry);
        handlers.onClose(error);
      },
      onData: (chunk) => {
        if (closed) return;
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
          if (metadataAnswers.delete(correlationId) && moved) movePort(frame.subarray(4), port, MOVED_PORT);
          handlers.onData(frame);
        }
        inbuf = joined.slice(at);
      },
    });
    const entry: Open = {
      address,
      cut: () => {
        if (closed) return;
        closed = true;
        inner.close();
        handlers.onClose(new ConnectionError(`Connection to "${address}" was reset`));
      },
    };
    open.add(entry);
    return {
      write: (chunk) => {
        const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        for (let at = 0; at + 12 <= chunk.length;) {
          if (view.getInt16(at + 4) === METADATA) {
            const version = view.getInt16(at + 6);
            if (version < 9) throw new Error(`movingConnect understands Metadata v9+ only, got v${version}`);
            metadataAnswers.add(view.getInt32(at + 8));
          }
          at += 4 + view.getInt32(at);
        }
        return inner.write(chunk);
      },
      close: () => {
        open.delete(entry);
        inner.close();
      },
    };
  };
  return {
    connect,
    dialed,
    alias,
    move: () => {
      moved = true;
      for (const o of [...open]) if (o.address === learned) o.cut();
    },
  };
}
