/**
 * The partitions of one topic from a Metadata response, as `Metadata`
 * (`./metadata.ts`) keeps them: indexes checked, and merged with what was
 * known so that no partition steps back to an older leader epoch.
 *
 * @module
 */

import type { MetadataResponse } from "./protocol/metadata.ts";

/** What is known of one partition. */
export interface PartitionInfo {
  /** The partition's index, 0 … count - 1. */
  readonly partition: number;
  /** Leader's node id, -1 if none. */
  readonly leader: number;
  /** The leader's epoch, -1 if the broker did not say. */
  readonly leaderEpoch: number;
  /** Node ids of the replicas. */
  readonly replicas: readonly number[];
  /** Node ids of the in-sync replicas. */
  readonly isr: readonly number[];
  /** Node ids of the replicas that are offline. */
  readonly offline: readonly number[];
}

/** A partition as the Metadata response gives it. */
type ResponsePartition = MetadataResponse["topics"][number]["partitions"][number];

/**
 * Whether the indexes are exactly 0 … count - 1 in some order: a broker
 * sending others is broken or hostile, and an index of 1e8 would build (and
 * then scan) a huge sparse array.
 *
 * @example Usage
 * ```ts
 * import { hasDenseIndexes } from "./metadata_partitions.ts";
 * console.assert(hasDenseIndexes([{ partitionIndex: 1 }, { partitionIndex: 0 }]));
 * console.assert(!hasDenseIndexes([{ partitionIndex: 100_000_000 }]));
 * ```
 */
export function hasDenseIndexes(partitions: ReadonlyArray<{ readonly partitionIndex: number }>): boolean {
  const count = partitions.length;
  return partitions.every((p) => Number.isInteger(p.partitionIndex) && p.partitionIndex >= 0 && p.partitionIndex < count);
}

/**
 * The topic's partitions from the response, each keeping the known one
 * (`old`, absent for a new or re-created topic) when the response's leader
 * epoch is older (a broker with stale metadata).
 *
 * @example Usage
 * ```ts
 * import { mergePartitions } from "./metadata_partitions.ts";
 * const p = { partitionIndex: 0, leaderId: 2, leaderEpoch: 3, replicaNodes: [2], isrNodes: [2], offlineReplicas: [] };
 * const known = mergePartitions([p] as never, undefined);
 * const stale = mergePartitions([{ ...p, leaderId: 1, leaderEpoch: 2 }] as never, known);
 * console.assert(stale[0]!.leader === 2);
 * ```
 */
export function mergePartitions(partitions: readonly ResponsePartition[], old: readonly PartitionInfo[] | undefined): PartitionInfo[] {
  const parts: PartitionInfo[] = [];
  for (const p of partitions) {
    const prev = old?.[p.partitionIndex];
    parts[p.partitionIndex] = prev !== undefined && p.leaderEpoch >= 0 && prev.leaderEpoch > p.leaderEpoch ? prev : {
      partition: p.partitionIndex,
      leader: p.leaderId,
      leaderEpoch: p.leaderEpoch,
      replicas: p.replicaNodes,
      isr: p.isrNodes,
      offline: p.offlineReplicas ?? [],
    };
  }
  return parts;
}
