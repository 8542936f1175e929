/**
 * Metadata (key 3), versions 0–13: brokers, controller, topics, partitions
 * and their leaders. Flexible from v9.
 *
 * @module
 */

import type { Api } from "./api.ts";
import { checkVersion, unsupportedField } from "./api_errors.ts";
import type { Reader } from "./reader.ts";

/** Kafka's default for authorized-operations fields ("not requested"). */
const AUTHORIZED_OPERATIONS_UNKNOWN = -2147483648;

/** One topic to describe: by name, or by id (v10+). */
export interface MetadataRequestTopic {
  /** The topic name; `null` (v10+) when asking by `topicId`. */
  name: string | null;
  /** v10+ (ignorable: not sent before); default all zeros. 16 bytes. */
  topicId?: Uint8Array;
}

/**
 * Metadata request body.
 *
 * @example Usage
 * ```ts
 * import type { MetadataRequest } from "./metadata.ts";
 * const req: MetadataRequest = { topics: [{ name: "orders" }], allowAutoTopicCreation: false };
 * console.assert(req.topics!.length === 1);
 * ```
 */
export interface MetadataRequest {
  /**
   * The topics to describe; `null` asks for all topics (v1+). v0 has no null:
   * there an empty array means all topics, so `null` is sent as empty.
   */
  topics: MetadataRequestTopic[] | null;
  /** v4+; default true. Not ignorable: `false` cannot be sent before v4. */
  allowAutoTopicCreation?: boolean;
  /** v8–10; default false. Not ignorable: `true` cannot be sent in other versions. */
  includeClusterAuthorizedOperations?: boolean;
  /** v8+; default false. Not ignorable: `true` cannot be sent before v8. */
  includeTopicAuthorizedOperations?: boolean;
}

/** A broker in the cluster. */
export interface MetadataResponseBroker {
  /** The broker id. */
  nodeId: number;
  /** Its advertised host. */
  host: string;
  /** Its advertised port. */
  port: number;
  /** v1+; `null` when unassigned (and before v1). */
  rack: string | null;
}

/** A partition of a topic. */
export interface MetadataResponsePartition {
  /** The partition's error, 0 if none (e.g. LEADER_NOT_AVAILABLE). */
  errorCode: number;
  /** The partition index. */
  partitionIndex: number;
  /** The leader's broker id, -1 if none. */
  leaderId: number;
  /** v7+; -1 before. */
  leaderEpoch: number;
  /** All replicas. */
  replicaNodes: number[];
  /** In-sync replicas. */
  isrNodes: number[];
  /** v5+; empty before. */
  offlineReplicas: number[];
}

/** A topic of the response. */
export interface MetadataResponseTopic {
  /** The topic's error, 0 if none (e.g. UNKNOWN_TOPIC_OR_PARTITION). */
  errorCode: number;
  /** The name; `null` only in v12+, for an unknown topic asked by id. */
  name: string | null;
  /** v10+; all zeros before (and for unknown topics asked by name). A copy, 16 bytes. */
  topicId: Uint8Array;
  /** v1+; false before. */
  isInternal: boolean;
  /** The topic's partitions. */
  partitions: MetadataResponsePartition[];
  /** v8+ bitfield; -2147483648 when not requested or absent. */
  topicAuthorizedOperations: number;
}

/**
 * Metadata response body. Fields a version lacks read as Kafka's defaults.
 *
 * @example Usage
 * ```ts
 * import type { MetadataResponse } from "./metadata.ts";
 * const res: MetadataResponse = {
 *   throttleTimeMs: 0, brokers: [{ nodeId: 1, host: "127.0.0.1", port: 9092, rack: null }],
 *   clusterId: "c", controllerId: 1, topics: [], clusterAuthorizedOperations: -2147483648, errorCode: 0,
 * };
 * console.assert(res.brokers[0]!.port === 9092);
 * ```
 */
export interface MetadataResponse {
  /** v3+; 0 before. */
  throttleTimeMs: number;
  /** The brokers of the cluster. */
  brokers: MetadataResponseBroker[];
  /** v2+; `null` before. */
  clusterId: string | null;
  /** v1+; -1 before (and when unknown). */
  controllerId: number;
  /** The topics asked for (or all). */
  topics: MetadataResponseTopic[];
  /** v8–10 bitfield; -2147483648 otherwise. */
  clusterAuthorizedOperations: number;
  /** v13+ top-level error (e.g. REBOOTSTRAP_REQUIRED); 0 before. */
  errorCode: number;
}

const readInt32 = (r: Reader): number => r.int32();

