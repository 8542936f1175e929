/**
 * The producer's view of the cluster, as Java's `ProducerMetadata`: brokers,
 * the partitions of the topics in use and their leaders, and when to refresh.
 *
 * Only topics the producer uses are fetched. A new topic triggers a partial
 * update for just the new topics; everything is refreshed every
 * `metadata.max.age.ms`, or at once when something says the view is stale
 * (unknown leader, an InvalidMetadata error). Failed or repeated updates back
 * off exponentially (`retry.backoff.ms` → `retry.backoff.max.ms`). A topic not
 * used for `metadata.max.idle.ms` is forgotten. When no known broker can be
 * asked, or none gave metadata for `metadata.recovery.rebootstrap.trigger.ms`,
 * or one answered REBOOTSTRAP_REQUIRED, the learned brokers are forgotten and
 * the bootstrap addresses used again ({@linkcode Metadata.rebootstrap}).
 *
 * @module
 */

import type { ApiError, KafkaError } from "./errors.ts";
import type { MetadataResponse } from "./protocol/metadata.ts";
import { apiError } from "./protocol/api_errors.ts";
import { ErrorCode } from "./protocol/error_codes.ts";
import { isZeroId, sameId } from "./protocol/uuid.ts";
import { backoffMs } from "./backoff.ts";
import { type MetadataRecoveryStrategy, RebootstrapClock } from "./network/rebootstrap.ts";
import { hasDenseIndexes, mergePartitions, type PartitionInfo } from "./metadata_partitions.ts";

export type { PartitionInfo };

/** What the partitioner needs to know of a topic's partitions. */
export interface PartitionView {
  /** Number of partitions of the topic. */
  partitionCount(topic: string): number;
  /** Partitions of the topic whose leader is known, in ascending order. */
  availablePartitions(topic: string): readonly number[];
}

/** A broker's address. Bootstrap addresses get ids -1, -2, …. */
export interface BrokerNode {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

/** A partition of a topic. */
export interface TopicPartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/** Options of {@linkcode Metadata}. */
export interface MetadataOptions {
  bootstrap: ReadonlyArray<{ host: string; port: number }>;
  metadataMaxAgeMs: number;
  metadataMaxIdleMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  /** `metadata.recovery.strategy` (default "rebootstrap"). */
  recoveryStrategy?: MetadataRecoveryStrategy;
  /** `metadata.recovery.rebootstrap.trigger.ms` (default 300000). */
  rebootstrapTriggerMs?: number;
}

/**
 * The cluster view and its refresh schedule.
 *
 * @example Registering a topic makes an update due at once
 * ```ts
 * import { Metadata } from "./metadata.ts";
 * const md = new Metadata({ bootstrap: [{ host: "127.0.0.1", port: 9092 }], metadataMaxAgeMs: 300000,
 *   metadataMaxIdleMs: 300000, retryBackoffMs: 100, retryBackoffMaxMs: 1000 });
 * md.add("events", Date.now());
 * console.assert(md.timeToNextUpdate(Date.now()) === 0);
 * ```
 */
export class Metadata implements PartitionView {
  readonly #options: MetadataOptions;
  readonly #bootstrap: BrokerNode[];
  #brokers = new Map<number, BrokerNode>();
  /** Partitions by topic, indexed by partition number. */
  #topics = new Map<string, PartitionInfo[]>();
  /** The topic `partitionCount` answered last, and its partitions; cleared by every change to `#topics`. */
  #countTopic: string | null = null;
  #countParts: PartitionInfo[] | null = null;
  /** Derived on every update: partitions led by each node, for drain(). */
  #byNode = new Map<number, TopicPartitionRef[]>();
  /** Derived on every update: partitions with a known leader, per topic. */
  #available = new Map<string, number[]>();
  /** The last error a metadata response gave for a topic (cleared when it appears). */
  #topicErrors = new Map<string, ApiError>();
  /** Topics in use, with the time they expire unless used again. */
  #inUse = new Map<string, number>();
  /** Topics never fetched yet: the next update may be partial (just these). */
  #newTopics = new Set<string>();
  /** A full update was asked for. */
  #fullUpdateRequested = false;
  /** When the last success was (ms), and when the next attempt may start. */
  #lastSuccessMs = 0;
  /** Topic ids (Metadata v10+) as last seen; a change means the topic was re-created. Changed only by update() and expiry. */
  readonly #topicIds = new Map<string, Uint8Array>();
  #nextAllowedMs = 0;
  /** Consecutive failed or immediately repeated updates, for backoff. */
  #attempts = 0;
  /** Bumped by every applied response; waiters compare against it. */
  version = 0;
  clusterId: string | null = null;
  /** When to re-bootstrap: started by the sender's attempts, stopped by every applied response. */
  readonly recovery: RebootstrapClock;
  #waiters: Array<{ version: number; wake: () => void }> = [];
  /** A TLS or SASL authentication failure (fatal): waiting sends fail with it; the next applied response clears it. */
  #fatalError: KafkaError | null = null;

