/**
 * A fake Kafka cluster over in-memory sockets (`memory_socket.ts`), for unit
 * tests of the whole producer without a broker: each broker answers
 * ApiVersions, Metadata (v7, from the cluster's current leaders) and Produce
 * (v7: appended to the partition's log if it leads it, else
 * NOT_LEADER_OR_FOLLOWER). A test moves leaders and holds a broker's Produce
 * answers to stage races a real cluster only shows by chance.
 *
 * Speaks only non-flexible Metadata and Produce versions (and ApiVersions),
 * which is all a non-transactional producer needs.
 */

import type { Connect } from "../../../src/socket.ts";
import { ApiVersions, Metadata, Produce } from "../../../src/protocol/index.ts";
import { Reader } from "../../../src/protocol/reader.ts";
import { readBatch } from "../../../src/protocol/record_reader.ts";
import { apiVersionsResponse, MemorySocket, type RequestFrame, response } from "./memory_socket.ts";

/** Error codes the fake brokers answer with. */
const NONE = 0;
const NOT_LEADER_OR_FOLLOWER = 6;

/** A partition's leader and its epoch. */
interface Leadership {
  leader: number;
  epoch: number;
}

/** A Produce request a broker holds back until the test releases it. */
interface HeldProduce {
  socket: MemorySocket;
  frame: RequestFrame;
}

/** One broker of the cluster. */
interface FakeBroker {
  readonly id: number;
  readonly port: number;
  /** Whether Produce requests are held instead of answered. */
  holding: boolean;
  readonly held: HeldProduce[];
}

/**
 * Brokers 1..n on 127.0.0.1:9092.., with topics whose partitions the test
 * places and moves.
 *
 * @example
 * ```ts ignore
 * const cluster = new MemoryCluster(2, { t: [1] });
 * const producer = new Producer({ bootstrapServers: cluster.bootstrap, connect: cluster.connect });
 * ```
 */
export class MemoryCluster {
  /** Values written to each "topic/partition", in log order (as UTF-8 strings). */
  readonly logs = new Map<string, string[]>();
  /** Metadata requests answered so far (a test waits for one after moving a leader). */
  metadataRequests = 0;
  readonly #brokers: FakeBroker[];
  /** "topic/partition" → leader and epoch; changed only by the constructor and {@linkcode moveLeader}. */
  readonly #leaders = new Map<string, Leadership>();
  /** Partition counts by topic. */
  readonly #topics = new Map<string, number>();
  /** Told after every request a broker answered. */
  #answered: Array<() => void> = [];

  /** `topics` maps each topic to the leader of each partition (broker ids from 1). */
  /** The highest Produce version the brokers advertise (7; lower to play an old broker). */
  readonly #produceMax: number;

  constructor(brokers: number, topics: Record<string, number[]>, produceMax = 7) {
    this.#produceMax = produceMax;
    this.#brokers = Array.from({ length: brokers }, (_, i) => ({ id: i + 1, port: 9092 + i, holding: false, held: [] }));
    for (const [topic, leaders] of Object.entries(topics)) {
      this.#topics.set(topic, leaders.length);
      leaders.forEach((leader, p) => {
        this.#leaders.set(`${topic}/${p}`, { leader, epoch: 0 });
        this.logs.set(`${topic}/${p}`, []);
      });
    }
  }

  /** The `bootstrap.servers` value: the first broker. */
  get bootstrap(): string {
    return "127.0.0.1:9092";
  }

