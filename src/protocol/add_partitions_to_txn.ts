/**
 * AddPartitionsToTxn (key 24), versions 0–3: add partitions to the ongoing
 * transaction before producing to them (transaction version 1). Flexible
 * from v3. v4+ batch several transactions and are broker-to-broker only: not
 * spoken here. Field names drop the schema's `V3AndBelow` prefixes.
 *
 * @module
 */

import type { Api } from "./api.ts";
import { checkVersion } from "./api_errors.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/** The partitions of one topic to add. */
export interface AddPartitionsToTxnTopic {
  /** The topic name. */
  name: string;
  /** The partition indexes. */
  partitions: number[];
}

/**
 * AddPartitionsToTxn request body (schema: `V3AndBelowTransactionalId`,
 * `V3AndBelowProducerId`, `V3AndBelowProducerEpoch`, `V3AndBelowTopics`).
 *
 * @example Usage
 * ```ts
 * import type { AddPartitionsToTxnRequest } from "./add_partitions_to_txn.ts";
 * const req: AddPartitionsToTxnRequest = {
 *   transactionalId: "tx", producerId: 1000n, producerEpoch: 0, topics: [{ name: "orders", partitions: [0, 1] }],
 * };
 * console.assert(req.topics[0]!.partitions.length === 2);
 * ```
 */
export interface AddPartitionsToTxnRequest {
  /** The transactional id. */
  transactionalId: string;
  /** The current producer id. */
  producerId: bigint;
  /** The current producer epoch. */
  producerEpoch: number;
  /** The partitions to add. */
  topics: AddPartitionsToTxnTopic[];
}

/** The result for one partition. */
export interface AddPartitionsToTxnPartitionResult {
  /** The partition index. */
  partitionIndex: number;
  /** The error, 0 if none. */
  partitionErrorCode: number;
}

/** The results for one topic. */
export interface AddPartitionsToTxnTopicResult {
  /** The topic name. */
  name: string;
  /** Per-partition results. */
  resultsByPartition: AddPartitionsToTxnPartitionResult[];
}

/**
 * AddPartitionsToTxn response body (schema: `ResultsByTopicV3AndBelow`).
 *
 * @example Usage
 * ```ts
 * import type { AddPartitionsToTxnResponse } from "./add_partitions_to_txn.ts";
 * const res: AddPartitionsToTxnResponse = { throttleTimeMs: 0, resultsByTopic: [
 *   { name: "orders", resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 0 }] },
 * ] };
 * console.assert(res.resultsByTopic.length === 1);
 * ```
 */
export interface AddPartitionsToTxnResponse {
  /** Throttle time in ms. */
  throttleTimeMs: number;
  /** Per-topic results. */
  resultsByTopic: AddPartitionsToTxnTopicResult[];
}

function writeTopic(w: Writer, flexible: boolean, t: AddPartitionsToTxnTopic): void {
  w.stringOf(flexible, t.name);
  if (flexible) w.uvarint(t.partitions.length + 1);
  else w.int32(t.partitions.length);
  for (const p of t.partitions) w.int32(p);
  w.tags(flexible);
}

function readPartitionResult(r: Reader, flexible: boolean): AddPartitionsToTxnPartitionResult {
  const p = { partitionIndex: r.int32(), partitionErrorCode: r.int16() };
  r.tags(flexible);
  return p;
}

function readTopicResult(r: Reader, flexible: boolean): AddPartitionsToTxnTopicResult {
  const t = {
    name: r.stringOf(flexible),
    resultsByPartition: r.arrayOf(flexible, (r) => readPartitionResult(r, flexible)),
  };
  r.tags(flexible);
  return t;
}

/**
 * The AddPartitionsToTxn API (client versions).
 *
 * @example Usage
 * ```ts
 * import { AddPartitionsToTxn } from "./add_partitions_to_txn.ts";
 * import { Writer } from "./writer.ts";
 * const w = new Writer();
 * AddPartitionsToTxn.encode(w, 3, {
 *   transactionalId: "tx", producerId: 1000n, producerEpoch: 0, topics: [{ name: "orders", partitions: [0] }],
 * });
 * console.assert(w.length > 0);
 * ```
 */
export const AddPartitionsToTxn: Api<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> = {
  name: "AddPartitionsToTxn",
  key: 24,
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 3,

  encode(w, version, req) {
    checkVersion(AddPartitionsToTxn, version);
    const flexible = version >= 3;
    w.stringOf(flexible, req.transactionalId).int64(req.producerId).int16(req.producerEpoch);
    w.arrayOf(flexible, req.topics, (w, t) => writeTopic(w, flexible, t));
    w.tags(flexible);
  },

  decode(r, version) {
    checkVersion(AddPartitionsToTxn, version);
    const flexible = version >= 3;
    const res: AddPartitionsToTxnResponse = {
      throttleTimeMs: r.int32(),
      resultsByTopic: r.arrayOf(flexible, (r) => readTopicResult(r, flexible)),
    };
    r.tags(flexible);
    return res;
  },
};