  constructor(options: MetadataOptions) {
    this.#options = options;
    this.recovery = new RebootstrapClock({ strategy: options.recoveryStrategy ?? "rebootstrap", triggerMs: options.rebootstrapTriggerMs ?? 300_000 });
    this.#bootstrap = options.bootstrap.map((b, i) => ({ id: -(i + 1), host: b.host, port: b.port, rack: null }));
  }

  /** Bootstrap addresses (ids -1, -2, …). */
  get bootstrapNodes(): readonly BrokerNode[] {
    return this.#bootstrap;
  }

  /** Known brokers (from the last response), or the bootstrap addresses before any. */
  get nodes(): readonly BrokerNode[] {
    return this.#brokers.size > 0 ? [...this.#brokers.values()] : this.#bootstrap;
  }

  /** A node by id (bootstrap ids included). */
  node(id: number): BrokerNode | undefined {
    return id < 0 ? this.#bootstrap[-id - 1] : this.#brokers.get(id);
  }

  /**
   * Marks `topic` in use until `now + metadata.max.idle.ms`; a topic never
   * seen before makes an update due at once.
   */
  add(topic: string, now: number): void {
    const known = this.#inUse.has(topic);
    this.#inUse.set(topic, now + this.#options.metadataMaxIdleMs);
    if (!known) {
      // A new topic is fetched at once, whatever the backoff of others.
      this.#newTopics.add(topic);
      this.#attempts = 0;
      this.#nextAllowedMs = 0;
    }
  }

  /** Topics in use. */
  get topics(): IterableIterator<string> {
    return this.#inUse.keys();
  }

  /** Asks for a full update as soon as the backoff allows. */
  requestUpdate(): void {
    this.#fullUpdateRequested = true;
  }

  /** Whether an update is wanted now (ignoring backoff). */
  get updateRequested(): boolean {
    return this.#fullUpdateRequested || this.#newTopics.size > 0;
  }

