/**
 * A scripted Kafka cluster over in-memory sockets (`memory_socket.ts`) for
 * unit tests of the sender loop and the response handler through a real
 * `Producer`: every connection is a `MemorySocket` whose requests are
 * answered here — ApiVersions and InitProducerId at once, Metadata from
 * {@linkcode FakeCluster.topics} (or held back), Produce by the test's
 * {@linkcode FakeCluster.onProduce} (or later, by hand); for a transactional
 * producer (transactions v1), FindCoordinator (broker 1 coordinates),
 * AddPartitionsToTxn (by {@linkcode FakeCluster.onAddPartitions}) and EndTxn
 * (success).
 *
 * Brokers 1..n listen on 127.0.0.1:9100+id; the bootstrap address is
 * 127.0.0.1:9100 and answers like any broker. Responses use the flexible
 * versions a Kafka 4 broker picks: Metadata v13 (KIP-1102's top-level error),
 * Produce v11 (record errors, KIP-951 leader hints and node endpoints),
 * InitProducerId v4, FindCoordinator v4, AddPartitionsToTxn v3, EndTxn v4. A test may move brokers ({@linkcode FakeCluster.addresses}),
 * cut addresses off ({@linkcode FakeCluster.cutOff}) and decide how each
 * Metadata request is answered ({@linkcode FakeCluster.onMetadata}).
 */

import { ConnectionError } from "../../../src/errors.ts";
import type { Connect } from "../../../src/socket.ts";
import { AddPartitionsToTxn, ApiVersions, EndTxn, FindCoordinator, InitProducerId, Metadata, Produce } from "../../../src/protocol/index.ts";
import { Reader } from "../../../src/protocol/reader.ts";
import type { Writer } from "../../../src/protocol/writer.ts";
import { apiVersionsResponse, MemorySocket, type Ranges, type RequestFrame, response } from "./memory_socket.ts";

/** What the cluster says about one partition. */
export interface FakePartition {
  /** The leader's id; -1 makes the partition leaderless (LEADER_NOT_AVAILABLE). */
  leader: number;
  epoch?: number;
}

/** One partition of a Produce request, as the client wrote it. */
export interface ProducedPartition {
  index: number;
  /** The record batch bytes. */
  records: Uint8Array;
  /** From the batch header. */
  recordCount: number;
  baseSequence: number;
}

/** The answer for one partition of a Produce response (defaults: success). */
export interface PartitionAnswer {
  index: number;
  errorCode?: number;
  baseOffset?: bigint;
  logStartOffset?: bigint;
  recordErrors?: Array<{ batchIndex: number; message: string | null }>;
  errorMessage?: string | null;
  /** KIP-951: the partition's current leader, as a broker that is not the leader tells it. */
  currentLeader?: { leaderId: number; leaderEpoch: number };
}

/** A whole Produce answer. */
export interface ProduceAnswer {
  topics: Array<{ name: string; partitions: PartitionAnswer[] }>;
  throttleTimeMs?: number;
  /** KIP-951: endpoints of the leaders named in `currentLeader`. */
  nodeEndpoints?: Array<{ nodeId: number; host: string; port: number; rack: string | null }>;
}

/** A Produce request the cluster received. */
export interface ProduceRequestSeen {
  /** The broker it was sent to (-1 for the bootstrap address). */
  node: number;
  /** The port it was sent to. */
  port: number;
  version: number;
  acks: number;
  topics: Array<{ name: string; partitions: ProducedPartition[] }>;
  /** Answers it (once). */
  respond(answer: ProduceAnswer): void;
}

/**
 * How a Metadata request is answered: from the cluster's state, never (nor
 * anything after it on that connection, as a stuck broker), or with a
 * top-level error (v13).
 */
export type MetadataAnswer = "answer" | "hang" | { errorCode: number };

/** A Metadata request the cluster received. */
export interface MetadataRequestSeen {
  /** The broker it was sent to (-1 for the bootstrap address). */
  node: number;
  /** The port it was sent to. */
  port: number;
  topics: readonly string[];
}

const RANGES: Ranges = [[0, 3, 11], [3, 0, 13], [18, 0, 4], [22, 0, 4], [10, 0, 4], [24, 0, 3], [26, 0, 4]];
const APIS = [ApiVersions, Metadata, Produce, InitProducerId, FindCoordinator, AddPartitionsToTxn, EndTxn];
const LEADER_NOT_AVAILABLE = 5;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
/** The first port; broker `id` listens on `BASE_PORT + id`, the bootstrap address on `BASE_PORT`. */
const BASE_PORT = 9100;

/** A success for every partition of `request`, offsets counting up from 0 per request. */
export function success(request: ProduceRequestSeen): ProduceAnswer {
  return {
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ index: p.index })) })),
  };
}

/**
 * The cluster. Pass `bootstrap` and `connect` to the `Producer`.
 *
 * @example
 * ```ts ignore
 * const cluster = new FakeCluster({ topics: { t: [{ leader: 1 }] } });
 * const p = new Producer({ bootstrapServers: cluster.bootstrap, connect: cluster.connect });
 * ```
 */