  /** The producer's socket adapter: every connection is a new in-memory socket served by its broker. */
  readonly connect: Connect = async (options, handlers) => {
    const broker = this.#brokers.find((b) => b.port === options.port);
    if (broker === undefined) throw new Error(`No fake broker on port ${options.port}`);
    const socket: MemorySocket = new MemorySocket([ApiVersions, Metadata, Produce], (f) => {
      // Answered after the write returns, as a real broker's bytes arrive later.
      setTimeout(() => this.#serve(broker, socket, f), 0);
    });
    return socket.connect(options, handlers);
  };

  /** Moves a partition's leadership to `leader` under the next leader epoch. */
  moveLeader(topic: string, partition: number, leader: number): void {
    const l = this.#leaders.get(`${topic}/${partition}`)!;
    this.#leaders.set(`${topic}/${partition}`, { leader, epoch: l.epoch + 1 });
  }

  /** From now on, broker `id` holds its Produce requests unanswered. */
  holdProduce(id: number): void {
    this.#broker(id).holding = true;
  }

  /** Produce requests broker `id` holds. */
  heldProduce(id: number): number {
    return this.#broker(id).held.length;
  }

  /** Broker `id` answers the requests it held, from the cluster's state now, and stops holding. */
  releaseProduce(id: number): void {
    const b = this.#broker(id);
    b.holding = false;
    for (const h of b.held.splice(0)) this.#produce(b, h.socket, h.frame);
  }

  /** Waits (bounded) until `done()` holds, checking after each answered request. */
  async until(done: () => boolean, ms = 2000, what = "the cluster to reach a state"): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 20));
        this.#answered.push(() => (clearTimeout(t), r()));
      });
    }
  }

  #broker(id: number): FakeBroker {
    const b = this.#brokers.find((x) => x.id === id);
    if (b === undefined) throw new Error(`No fake broker ${id}`);
    return b;
  }

  #serve(broker: FakeBroker, socket: MemorySocket, f: RequestFrame): void {
    if (socket.closed) return;
    if (f.apiKey === ApiVersions.key) {
      socket.deliver(apiVersionsResponse(f.correlationId, f.apiVersion, [[0, 3, this.#produceMax], [3, 0, 7], [18, 0, 4]]));
    } else if (f.apiKey === Metadata.key) {
      this.metadataRequests++;
      socket.deliver(this.#metadataResponse(f.correlationId));
    } else if (f.apiKey === Produce.key) {
      if (broker.holding) broker.held.push({ socket, frame: f });
      else this.#produce(broker, socket, f);
    }
    for (const w of this.#answered.splice(0)) w();
  }

  /** Metadata v7, every topic, from the leaders now. */
  #metadataResponse(correlationId: number): Uint8Array {
    return response(correlationId, (w) => {
      w.int32(0); // throttle
      w.int32(this.#brokers.length);
      for (const b of this.#brokers) w.int32(b.id).string("127.0.0.1").int32(b.port).nullableString(null);
      w.nullableString("memory-cluster").int32(1);
      w.int32(this.#topics.size);
      for (const [topic, count] of this.#topics) {
        w.int16(NONE).string(topic).bool(false).int32(count);
        for (let p = 0; p < count; p++) {
          const l = this.#leaders.get(`${topic}/${p}`)!;
          w.int16(NONE).int32(p).int32(l.leader).int32(l.epoch);
          w.int32(1).int32(l.leader); // replicas
          w.int32(1).int32(l.leader); // isr
          w.int32(0); // offline
        }
      }
    });
  }

  /** Produce v3-7: appends what this broker leads, answers NOT_LEADER_OR_FOLLOWER for the rest. */
  #produce(broker: FakeBroker, socket: MemorySocket, f: RequestFrame): void {
    if (socket.closed) return;
    const r = new Reader(f.body);
    r.nullableString(); // transactional id
    const acks = r.int16();
    r.int32(); // timeout
    const results: Array<{ topic: string; partitions: Array<{ index: number; error: number; offset: bigint }> }> = [];
    const topics = r.int32();
    for (let t = 0; t < topics; t++) {
      const topic = r.string();
      const partitions: Array<{ index: number; error: number; offset: bigint }> = [];
      const n = r.int32();
      for (let i = 0; i < n; i++) {
        const index = r.int32();
        const records = r.nullableBytes();
        const key = `${topic}/${index}`;
        const log = this.logs.get(key);
        if (log === undefined || this.#leaders.get(key)!.leader !== broker.id || records === null) {
          partitions.push({ index, error: NOT_LEADER_OR_FOLLOWER, offset: -1n });
          continue;
        }
        const offset = BigInt(log.length);
        for (const rec of readBatch(records).records) log.push(rec.value === null ? "" : new TextDecoder().decode(rec.value));
        partitions.push({ index, error: NONE, offset });
      }
      results.push({ topic, partitions });
    }
    if (acks === 0) return;
    socket.deliver(response(f.correlationId, (w) => {
      w.int32(results.length);
      for (const t of results) {
        w.string(t.topic).int32(t.partitions.length);
        for (const p of t.partitions) w.int32(p.index).int16(p.error).int64(p.offset).int64(-1n).int64(0n);
      }
      w.int32(0); // throttle
    }));
  }
}
