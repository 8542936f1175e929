/**
 * The requests a transactional producer sends its coordinators, as the
 * handlers of Java's `TransactionManager` build them: InitProducerId,
 * AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn, each sent
 * through {@linkcode Coordinators} (which finds the coordinator and retries
 * on coordinator errors) and checked for its errors.
 *
 * Nothing here holds transaction state: the state machine
 * (`transactions.ts`) decides what to send and when, and what an error does
 * to the transaction.
 *
 * @module
 */

import type { KafkaError } from "../errors.ts";
import type { NetworkClient } from "../network/client.ts";
import { ProducerFencedError } from "../protocol/api_error_classes_txn.ts";
import { AddOffsetsToTxn } from "../protocol/add_offsets_to_txn.ts";
import { AddPartitionsToTxn } from "../protocol/add_partitions_to_txn.ts";
import { EndTxn } from "../protocol/end_txn.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import { InitProducerId } from "../protocol/init_producer_id.ts";
import { TxnOffsetCommit } from "../protocol/txn_offset_commit.ts";
import type { Coordinators } from "./coordinator.ts";
import type { ProducerIdAndEpoch } from "./sequences.ts";

/** Offsets to commit with a transaction: per topic, per partition, the next offset to consume. */
export type TransactionOffsets = Record<string, Record<number, bigint | number | { offset: bigint | number; leaderEpoch?: number; metadata?: string }>>;

/** The consumer group the offsets belong to (Java's `ConsumerGroupMetadata`), or just its id. */
export type GroupMetadata = string | { groupId: string; generationId?: number; memberId?: string; groupInstanceId?: string | null };

/** Settings of a {@linkcode TransactionRequests}. */
export interface TransactionRequestsOptions {
  transactionalId: string;
  transactionTimeoutMs: number;
  coordinators: Coordinators;
  /** Read for the transaction coordinator's versions and features (transactions v2). */
  client: NetworkClient;
}

/** Error codes that mean a newer producer with our transactional id took over. */
const FENCED = new Set<number>([ErrorCode.PRODUCER_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH]);

/**
 * Whether `error` is a broker's PRODUCER_FENCED or INVALID_PRODUCER_EPOCH:
 * for a transactional producer both mean it was fenced (fatal).
 *
 * @example Usage
 * ```ts
 * import { isFencing } from "./transaction_requests.ts";
 * import { apiError } from "../protocol/api_errors.ts";
 * console.assert(isFencing(apiError(47)) && isFencing(apiError(90)) && !isFencing(apiError(51)));
 * ```
 */
export function isFencing(error: unknown): boolean {
  return isApi(error) && FENCED.has(error.code);
}

/**
 * Builds and sends the transactional requests of one producer. A fencing
 * error from any of them (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH) is thrown
 * as a {@linkcode ProducerFencedError} naming the transactional id, as Java's
 * handlers turn both into `ProducerFencedException`.
 *
 * @example Ending a transaction
 * ```ts ignore
 * const requests = new TransactionRequests({ transactionalId: "tx", transactionTimeoutMs: 60000, coordinators, client });
 * const next = await requests.endTxn({ producer, commit: true, v2: false, deadline: Date.now() + 60000 });
 * ```
 */
export class TransactionRequests {
  /** The producer's settings and the coordinators to send to; never changes. */
  readonly #o: TransactionRequestsOptions;

  constructor(options: TransactionRequestsOptions) {
    this.#o = options;
  }

  /**
   * Whether the transaction coordinator speaks transactions v2 (KIP-890:
   * `transaction.version` ≥ 2 finalized, Produce v12, EndTxn v5); null while
   * no connection to it is open (nothing to decide from yet).
   */
  supportsV2(): boolean | null {
    const o = this.#o;
    const node = o.coordinators.known("transaction", o.transactionalId);
    const conn = node ? o.client.connection(node.id) : null;
    if (conn === null) return null;
    const produce = conn.versionRange(0);
    const endTxn = conn.versionRange(26);
    return conn.featureLevel("transaction.version") >= 2 && (produce?.[1] ?? 0) >= 12 && (endTxn?.[1] ?? 0) >= 5;
  }