  /** Milliseconds until the next update is due (0 = now). */
  timeToNextUpdate(now: number): number {
    const expire = this.updateRequested ? 0 : Math.max(0, this.#lastSuccessMs + this.#options.metadataMaxAgeMs - now);
    return Math.max(expire, this.#nextAllowedMs - now, 0);
  }

  /**
   * The topics the next request asks for: just the new ones when only they
   * are missing, else all in use. Drops topics idle past their expiry.
   */
  topicsToRequest(now: number): { topics: string[]; partial: boolean } {
    for (const [topic, expires] of this.#inUse) {
      if (expires <= now) {
        this.#inUse.delete(topic);
        this.#newTopics.delete(topic);
        this.#topics.delete(topic);
        this.#countTopic = null;
        this.#topicErrors.delete(topic);
        this.#topicIds.delete(topic);
      }
    }
    const partial = !this.#fullUpdateRequested && this.#newTopics.size > 0 && this.#lastSuccessMs > 0 &&
      now - this.#lastSuccessMs < this.#options.metadataMaxAgeMs;
    return { topics: partial ? [...this.#newTopics] : [...this.#inUse.keys()], partial };
  }

  /** Applies a Metadata response for `requested` topics. */
  update(response: MetadataResponse, requested: readonly string[], partial: boolean, now: number): void {
    if (response.errorCode === ErrorCode.REBOOTSTRAP_REQUIRED) {
      // KIP-1102: the cluster says this client's view cannot be repaired; nothing of it is applied.
      // A failed attempt, so a bootstrap server that says the same is not asked in a tight loop.
      this.recovery.requested();
      this.failedUpdate(now);
      return;
    }
    this.recovery.succeeded();
    this.#fatalError = null;
    // Only a full update restarts the max-age clock (as Java): a producer adding a topic now and
    // then would otherwise never refresh the topics it already has.
    if (!partial || this.#lastSuccessMs === 0) this.#lastSuccessMs = now;
    // A response that changes nothing for a requested-but-missing topic would
    // otherwise be asked again in a tight loop: count it towards the backoff.
    let incomplete = false;
    if (response.brokers.length > 0) {
      this.#brokers = new Map(response.brokers.map((b) => [b.nodeId, { id: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null }]));
    }
    this.clusterId = response.clusterId ?? this.clusterId;
    if (!partial) this.#fullUpdateRequested = false;
    for (const t of response.topics) {
      const name = t.name;
      if (name === null || !this.#inUse.has(name)) continue;
      this.#newTopics.delete(name);
      if (t.errorCode !== ErrorCode.NONE) {
        this.#topicErrors.set(name, apiError(t.errorCode, null, `Topic "${name}"`));
        this.#topics.delete(name);
        this.#countTopic = null;
        incomplete = true;
        continue;
      }
      if (!hasDenseIndexes(t.partitions)) {
        // A broker sending other indexes is broken or hostile: keep what we knew.
        incomplete = true;
        continue;
      }
      this.#topicErrors.delete(name);
      // A new topic id means the topic was deleted and re-created: its leader epochs start again,
      // so the old ones must not hide the new leaders.
      const id = t.topicId;
      const known = this.#topicIds.get(name);
      const recreated = known !== undefined && id !== null && !isZeroId(id) && !isZeroId(known) && !sameId(known, id);
      if (id !== null && !isZeroId(id)) this.#topicIds.set(name, id);
      const parts = mergePartitions(t.partitions, recreated ? undefined : this.#topics.get(name));
      if (parts.some((p) => p.leader < 0)) incomplete = true;
      this.#topics.set(name, parts);
      this.#countTopic = null;
    }
    for (const name of requested) {
      if (!response.topics.some((t) => t.name === name)) incomplete = true;
    }
    this.#attempts = incomplete ? this.#attempts + 1 : 0;
    this.#nextAllowedMs = incomplete ? now + this.#backoff() : now;
    this.#rebuild();
    this.version++;
    this.#wake();
  }

  /** The fatal connection error recorded by {@linkcode connectionFailed}, if no response came since. */
  get fatalError(): KafkaError | null {
    return this.#fatalError;
  }

  /** Records a fatal connection error (Java's `Metadata.fatalError`) and wakes every waiter, which fails with it. */
  connectionFailed(error: KafkaError): void {
    this.#fatalError = error;
    for (const w of this.#waiters.splice(0)) w.wake();
  }

  /** Records a failed update attempt (no broker reachable, request failed). */
  failedUpdate(now: number): void {
    this.#attempts++;
    this.#nextAllowedMs = now + this.#backoff();
  }

  /**
   * Forgets the learned brokers and goes back to the bootstrap addresses,
   * which are resolved again when next connected to (Java's
   * `Metadata.rebootstrap`); a full update is due. Every partition is
   * leaderless until an answer comes. Unlike Java, the topics' partition
   * counts, epochs and ids stay: records for known topics are still accepted and
   * expire by `delivery.timeout.ms`, as in any outage, instead of waiting
   * `max.block.ms` for metadata; the next response replaces them (a cluster
   * re-created behind the bootstrap address shows new topic ids, which reset
   * the epochs). Returns the brokers forgotten, whose connections the caller
   * closes.
   */
  rebootstrap(now: number): BrokerNode[] {
    const forgotten = [...this.#brokers.values()];
    this.#brokers = new Map();
    for (const [topic, parts] of this.#topics) this.#topics.set(topic, parts.map((p) => ({ ...p, leader: -1 })));
    this.#countTopic = null;
    this.#fullUpdateRequested = true;
    this.recovery.restarted(now);
    this.#rebuild();
    return forgotten;
  }

  #backoff(): number {
    return backoffMs(this.#attempts - 1, this.#options.retryBackoffMs, this.#options.retryBackoffMaxMs);
  }

  /**
   * Applies a leader hint from a Produce response (KIP-951) if its epoch is
   * newer; returns whether it changed anything.
   */
  updateLeader(topic: string, partition: number, leader: number, leaderEpoch: number, endpoints: readonly BrokerNode[]): boolean {
    const parts = this.#topics.get(topic);
    const prev = parts?.[partition];
    if (prev === undefined || leaderEpoch <= prev.leaderEpoch) return false;
    for (const n of endpoints) this.#brokers.set(n.id, n);
    if (!this.#brokers.has(leader)) return false;
    parts![partition] = { ...prev, leader, leaderEpoch };
    this.#rebuild();
    this.version++;
    this.#wake();
    return true;
  }

  /** Resolves once an update newer than `version` was applied. */
  awaitUpdate(version: number): Promise<void> {
    if (this.version > version) return Promise.resolve();
    return new Promise((wake) => this.#waiters.push({ version, wake }));
  }

  /** The error the last response gave for `topic`, if any. */
  topicError(topic: string): ApiError | undefined {
    return this.#topicErrors.get(topic);
  }

  /** Partition count of a topic, or 0 if unknown. */
  partitionCount(topic: string): number {
    // Asked for every record, mostly for the topic asked for last: that answer is kept until #topics changes.
    if (topic === this.#countTopic) return this.#countParts!.length;
    const parts = this.#topics.get(topic);
    if (parts === undefined) return 0;
    this.#countTopic = topic;
    this.#countParts = parts;
    return parts.length;
  }

  /** Partition details of a topic, or `undefined` if unknown. */
  partitions(topic: string): readonly PartitionInfo[] | undefined {
    return this.#topics.get(topic);
  }

  /** Partitions with a known leader. */
  availablePartitions(topic: string): readonly number[] {
    return this.#available.get(topic) ?? [];
  }

  /** The leader of a partition, -1 if unknown. */
  leaderFor(topic: string, partition: number): number {
    return this.#topics.get(topic)?.[partition]?.leader ?? -1;
  }

  /** Leader epoch of a partition, -1 if unknown. */
  leaderEpochFor(topic: string, partition: number): number {
    return this.#topics.get(topic)?.[partition]?.leaderEpoch ?? -1;
  }

  /** Partitions led by a node. */
  partitionsForNode(nodeId: number): readonly TopicPartitionRef[] {
    return this.#byNode.get(nodeId) ?? [];
  }

  #rebuild(): void {
    const byNode = new Map<number, TopicPartitionRef[]>();
    const available = new Map<string, number[]>();
    for (const [topic, parts] of this.#topics) {
      const avail: number[] = [];
      for (const p of parts) {
        if (p === undefined || p.leader < 0 || !this.#brokers.has(p.leader)) continue;
        avail.push(p.partition);
        let list = byNode.get(p.leader);
        if (list === undefined) byNode.set(p.leader, (list = []));
        list.push({ topic, partition: p.partition });
      }
      available.set(topic, avail);
    }
    this.#byNode = byNode;
    this.#available = available;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      if (this.version > w.version) w.wake();
      else this.#waiters.push(w);
    }
  }
}
