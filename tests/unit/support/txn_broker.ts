/**
 * A scripted in-memory cluster for the transaction manager's unit tests: a
 * `Connect` that gives every connection a `MemorySocket` (memory_socket.ts)
 * and answers each request frame the client writes — ApiVersions,
 * FindCoordinator, InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn,
 * TxnOffsetCommit, EndTxn — with a scripted reply or a default success, and a
 * `TransactionManager` wired to it the way the producer wires one (real
 * `NetworkClient`, `Coordinators`, `Idempotence`; the sender and the records
 * replaced by counters).
 */

import type { KafkaError } from "../../../src/errors.ts";
import { silentLogger } from "../../../src/logger.ts";
import { NetworkClient } from "../../../src/network/client.ts";
import { AddOffsetsToTxn } from "../../../src/protocol/add_offsets_to_txn.ts";
import { AddPartitionsToTxn } from "../../../src/protocol/add_partitions_to_txn.ts";
import { ApiVersions } from "../../../src/protocol/api_versions.ts";
import { EndTxn } from "../../../src/protocol/end_txn.ts";
import { FindCoordinator } from "../../../src/protocol/find_coordinator.ts";
import { InitProducerId } from "../../../src/protocol/init_producer_id.ts";
import { Produce } from "../../../src/protocol/produce.ts";
import { Reader } from "../../../src/protocol/reader.ts";
import { TxnOffsetCommit } from "../../../src/protocol/txn_offset_commit.ts";
import type { Writer } from "../../../src/protocol/writer.ts";
import { Coordinators } from "../../../src/producer/coordinator.ts";
import { Idempotence } from "../../../src/producer/idempotence.ts";
import { TransactionManager } from "../../../src/producer/transactions.ts";
import type { Connect } from "../../../src/socket.ts";
import { MemorySocket, response, within } from "./memory_socket.ts";
import { metadataWith } from "./producer.ts";

const APIS = [ApiVersions, FindCoordinator, InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, TxnOffsetCommit, Produce];

/** A request the cluster received, with the fields the tests look at. */
export interface TxnRequest {
  node: number;
  api: string;
  version: number;
  /** Time it arrived (`Date.now()`). */
  at: number;
  /** Decoded fields (see `decodeRequest`). */
  fields: Record<string, unknown>;
}

/** A scripted reply: the error code and, where the API has them, the values to return. */
export interface Reply {
  errorCode?: number;
  /** FindCoordinator: the coordinator's node id (default 1). */
  nodeId?: number;
  /** InitProducerId, EndTxn v5: the producer id/epoch to hand out. */
  producerId?: bigint;
  epoch?: number;
  /** AddPartitionsToTxn: per-partition codes by "topic-partition" (others get `errorCode`). */
  partitions?: Record<string, number>;
}

/** How a cluster is built: versions per API and the finalized `transaction.version`. */
export interface ClusterOptions {
  /** Transactions v2 (KIP-890): `transaction.version` 2, Produce up to v12, EndTxn and TxnOffsetCommit up to v5. */
  v2?: boolean;
  /** Overrides of the max version per API key. */
  maxVersions?: Record<number, number>;
}

/** Three brokers (ids 1–3, ports 9092–9094) that answer transactional requests. */
export class TxnCluster {
  /** Every request in arrival order (ApiVersions excluded). */
  readonly requests: TxnRequest[] = [];
  readonly #scripts = new Map<string, Array<Reply | Promise<Reply>>>();
  readonly #options: ClusterOptions;
  /** The epoch InitProducerId hands out next (bumped by each, as a coordinator does). */
  #nextEpoch = 0;

  constructor(options: ClusterOptions = {}) {
    this.#options = options;
  }