function readBroker(r: Reader, version: number, flexible: boolean): MetadataResponseBroker {
  const b: MetadataResponseBroker = {
    nodeId: r.int32(),
    host: r.stringOf(flexible),
    port: r.int32(),
    rack: version >= 1 ? r.nullableStringOf(flexible) : null,
  };
  r.tags(flexible);
  return b;
}

function readPartition(r: Reader, version: number, flexible: boolean): MetadataResponsePartition {
  const p: MetadataResponsePartition = {
    errorCode: r.int16(),
    partitionIndex: r.int32(),
    leaderId: r.int32(),
    leaderEpoch: version >= 7 ? r.int32() : -1,
    replicaNodes: r.arrayOf(flexible, readInt32),
    isrNodes: r.arrayOf(flexible, readInt32),
    offlineReplicas: version >= 5 ? r.arrayOf(flexible, readInt32) : [],
  };
  r.tags(flexible);
  return p;
}

function readTopic(r: Reader, version: number, flexible: boolean): MetadataResponseTopic {
  const t: MetadataResponseTopic = {
    errorCode: r.int16(),
    name: version >= 12 ? r.nullableStringOf(flexible) : r.stringOf(flexible),
    // Copied: topic ids outlive the response buffer in the metadata cache.
    topicId: version >= 10 ? r.uuid().slice() : new Uint8Array(16),
    isInternal: version >= 1 ? r.bool() : false,
    partitions: r.arrayOf(flexible, (r) => readPartition(r, version, flexible)),
    topicAuthorizedOperations: version >= 8 ? r.int32() : AUTHORIZED_OPERATIONS_UNKNOWN,
  };
  r.tags(flexible);
  return t;
}

/**
 * The Metadata API.
 *
 * @example Usage
 * ```ts
 * import { Metadata } from "./metadata.ts";
 * import { Writer } from "./writer.ts";
 * const w = new Writer();
 * Metadata.encode(w, 12, { topics: [{ name: "orders" }], allowAutoTopicCreation: false });
 * console.assert(w.length > 0);
 * ```
 */
export const Metadata: Api<MetadataRequest, MetadataResponse> = {
  name: "Metadata",
  key: 3,
  minVersion: 0,
  maxVersion: 13,
  flexibleFrom: 9,

  encode(w, version, req) {
    checkVersion(Metadata, version);
    const flexible = version >= 9;
    const topics = req.topics === null && version === 0 ? [] : req.topics;
    if (topics === null) {
      if (flexible) w.uvarint(0);
      else w.int32(-1);
    } else {
      if (flexible) w.uvarint(topics.length + 1);
      else w.int32(topics.length);
      for (const t of topics) {
        if (version >= 10) {
          w.uuid(t.topicId ?? new Uint8Array(16)).compactNullableString(t.name);
        } else {
          // TopicId is ignorable; a null name is not (it only exists from v10).
          if (t.name === null) throw unsupportedField("Metadata", "topics[].name = null", version);
          w.stringOf(flexible, t.name);
        }
        w.tags(flexible);
      }
    }
    const allowAuto = req.allowAutoTopicCreation ?? true;
    if (version >= 4) w.bool(allowAuto);
    else if (!allowAuto) throw unsupportedField("Metadata", "allowAutoTopicCreation", version);
    const includeCluster = req.includeClusterAuthorizedOperations ?? false;
    if (version >= 8 && version <= 10) w.bool(includeCluster);
    else if (includeCluster) throw unsupportedField("Metadata", "includeClusterAuthorizedOperations", version);
    const includeTopic = req.includeTopicAuthorizedOperations ?? false;
    if (version >= 8) w.bool(includeTopic);
    else if (includeTopic) throw unsupportedField("Metadata", "includeTopicAuthorizedOperations", version);
    w.tags(flexible);
  },

  decode(r, version) {
    checkVersion(Metadata, version);
    const flexible = version >= 9;
    const res: MetadataResponse = {
      throttleTimeMs: version >= 3 ? r.int32() : 0,
      brokers: r.arrayOf(flexible, (r) => readBroker(r, version, flexible)),
      clusterId: version >= 2 ? r.nullableStringOf(flexible) : null,
      controllerId: version >= 1 ? r.int32() : -1,
      topics: r.arrayOf(flexible, (r) => readTopic(r, version, flexible)),
      clusterAuthorizedOperations: version >= 8 && version <= 10 ? r.int32() : AUTHORIZED_OPERATIONS_UNKNOWN,
      errorCode: version >= 13 ? r.int16() : 0,
    };
    r.tags(flexible);
    return res;
  },
};
