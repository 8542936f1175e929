/**
 * Produce (key 0), versions 3–12: append record batches to partitions.
 * Flexible from v9. Kafka 4 refuses v0–2 (though it advertises them); v13
 * addresses topics by id and is not spoken here.
 *
 * This is the hot path: encoding writes straight into the {@linkcode Writer}
 * with plain loops (no per-partition closures or copies besides the record
 * bytes themselves), and decoding reads per-partition tagged fields inline.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import type { Api } from "./api.ts";
import { checkVersion } from "./api_errors.ts";
import type { Reader } from "./reader.ts";

/** Records for one partition. */
export interface ProduceRequestPartition {
  /** The partition index. */
  index: number;
  /**
   * Encoded record batch(es) (RecordBatch v2), written as-is: NULLABLE_BYTES,
   * or COMPACT_RECORDS in flexible versions. Not copied until written.
   */
  records: Uint8Array | null;
}

/** The partitions of one topic (schema: `TopicProduceData`). */
export interface ProduceRequestTopic {
  /** The topic name. */
  name: string;
  /** The partitions to write (schema: `PartitionData`). */
  partitions: ProduceRequestPartition[];
}

/**
 * Produce request body. `topics`/`partitions` are the schema's `TopicData` and
 * `PartitionData`.
 *
 * @example Usage
 * ```ts
 * import type { ProduceRequest } from "./produce.ts";
 * const req: ProduceRequest = {
 *   transactionalId: null, acks: -1, timeoutMs: 30000,
 *   topics: [{ name: "orders", partitions: [{ index: 0, records: new Uint8Array(61) }] }],
 * };
 * console.assert(req.topics[0]!.partitions[0]!.index === 0);
 * ```
 */
export interface ProduceRequest {
  /** The transactional id, or null (the default) if not transactional. */
  transactionalId?: string | null;
  /** 0 (no ack), 1 (leader) or -1 (all in-sync replicas). */
  acks: number;
  /** How long the broker may wait for replication, in ms. */
  timeoutMs: number;
  /** The topics to write. */
  topics: ProduceRequestTopic[];
}

/** One record the broker rejected (v8+). */
export interface ProduceResponseRecordError {
  /** Index of the record within the batch. */
  batchIndex: number;
  /** Why it was rejected, or null. */
  batchIndexErrorMessage: string | null;
}

/** A partition's leader as the broker knows it (KIP-951). */
export interface LeaderIdAndEpoch {
  /** The leader's broker id, -1 if unknown. */
  leaderId: number;
  /** Its leader epoch, -1 if unknown. */
  leaderEpoch: number;
}

/** The result for one partition (schema: `PartitionProduceResponse`). */
export interface ProduceResponsePartition {
  /** The partition index. */
  index: number;
  /** The error, 0 if none. */
  errorCode: number;
  /** The offset of the batch's first record (-1 on error). */
  baseOffset: bigint;
  /** The append time if the topic uses LogAppendTime, else -1. */
  logAppendTimeMs: bigint;
  /** v5+; -1 before. */
  logStartOffset: bigint;
  /** v8+; empty before. */
  recordErrors: ProduceResponseRecordError[];
  /** v8+; null before. */
  errorMessage: string | null;
  /** v10+ tag 0, sent with NOT_LEADER_OR_FOLLOWER; null when absent. */
  currentLeader: LeaderIdAndEpoch | null;
}

/** The results for one topic (schema: `TopicProduceResponse`). */
export interface ProduceResponseTopic {
  /** The topic name. */
  name: string;
  /** Per-partition results (schema: `PartitionResponses`). */
  partitions: ProduceResponsePartition[];
}

/** A broker's endpoint, for the leaders named in `currentLeader` (v10+). */
export interface NodeEndpoint {
  /** The broker id. */
  nodeId: number;
  /** Its host. */
  host: string;
  /** Its port. */
  port: number;
  /** Its rack, or null. */
  rack: string | null;
}

/**
 * Produce response body. `topics`/`partitions` are the schema's `Responses`
 * and `PartitionResponses`.
 *
 * @example Usage
 * ```ts
 * import type { ProduceResponse } from "./produce.ts";
 * const res: ProduceResponse = { topics: [], throttleTimeMs: 0, nodeEndpoints: [] };
 * console.assert(res.nodeEndpoints.length === 0);
 * ```
 */
export interface ProduceResponse {
  /** Per-topic results. */
  topics: ProduceResponseTopic[];
  /** Throttle time in ms. */
  throttleTimeMs: number;
  /** v10+ tag 0; empty when absent. */
  nodeEndpoints: NodeEndpoint[];
}

function readRecordError(r: Reader, flexible: boolean): ProduceResponseRecordError {
  const e = { batchIndex: r.int32(), batchIndexErrorMessage: r.nullableStringOf(flexible) };
  r.tags(flexible);
  return e;
}