  /** Replies for the next requests of `api` (by name), in order; then default successes. */
  script(api: string, ...replies: Array<Reply | Promise<Reply>>): this {
    (this.#scripts.get(api) ?? this.#scripts.set(api, []).get(api)!).push(...replies);
    return this;
  }

  /** Drops the replies still scripted for `api`: its next requests succeed. */
  unscript(api: string): this {
    this.#scripts.delete(api);
    return this;
  }

  /** The requests of one API. */
  sent(api: string): TxnRequest[] {
    return this.requests.filter((r) => r.api === api);
  }

  /** Waits (bounded) until `n` requests of `api` arrived. */
  async waitFor(api: string, n = 1, ms = 2000): Promise<TxnRequest> {
    const until = Date.now() + ms;
    while (this.sent(api).length < n) {
      if (Date.now() > until) throw new Error(`Timed out waiting for ${api} #${n} (got ${this.sent(api).length})`);
      await new Promise((r) => setTimeout(r, 2));
    }
    return this.sent(api)[n - 1]!;
  }

  /** The `Connect` for a `NetworkClient`: one scripted memory socket per connection. */
  readonly connect: Connect = async (options, handlers) => {
    const node = options.port - 9091;
    const socket = new MemorySocket(APIS);
    const inner = await socket.connect(options, handlers);
    let served = 0;
    return {
      write: (chunk) => {
        const written = inner.write(chunk);
        while (served < socket.frames.length) {
          const f = socket.frames[served++]!;
          void this.#answer(node, f.apiKey, f.apiVersion, f.body).then((body) => {
            const flexible = f.apiKey !== ApiVersions.key && f.apiVersion >= APIS.find((a) => a.key === f.apiKey)!.flexibleFrom;
            if (!socket.closed) socket.deliver(response(f.correlationId, body, flexible));
          });
        }
        return written;
      },
      close: () => inner.close(),
    };
  };

  async #answer(node: number, key: number, version: number, body: Uint8Array): Promise<(w: Writer) => void> {
    if (key === ApiVersions.key) return (w) => this.#apiVersions(w);
    const api = APIS.find((a) => a.key === key)!;
    const fields = decodeRequest(key, version, body);
    this.requests.push({ node, api: api.name, version, at: Date.now(), fields });
    const reply = await (this.#scripts.get(api.name)?.shift() ?? {});
    const code = reply.errorCode ?? 0;
    switch (key) {
      case FindCoordinator.key:
        return (w) => {
          const id = reply.nodeId ?? 1;
          w.int32(0).uvarint(2).compactString((fields.keys as string[])[0]!).int32(id).compactString("127.0.0.1").int32(9091 + id);
          w.int16(code).compactNullableString(null).uvarint(0).uvarint(0);
        };
      case InitProducerId.key: {
        const epoch = reply.epoch ?? (code === 0 ? this.#nextEpoch++ : -1);
        return (w) => w.int32(0).int16(code).int64(reply.producerId ?? (code === 0 ? 1000n : -1n)).int16(epoch).uvarint(0);
      }
      case AddPartitionsToTxn.key:
        return (w) => {
          const topics = fields.topics as Array<{ name: string; partitions: number[] }>;
          w.int32(0).arrayOf(true, topics, (w, t) => {
            w.compactString(t.name).arrayOf(true, t.partitions, (w, p) => {
              w.int32(p).int16(reply.partitions?.[`${t.name}-${p}`] ?? code).uvarint(0);
            }).uvarint(0);
          }).uvarint(0);
        };
      case TxnOffsetCommit.key:
        return (w) => {
          w.int32(0).uvarint(2).compactString("in").uvarint(2).int32(0).int16(code).uvarint(0).uvarint(0).uvarint(0);
        };
      case EndTxn.key:
        return (w) => {
          w.int32(0).int16(code);
          if (version >= 5) w.int64(reply.producerId ?? fields.producerId as bigint).int16(reply.epoch ?? (fields.epoch as number) + 1);
          w.uvarint(0);
        };
      default: // AddOffsetsToTxn
        return (w) => w.int32(0).int16(code).uvarint(0);
    }
  }

  #apiVersions(w: Writer): void {
    const v2 = this.#options.v2 === true;
    const max: Record<number, number> = {
      [Produce.key]: v2 ? 12 : 11, [FindCoordinator.key]: 6, [InitProducerId.key]: 5, [AddPartitionsToTxn.key]: 5,
      [AddOffsetsToTxn.key]: 4, [EndTxn.key]: v2 ? 5 : 4, [TxnOffsetCommit.key]: v2 ? 5 : 4, [ApiVersions.key]: 4,
      ...this.#options.maxVersions,
    };
    w.int16(0).arrayOf(true, Object.entries(max), (w, [k, v]) => w.int16(Number(k)).int16(0).int16(v).uvarint(0));
    w.int32(0).taggedFields([
      [1, (t) => t.int64(v2 ? 1n : -1n)],
      [2, (t) => t.arrayOf(true, v2 ? [2] : [], (t, level) => t.compactString("transaction.version").int16(level).int16(0).uvarint(0))],
    ]);
  }
}