export class FakeCluster {
  readonly bootstrap = `127.0.0.1:${BASE_PORT}`;
  /** Topics and their partitions; tests change it between Metadata requests. */
  topics: Record<string, FakePartition[]>;
  /** Broker ids (1..n). */
  readonly brokerIds: number[];
  /** Broker id → host:port; a test may move a broker. */
  readonly addresses = new Map<number, { host: string; port: number }>();
  /** Decides each Produce request's answer; `undefined` leaves it pending (answer with `respond`). */
  onProduce: (request: ProduceRequestSeen) => ProduceAnswer | undefined = success;
  /** The error code AddPartitionsToTxn answers for each partition (default: none). */
  onAddPartitions: (topic: string, partition: number) => number = () => 0;
  /** Every Produce request, in arrival order. */
  readonly produceRequests: ProduceRequestSeen[] = [];
  /** Metadata requests received, and the topics each asked for. */
  readonly metadataRequests: string[][] = [];
  /** The throttle time Metadata answers carry. */
  metadataThrottleMs = 0;
  /** Decides how each Metadata request is answered (before {@linkcode holdMetadata} applies). */
  onMetadata: (request: MetadataRequestSeen) => MetadataAnswer = () => "answer";
  /** Every socket opened, with the address it went to. */
  readonly sockets: Array<{ port: number; socket: MemorySocket }> = [];
  #holdMetadata = false;
  #heldMetadata: Array<() => void> = [];
  /** Connections whose broker stopped answering (a Metadata request hung); set only by `#answer`. */
  readonly #hung = new WeakSet<MemorySocket>();
  /** Ports that refuse connections; changed only by {@linkcode cutOff}. */
  readonly #refused = new Set<number>();

  constructor(options: { brokers?: number; topics: Record<string, FakePartition[]> }) {
    this.topics = options.topics;
    this.brokerIds = Array.from({ length: options.brokers ?? 3 }, (_, i) => i + 1);
    for (const id of this.brokerIds) this.addresses.set(id, { host: "127.0.0.1", port: BASE_PORT + id });
  }