function readNodeEndpoint(r: Reader): NodeEndpoint {
  const n = { nodeId: r.int32(), host: r.compactString(), port: r.int32(), rack: r.compactNullableString() };
  r.taggedFields();
  return n;
}

/** Reads a partition's tagged fields inline (no closure per partition). */
function readPartitionTags(r: Reader, p: ProduceResponsePartition, version: number): void {
  const n = r.uvarint();
  let last = -1;
  for (let i = 0; i < n; i++) {
    const tag = r.uvarint();
    if (tag <= last) throw new ProtocolError(`Tagged fields out of order: ${tag} after ${last}`);
    last = tag;
    const size = r.uvarint();
    if (tag !== 0 || version < 10) {
      r.skip(size);
      continue;
    }
    const end = r.offset + size;
    p.currentLeader = { leaderId: r.int32(), leaderEpoch: r.int32() };
    r.taggedFields();
    if (r.offset > end) throw new ProtocolError(`Tagged field "currentLeader" overruns its ${size} bytes`);
    r.skip(end - r.offset);
  }
}

function readPartition(r: Reader, version: number, flexible: boolean): ProduceResponsePartition {
  const p: ProduceResponsePartition = {
    index: r.int32(),
    errorCode: r.int16(),
    baseOffset: r.int64(),
    logAppendTimeMs: r.int64(),
    logStartOffset: version >= 5 ? r.int64() : -1n,
    recordErrors: version >= 8 ? (flexible ? r.compactArray(readRecordErrorFlexible) : r.array(readRecordErrorRigid)) : [],
    errorMessage: version >= 8 ? r.nullableStringOf(flexible) : null,
    currentLeader: null,
  };
  if (flexible) readPartitionTags(r, p, version);
  return p;
}

const readRecordErrorFlexible = (r: Reader) => readRecordError(r, true);
const readRecordErrorRigid = (r: Reader) => readRecordError(r, false);

/** Reads an array's count in either encoding; null reads as empty. */
function readCount(r: Reader, flexible: boolean): number {
  const n = flexible ? r.uvarint() - 1 : r.int32();
  if (n < -1) throw new ProtocolError(`Invalid array length ${n}`);
  if (n > r.remaining) throw new ProtocolError(`Array of ${n} items cannot fit in the ${r.remaining} bytes left`);
  return n < 0 ? 0 : n;
}

/**
 * The Produce API.
 *
 * @example Usage
 * ```ts
 * import { Produce } from "./produce.ts";
 * import { Writer } from "./writer.ts";
 * const w = new Writer();
 * Produce.encode(w, 11, {
 *   acks: -1, timeoutMs: 30000,
 *   topics: [{ name: "orders", partitions: [{ index: 0, records: new Uint8Array(61) }] }],
 * });
 * console.assert(w.length > 61);
 * ```
 */
export const Produce: Api<ProduceRequest, ProduceResponse> = {
  name: "Produce",
  key: 0,
  minVersion: 3,
  maxVersion: 12,
  flexibleFrom: 9,

  encode(w, version, req) {
    checkVersion(Produce, version);
    const flexible = version >= 9;
    w.nullableStringOf(flexible, req.transactionalId ?? null).int16(req.acks).int32(req.timeoutMs);
    const topics = req.topics;
    if (flexible) w.uvarint(topics.length + 1);
    else w.int32(topics.length);
    for (let i = 0; i < topics.length; i++) {
      const t = topics[i]!;
      const partitions = t.partitions;
      w.stringOf(flexible, t.name);
      if (flexible) w.uvarint(partitions.length + 1);
      else w.int32(partitions.length);
      for (let j = 0; j < partitions.length; j++) {
        const p = partitions[j]!;
        w.int32(p.index);
        if (flexible) w.compactNullableBytes(p.records).uvarint(0);
        else w.nullableBytes(p.records);
      }
      w.tags(flexible);
    }
    w.tags(flexible);
  },

  decode(r, version) {
    checkVersion(Produce, version);
    const flexible = version >= 9;
    const topicCount = readCount(r, flexible);
    const topics: ProduceResponseTopic[] = new Array(topicCount);
    for (let i = 0; i < topicCount; i++) {
      const name = r.stringOf(flexible);
      const partitionCount = readCount(r, flexible);
      const partitions: ProduceResponsePartition[] = new Array(partitionCount);
      for (let j = 0; j < partitionCount; j++) partitions[j] = readPartition(r, version, flexible);
      r.tags(flexible);
      topics[i] = { name, partitions };
    }
    const res: ProduceResponse = { topics, throttleTimeMs: r.int32(), nodeEndpoints: [] };
    if (flexible) {
      r.taggedFields((tag, body) => {
        if (tag === 0 && version >= 10) res.nodeEndpoints = body.compactArray(readNodeEndpoint);
      });
    }
    return res;
  },
};