/** The fields of a request body the tests assert on (flexible versions only: the cluster advertises those). */
function decodeRequest(key: number, version: number, body: Uint8Array): Record<string, unknown> {
  const r = new Reader(body);
  switch (key) {
    case FindCoordinator.key: {
      const keyType = r.int8();
      return { keyType, keys: r.compactArray((r) => r.compactString()) };
    }
    case InitProducerId.key:
      return { transactionalId: r.compactNullableString(), timeoutMs: r.int32(), producerId: r.int64(), epoch: r.int16() };
    case AddPartitionsToTxn.key: {
      const head = { transactionalId: r.compactString(), producerId: r.int64(), epoch: r.int16() };
      const topics = r.compactArray((r) => {
        const t = { name: r.compactString(), partitions: r.compactArray((r) => r.int32()) };
        r.taggedFields();
        return t;
      });
      return { ...head, topics };
    }
    case AddOffsetsToTxn.key:
      return { transactionalId: r.compactString(), producerId: r.int64(), epoch: r.int16(), groupId: r.compactString() };
    case TxnOffsetCommit.key:
      return { transactionalId: r.compactString(), groupId: r.compactString(), producerId: r.int64(), epoch: r.int16() };
    case EndTxn.key:
      return { transactionalId: r.compactString(), producerId: r.int64(), epoch: r.int16(), committed: r.bool() };
    default:
      return { version };
  }
}

/** A transaction manager over a {@linkcode TxnCluster}, with what the producer would give it. */
export interface TxnHarness {
  manager: TransactionManager;
  cluster: TxnCluster;
  idempotence: Idempotence;
  client: NetworkClient;
  /** Every error `failUnsent` was called with. */
  failedUnsent: KafkaError[];
  /** How often the manager woke the sender (each wakeup runs `beforeDrain` once soon, as the sender loop would). */
  wakeups: () => number;
  /** Whether a batch of `topic`-`partition` may be drained (the idempotence gate the manager sets). */
  allowed: (topic: string, partition: number) => boolean;
  /** Closes the connections. */
  close: () => void;
}

/** Builds a {@linkcode TxnHarness}; `maxBlockMs` bounds every coordinator request, `settleAll` is the flush commit waits for. */
export function txnHarness(
  options: ClusterOptions & { maxBlockMs?: number; retryBackoffMs?: number; settleAll?: () => Promise<void> } = {},
): TxnHarness {
  const cluster = new TxnCluster(options);
  let wakeups = 0;
  const client = new NetworkClient({
    connect: cluster.connect, clientId: "txn-test", requestTimeoutMs: 2000,
    socketConnectionSetupTimeoutMs: 1000, socketConnectionSetupTimeoutMaxMs: 1000,
    reconnectBackoffMs: 10, reconnectBackoffMaxMs: 50, connectionsMaxIdleMs: -1,
    maxInFlightRequestsPerConnection: 5, logger: silentLogger, onChange: () => {},
  });
  const retryBackoffMs = options.retryBackoffMs ?? 10;
  const coordinators = new Coordinators({
    client, metadata: metadataWith({}), logger: silentLogger, retryBackoffMs, retryBackoffMaxMs: retryBackoffMs * 4,
    wakeup: () => wakeups++,
  });
  const idempotence = new Idempotence(true);
  const failedUnsent: KafkaError[] = [];
  // As the sender loop: a wakeup runs the manager's hook once, soon (coalesced).
  let loop: ReturnType<typeof setTimeout> | null = null;
  const wakeup = () => {
    wakeups++;
    loop ??= setTimeout(() => {
      loop = null;
      manager.beforeDrain(Date.now());
    }, 0);
  };
  const manager: TransactionManager = new TransactionManager({
    transactionalId: "txn", transactionTimeoutMs: 60_000, maxBlockMs: options.maxBlockMs ?? 2000,
    idempotence, coordinators, client, logger: silentLogger, wakeup,
    settleAll: options.settleAll ?? (() => Promise.resolve()), failUnsent: (e) => failedUnsent.push(e),
  });
  return {
    manager, cluster, idempotence, client, failedUnsent,
    wakeups: () => wakeups,
    allowed: (topic, partition) => idempotence.partitionAllowed({ topic, partition } as Parameters<Idempotence["partitionAllowed"]>[0]),
    close: () => {
      if (loop !== null) clearTimeout(loop);
      client.close();
    },
  };
}

/** Adds `topic`-`partition` to the open transaction as a send would, and runs the sender's hook at once (v1: AddPartitionsToTxn). */
export function append(h: TxnHarness, topic: string, partition: number): void {
  h.manager.beforeAppend(topic, partition);
  h.manager.beforeDrain(Date.now());
}

/** Waits (bounded) until `check` holds. */
export async function until(check: () => boolean, what: string, ms = 2000): Promise<void> {
  await within((async () => {
    while (!check()) await new Promise((r) => setTimeout(r, 2));
  })(), ms, what);
}

/** A reply the test releases by hand (to observe the state while a request is under way). */
export function held(): { reply: Promise<Reply>; release: (reply?: Reply) => void } {
  let release!: (reply?: Reply) => void;
  const reply = new Promise<Reply>((resolve) => (release = (r) => resolve(r ?? {})));
  return { reply, release };
}