  /** The `Connect` for the producer: one `MemorySocket` per connection. */
  readonly connect: Connect = async (options, handlers) => {
    if (this.#refused.has(options.port)) throw new ConnectionError(`Connection to "${options.host}:${options.port}" refused`);
    const socket = new MemorySocket(APIS);
    this.sockets.push({ port: options.port, socket });
    const inner = await socket.connect(options, handlers);
    const node = this.#nodeAt(options.port);
    return {
      write: (chunk) => {
        const before = socket.frames.length;
        const written = inner.write(chunk);
        for (const f of socket.frames.slice(before)) setTimeout(() => this.#answer(socket, node, options.port, f), 0);
        return written;
      },
      close: () => inner.close(),
    };
  };

  /**
   * The addresses on `ports` go away: connections to them are refused from
   * now on, and the open ones are closed by the broker.
   */
  cutOff(ports: readonly number[]): void {
    for (const port of ports) this.#refused.add(port);
    for (const s of this.sockets) if (this.#refused.has(s.port)) s.socket.peerClose(new ConnectionError("Connection reset by peer"));
  }

  /** From now on Metadata answers wait (true), or the held ones go out (false). */
  holdMetadata(on: boolean): void {
    this.#holdMetadata = on;
    if (!on) for (const deliver of this.#heldMetadata.splice(0)) deliver();
  }

  /** How many Metadata answers are held. */
  get heldMetadata(): number {
    return this.#heldMetadata.length;
  }

  #nodeAt(port: number): number {
    for (const [id, a] of this.addresses) if (a.port === port) return id;
    return -1;
  }

  #answer(socket: MemorySocket, node: number, port: number, f: RequestFrame): void {
    if (socket.closed || this.#hung.has(socket)) return;
    const r = new Reader(f.body);
    switch (f.apiKey) {
      case ApiVersions.key:
        return socket.deliver(apiVersionsResponse(f.correlationId, f.apiVersion, RANGES));
      case InitProducerId.key:
        return socket.deliver(response(f.correlationId, (w) => void w.int32(0).int16(0).int64(1000n).int16(0).uvarint(0), true));
      case Metadata.key: {
        const topics = r.compactArray((r) => {
          r.uuid();
          const name = r.compactNullableString();
          r.taggedFields();
          return name ?? "";
        });
        this.metadataRequests.push(topics);
        const answer = this.onMetadata({ node, port, topics });
        if (answer === "hang") return void this.#hung.add(socket);
        const errorCode = answer === "answer" ? 0 : answer.errorCode;
        const deliver = () => {
          if (!socket.closed) socket.deliver(response(f.correlationId, (w) => this.#writeMetadata(w, topics, f.apiVersion, errorCode), true));
        };
        if (this.#holdMetadata) this.#heldMetadata.push(deliver);
        else deliver();
        return;
      }
      case Produce.key:
        return this.#produce(socket, node, port, f, r);
      case FindCoordinator.key: {
        r.int8(); // key type
        const keys = r.compactArray((r) => r.compactString());
        const a = this.addresses.get(1)!;
        return socket.deliver(response(f.correlationId, (w) => {
          w.int32(0).compactArray(keys, (w, key) => void w.compactString(key).int32(1).compactString(a.host).int32(a.port).int16(0).compactNullableString(null).uvarint(0));
          w.uvarint(0);
        }, true));
      }
      case AddPartitionsToTxn.key: {
        r.compactString(); // transactional id
        r.int64(); // producer id
        r.int16(); // epoch
        const topics = r.compactArray((r) => {
          const t = { name: r.compactString(), partitions: r.compactArray((r) => r.int32()) };
          r.taggedFields();
          return t;
        });
        return socket.deliver(response(f.correlationId, (w) => {
          w.int32(0).compactArray(topics, (w, t) => {
            w.compactString(t.name).compactArray(t.partitions, (w, p) => void w.int32(p).int16(this.onAddPartitions(t.name, p)).uvarint(0)).uvarint(0);
          });
          w.uvarint(0);
        }, true));
      }
      case EndTxn.key:
        return socket.deliver(response(f.correlationId, (w) => void w.int32(0).int16(0).uvarint(0), true));
    }
  }

  #writeMetadata(w: Writer, topics: readonly string[], version: number, errorCode: number): void {
    w.int32(this.metadataThrottleMs);
    w.compactArray(this.brokerIds, (w, id) => {
      const a = this.addresses.get(id)!;
      w.int32(id).compactString(a.host).int32(a.port).compactNullableString(null).uvarint(0);
    });
    w.compactNullableString("fake-cluster").int32(this.brokerIds[0]!);
    w.compactArray(topics, (w, name) => {
      const parts = this.topics[name];
      w.int16(parts === undefined ? UNKNOWN_TOPIC_OR_PARTITION : 0).compactNullableString(name);
      w.uuid(new Uint8Array(16).fill(7)).bool(false);
      w.compactArray(parts ?? [], (w, p) => {
        const i = parts!.indexOf(p);
        const replicas = p.leader >= 0 ? [p.leader] : [];
        w.int16(p.leader >= 0 ? 0 : LEADER_NOT_AVAILABLE).int32(i).int32(p.leader).int32(p.epoch ?? 0);
        for (let k = 0; k < 3; k++) w.compactArray(k === 2 ? [] : replicas, (w, n) => void w.int32(n));
        w.uvarint(0);
      });
      w.int32(-2147483648).uvarint(0);
    });
    if (version >= 13) w.int16(errorCode);
    w.uvarint(0);
  }

  #produce(socket: MemorySocket, node: number, port: number, f: RequestFrame, r: Reader): void {
    r.compactNullableString(); // transactional id
    const acks = r.int16();
    r.int32(); // timeout
    const topics = r.compactArray((r) => {
      const name = r.compactString();
      const partitions = r.compactArray((r): ProducedPartition => {
        const index = r.int32();
        const records = r.compactNullableBytes()!.slice();
        r.taggedFields();
        const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
        return { index, records, baseSequence: view.getInt32(53), recordCount: view.getInt32(57) };
      });
      r.taggedFields();
      return { name, partitions };
    });
    let answered = false;
    const seen: ProduceRequestSeen = {
      node,
      port,
      version: f.apiVersion,
      acks,
      topics,
      respond: (answer) => {
        if (answered || acks === 0 || socket.closed) return;
        answered = true;
        socket.deliver(response(f.correlationId, (w) => writeProduce(w, answer), true));
      },
    };
    this.produceRequests.push(seen);
    const answer = this.onProduce(seen);
    if (answer !== undefined) seen.respond(answer);
  }
}

/** A Produce v11 response body. */
function writeProduce(w: Writer, answer: ProduceAnswer): void {
  w.compactArray(answer.topics, (w, t) => {
    w.compactString(t.name);
    w.compactArray(t.partitions, (w, p) => {
      w.int32(p.index).int16(p.errorCode ?? 0).int64(p.errorCode ? -1n : (p.baseOffset ?? 0n)).int64(-1n).int64(p.logStartOffset ?? 0n);
      w.compactArray(p.recordErrors ?? [], (w, e) => void w.int32(e.batchIndex).compactNullableString(e.message).uvarint(0));
      w.compactNullableString(p.errorMessage ?? null);
      const leader = p.currentLeader;
      w.taggedFields(leader ? [[0, (w: Writer) => void w.int32(leader.leaderId).int32(leader.leaderEpoch).uvarint(0)]] : []);
    });
    w.uvarint(0);
  });
  w.int32(answer.throttleTimeMs ?? 0);
  const endpoints = answer.nodeEndpoints ?? [];
  w.taggedFields(endpoints.length === 0 ? [] : [[0, (w: Writer) =>
    void w.compactArray(endpoints, (w, e) => void w.int32(e.nodeId).compactString(e.host).int32(e.port).compactNullableString(e.rack).uvarint(0))]]);
}