  /**
   * InitProducerId: a producer id and epoch for the transactional id (fencing
   * older producers with it). With `bump` (the current id/epoch) the
   * coordinator bumps the epoch instead of fencing us (KIP-360, v3+).
   */
  async initProducerId(options: { bump: ProducerIdAndEpoch | null; deadline: number }): Promise<ProducerIdAndEpoch> {
    const o = this.#o;
    const { bump } = options;
    const r = await o.coordinators.request("transaction", o.transactionalId, InitProducerId, (version: number) => ({
      transactionalId: o.transactionalId,
      transactionTimeoutMs: o.transactionTimeoutMs,
      producerId: bump !== null && version >= 3 ? bump.producerId : -1n,
      producerEpoch: bump !== null && version >= 3 ? bump.epoch : -1,
    }), (res) => ({ errorCode: res.errorCode, value: res }), options.deadline, "InitProducerId").catch((e) => this.#fenced(e));
    return { producerId: r.producerId, epoch: r.producerEpoch };
  }

  /**
   * AddPartitionsToTxn (transactions v1): adds `partitions` to the
   * transaction; throws the first partition's error if any failed.
   */
  async addPartitions(options: {
    producer: ProducerIdAndEpoch;
    partitions: ReadonlyArray<{ topic: string; partition: number }>;
    deadline: number;
  }): Promise<void> {
    const o = this.#o;
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of options.partitions) {
      (byTopic.get(topic) ?? byTopic.set(topic, []).get(topic)!).push(partition);
    }
    await o.coordinators.request("transaction", o.transactionalId, AddPartitionsToTxn, {
      transactionalId: o.transactionalId, producerId: options.producer.producerId, producerEpoch: options.producer.epoch,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    }, (r) => {
      const codes = r.resultsByTopic.flatMap((t) => t.resultsByPartition.map((p) => p.partitionErrorCode));
      // OPERATION_NOT_ATTEMPTED marks partitions skipped because another failed: report the real cause.
      const first = codes.find((x) => x !== ErrorCode.NONE && x !== ErrorCode.OPERATION_NOT_ATTEMPTED) ??
        codes.find((x) => x !== ErrorCode.NONE);
      return { errorCode: first ?? ErrorCode.NONE };
    }, options.deadline, "AddPartitionsToTxn").catch((e) => this.#fenced(e));
  }

  /** AddOffsetsToTxn (transactions v1): the group's offsets topic joins the transaction. */
  async addOffsets(options: { producer: ProducerIdAndEpoch; groupId: string; deadline: number }): Promise<void> {
    const o = this.#o;
    const { producer, groupId } = options;
    await o.coordinators.request("transaction", o.transactionalId, AddOffsetsToTxn,
      { transactionalId: o.transactionalId, producerId: producer.producerId, producerEpoch: producer.epoch, groupId },
      (r) => ({ errorCode: r.errorCode }), options.deadline, `AddOffsetsToTxn for group "${groupId}"`).catch((e) => this.#fenced(e));
  }

  /**
   * TxnOffsetCommit to the group coordinator: the offsets are committed with
   * the transaction. v5 only with transactions v2 (it needs no AddOffsetsToTxn).
   */
  async commitOffsets(options: {
    producer: ProducerIdAndEpoch;
    offsets: TransactionOffsets;
    group: Exclude<GroupMetadata, string>;
    v2: boolean;
    deadline: number;
  }): Promise<void> {
    const o = this.#o;
    const { producer, group: g } = options;
    const topics = Object.entries(options.offsets).map(([name, parts]) => ({
      name,
      partitions: Object.entries(parts).map(([p, offset]) => {
        const v = typeof offset === "object" ? offset : { offset };
        return {
          partitionIndex: Number(p),
          committedOffset: BigInt(v.offset),
          committedLeaderEpoch: v.leaderEpoch ?? -1,
          committedMetadata: v.metadata ?? "",
        };
      }),
    }));
    await o.coordinators.request("group", g.groupId, TxnOffsetCommit, {
      transactionalId: o.transactionalId,
      groupId: g.groupId,
      producerId: producer.producerId,
      producerEpoch: producer.epoch,
      generationId: g.generationId ?? -1,
      memberId: g.memberId ?? "",
      groupInstanceId: g.groupInstanceId ?? null,
      topics,
    }, (r) => {
      const failed = r.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== ErrorCode.NONE);
      return { errorCode: failed?.errorCode ?? ErrorCode.NONE };
    }, options.deadline, `TxnOffsetCommit for group "${g.groupId}"`, { maxVersion: options.v2 ? 5 : 4 }).catch((e) => this.#fenced(e));
  }

  /**
   * EndTxn: commits or aborts the transaction. Returns the producer id/epoch
   * the next transaction uses when the coordinator hands out one (EndTxn v5,
   * transactions v2), else null.
   */
  async endTxn(options: { producer: ProducerIdAndEpoch; commit: boolean; v2: boolean; deadline: number }): Promise<ProducerIdAndEpoch | null> {
    const o = this.#o;
    const { producer, commit } = options;
    const r = await o.coordinators.request("transaction", o.transactionalId, EndTxn,
      { transactionalId: o.transactionalId, producerId: producer.producerId, producerEpoch: producer.epoch, committed: commit },
      (res) => ({ errorCode: res.errorCode, value: res }), options.deadline, commit ? "EndTxn (commit)" : "EndTxn (abort)",
      // As Java's EndTxnRequest.Builder: v5 (a new epoch per transaction) only with transactions v2.
      { maxVersion: options.v2 ? 5 : 4 }).catch((e) => this.#fenced(e));
    return r.producerId >= 0n && r.producerEpoch >= 0 ? { producerId: r.producerId, epoch: r.producerEpoch } : null;
  }

  /** Rethrows `error`, as a {@linkcode ProducerFencedError} naming our transactional id when it is a fencing. */
  #fenced(error: unknown): never {
    if (isApi(error) && FENCED.has(error.code)) {
      throw new ProducerFencedError(
        `Transactional id "${this.#o.transactionalId}" was fenced: a newer producer with the same transactional id exists (${error.errorName})`,
        { cause: error },
      );
    }
    throw error;
  }
}

function isApi(e: unknown): e is KafkaError & { code: number; errorName: string } {
  return typeof e === "object" && e !== null && "errorName" in e;
}
