/**
 * Kafka's wire protocol as edgekafka speaks it: one {@linkcode Api} object per
 * API (all the versions we support, with version branches inside), plus the
 * table of every API key.
 *
 * @module
 */

export type { Api, RequestOf, ResponseOf } from "./api.ts";
export * from "./api_versions.ts";
export * from "./metadata.ts";
export * from "./produce.ts";
export * from "./init_producer_id.ts";
export * from "./find_coordinator.ts";
export * from "./add_partitions_to_txn.ts";
export * from "./add_offsets_to_txn.ts";
export * from "./end_txn.ts";
export * from "./txn_offset_commit.ts";
export * from "./sasl_handshake.ts";
export * from "./sasl_authenticate.ts";

/**
 * Every Kafka API key by name (Java `ApiKeys`, Kafka 4.4), including the
 * ones a producer never sends.
 *
 * @example Usage
 * ```ts
 * import { ApiKey } from "./index.ts";
 * console.assert(ApiKey.Produce === 0 && ApiKey.ApiVersions === 18);
 * ```
 */
export const ApiKey = Object.freeze({
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  LeaderAndIsr: 4,
  StopReplica: 5,
  UpdateMetadata: 6,
  ControlledShutdown: 7,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  OffsetForLeaderEpoch: 23,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  WriteTxnMarkers: 27,
  TxnOffsetCommit: 28,
  DescribeAcls: 29,
  CreateAcls: 30,
  DeleteAcls: 31,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  AlterReplicaLogDirs: 34,
  DescribeLogDirs: 35,
  SaslAuthenticate: 36,
  CreatePartitions: 37,
  CreateDelegationToken: 38,
  RenewDelegationToken: 39,
  ExpireDelegationToken: 40,
  DescribeDelegationToken: 41,
  DeleteGroups: 42,
  ElectLeaders: 43,
  IncrementalAlterConfigs: 44,
  AlterPartitionReassignments: 45,
  ListPartitionReassignments: 46,
  OffsetDelete: 47,
  DescribeClientQuotas: 48,
  AlterClientQuotas: 49,
  DescribeUserScramCredentials: 50,
  AlterUserScramCredentials: 51,
  Vote: 52,
  BeginQuorumEpoch: 53,
  EndQuorumEpoch: 54,
  DescribeQuorum: 55,
  AlterPartition: 56,
  UpdateFeatures: 57,
  Envelope: 58,
  FetchSnapshot: 59,
  DescribeCluster: 60,
  DescribeProducers: 61,
  BrokerRegistration: 62,
  BrokerHeartbeat: 63,
  UnregisterBroker: 64,
  DescribeTransactions: 65,
  ListTransactions: 66,
  AllocateProducerIds: 67,
  ConsumerGroupHeartbeat: 68,
  ConsumerGroupDescribe: 69,
  ControllerRegistration: 70,
  GetTelemetrySubscriptions: 71,
  PushTelemetry: 72,
  AssignReplicasToDirs: 73,
  ListConfigResources: 74,
  DescribeTopicPartitions: 75,
  ShareGroupHeartbeat: 76,
  ShareGroupDescribe: 77,
  ShareFetch: 78,
  ShareAcknowledge: 79,
  AddRaftVoter: 80,
  RemoveRaftVoter: 81,
  UpdateRaftVoter: 82,
  InitializeShareGroupState: 83,
  ReadShareGroupState: 84,
  WriteShareGroupState: 85,
  DeleteShareGroupState: 86,
  ReadShareGroupStateSummary: 87,
  StreamsGroupHeartbeat: 88,
  StreamsGroupDescribe: 89,
  DescribeShareGroupOffsets: 90,
  AlterShareGroupOffsets: 91,
  DeleteShareGroupOffsets: 92,
  StreamsGroupTopologyDescriptionUpdate: 93,
  UnregisterController: 94,
} as const);

/** A Kafka API name, e.g. `"Produce"`. */
export type ApiKeyName = keyof typeof ApiKey;

const NAMES: readonly string[] = (() => {
  const names: string[] = [];
  for (const [name, key] of Object.entries(ApiKey)) names[key] = name;
  return names;
})();

/**
 * Kafka's name for an API key, e.g. `"Produce"` for 0; `"Unknown API 999"`
 * for a key it does not know.
 *
 * @example Usage
 * ```ts
 * import { apiName } from "./index.ts";
 * console.assert(apiName(22) === "InitProducerId");
 * ```
 */
export function apiName(key: number): string {
  return NAMES[key] ?? `Unknown API ${key}`;
}
