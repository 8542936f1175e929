/**
 * TxnOffsetCommit (key 28), versions 0–5: commit consumer offsets as part of
 * a transaction (`sendOffsetsToTransaction`), sent to the group coordinator.
 * Flexible from v3; v3+ carry the consumer's group metadata (KIP-447).
 *
 * @module
 */

import type { Api } from "./api.ts";
import { checkVersion, unsupportedField } from "./api_errors.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/** The offset to commit for one partition. */
export interface TxnOffsetCommitRequestPartition {
  /** The partition index. */
  partitionIndex: number;
  /** The offset to commit (the next record to consume). */
  committedOffset: bigint;
  /** v2+ (ignorable: dropped before); default -1. */
  committedLeaderEpoch?: number;
  /** Metadata to keep with the offset; default `""`. */
  committedMetadata?: string | null;
}

/** The offsets to commit for one topic. */
export interface TxnOffsetCommitRequestTopic {
  /** The topic name. */
  name: string;
  /** The partitions. */
  partitions: TxnOffsetCommitRequestPartition[];
}

/**
 * TxnOffsetCommit request body. The group metadata fields (v3+) are not
 * ignorable: non-default values cannot be sent before v3.
 *
 * @example Usage
 * ```ts
 * import type { TxnOffsetCommitRequest } from "./txn_offset_commit.ts";
 * const req: TxnOffsetCommitRequest = {
 *   transactionalId: "tx", groupId: "g", producerId: 1000n, producerEpoch: 0,
 *   topics: [{ name: "in", partitions: [{ partitionIndex: 0, committedOffset: 42n }] }],
 * };
 * console.assert(req.topics.length === 1);
 * ```
 */
export interface TxnOffsetCommitRequest {
  /** The transactional id. */
  transactionalId: string;
  /** The consumer group id. */
  groupId: string;
  /** The current producer id. */
  producerId: bigint;
  /** The current producer epoch. */
  producerEpoch: number;
  /** v3+: the consumer's generation; default -1. */
  generationId?: number;
  /** v3+: the consumer's member id; default `""`. */
  memberId?: string;
  /** v3+: the consumer's static instance id; default null. */
  groupInstanceId?: string | null;
  /** The offsets to commit. */
  topics: TxnOffsetCommitRequestTopic[];
}

/** The result for one partition. */
export interface TxnOffsetCommitResponsePartition {
  /** The partition index. */
  partitionIndex: number;
  /** The error, 0 if none. */
  errorCode: number;
}

/** The results for one topic. */
export interface TxnOffsetCommitResponseTopic {
  /** The topic name. */
  name: string;
  /** Per-partition results. */
  partitions: TxnOffsetCommitResponsePartition[];
}

/**
 * TxnOffsetCommit response body.
 *
 * @example Usage
 * ```ts
 * import type { TxnOffsetCommitResponse } from "./txn_offset_commit.ts";
 * const res: TxnOffsetCommitResponse = { throttleTimeMs: 0, topics: [
 *   { name: "in", partitions: [{ partitionIndex: 0, errorCode: 0 }] },
 * ] };
 * console.assert(res.topics[0]!.partitions[0]!.errorCode === 0);
 * ```
 */
export interface TxnOffsetCommitResponse {
  /** Throttle time in ms. */
  throttleTimeMs: number;
  /** Per-topic results. */
  topics: TxnOffsetCommitResponseTopic[];
}

function writePartition(w: Writer, version: number, p: TxnOffsetCommitRequestPartition): void {
  const flexible = version >= 3;
  w.int32(p.partitionIndex).int64(p.committedOffset);
  if (version >= 2) w.int32(p.committedLeaderEpoch ?? -1);
  w.nullableStringOf(flexible, p.committedMetadata === undefined ? "" : p.committedMetadata).tags(flexible);
}

function readPartition(r: Reader, flexible: boolean): TxnOffsetCommitResponsePartition {
  const p = { partitionIndex: r.int32(), errorCode: r.int16() };
  r.tags(flexible);
  return p;
}

function readTopic(r: Reader, flexible: boolean): TxnOffsetCommitResponseTopic {
  const t = { name: r.stringOf(flexible), partitions: r.arrayOf(flexible, (r) => readPartition(r, flexible)) };
  r.tags(flexible);
  return t;
}

/**
 * The TxnOffsetCommit API.
 *
 * @example Usage
 * ```ts
 * import { TxnOffsetCommit } from "./txn_offset_commit.ts";
 * import { Writer } from "./writer.ts";
 * const w = new Writer();
 * TxnOffsetCommit.encode(w, 5, {
 *   transactionalId: "tx", groupId: "g", producerId: 1000n, producerEpoch: 0, generationId: 3, memberId: "m",
 *   topics: [{ name: "in", partitions: [{ partitionIndex: 0, committedOffset: 42n }] }],
 * });
 * console.assert(w.length > 0);
 * ```
 */
export const TxnOffsetCommit: Api<TxnOffsetCommitRequest, TxnOffsetCommitResponse> = {
  name: "TxnOffsetCommit",
  key: 28,
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 3,

  encode(w, version, req) {
    checkVersion(TxnOffsetCommit, version);
    const flexible = version >= 3;
    w.stringOf(flexible, req.transactionalId).stringOf(flexible, req.groupId);
    w.int64(req.producerId).int16(req.producerEpoch);
    const generationId = req.generationId ?? -1;
    const memberId = req.memberId ?? "";
    const groupInstanceId = req.groupInstanceId ?? null;
    if (version >= 3) {
      w.int32(generationId).compactString(memberId).compactNullableString(groupInstanceId);
    } else if (generationId !== -1) {
      throw unsupportedField("TxnOffsetCommit", "generationId", version);
    } else if (memberId !== "") {
      throw unsupportedField("TxnOffsetCommit", "memberId", version);
    } else if (groupInstanceId !== null) {
      throw unsupportedField("TxnOffsetCommit", "groupInstanceId", version);
    }
    w.arrayOf(flexible, req.topics, (w, t) => {
      w.stringOf(flexible, t.name);
      w.arrayOf(flexible, t.partitions, (w, p) => writePartition(w, version, p));
      w.tags(flexible);
    });
    w.tags(flexible);
  },

  decode(r, version) {
    checkVersion(TxnOffsetCommit, version);
    const flexible = version >= 3;
    const res: TxnOffsetCommitResponse = {
      throttleTimeMs: r.int32(),
      topics: r.arrayOf(flexible, (r) => readTopic(r, flexible)),
    };
    r.tags(flexible);
    return res;
  },
};
