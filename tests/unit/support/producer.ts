/**
 * Shared helpers for the producer state-machine unit tests (no broker):
 * deterministic randomness, a real `Metadata` fed with hand-built responses,
 * accumulator options, and batches whose records report how they settled.
 */

import { Metadata } from "../../../src/metadata.ts";
import type { MetadataResponse } from "../../../src/protocol/metadata.ts";
import { type FieldValue, type HeaderList, RecordWriter } from "../../../src/protocol/record_batch.ts";
import type { AccumulatorOptions } from "../../../src/producer/accumulator.ts";
import { CALLBACK, ProducerBatch } from "../../../src/producer/batch.ts";
import type { RecordMetadata } from "../../../src/serde.ts";

/** A seeded PRNG (mulberry32) returning numbers in [0, 1), like `Math.random`. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A `random` whose value makes the partitioner's integer draw
 * (`Math.floor(random() * 0x7fffffff)`) exactly `k`.
 */
export function drawOf(k: number): number {
  return (k + 0.5) / 0x7fffffff;
}

/** A `random` that yields integer draws `ks` in turn (then repeats the last one). */
export function draws(...ks: number[]): () => number {
  let i = 0;
  return () => drawOf(ks[Math.min(i++, ks.length - 1)]!);
}

/** One partition of a hand-built metadata response. */
export interface PartitionSpec {
  leader: number;
  epoch?: number;
}

/** A Metadata response with brokers 1..`brokers` and the given topics. */
export function metadataResponse(topics: Record<string, PartitionSpec[]>, brokers = 3): MetadataResponse {
  return {
    throttleTimeMs: 0,
    brokers: Array.from({ length: brokers }, (_, i) => ({ nodeId: i + 1, host: "127.0.0.1", port: 9092 + i, rack: null })),
    clusterId: "test-cluster",
    controllerId: 1,
    topics: Object.entries(topics).map(([name, parts]) => ({
      errorCode: 0,
      name,
      topicId: new Uint8Array(16),
      isInternal: false,
      partitions: parts.map((p, i) => ({
        errorCode: 0,
        partitionIndex: i,
        leaderId: p.leader,
        leaderEpoch: p.epoch ?? 0,
        replicaNodes: p.leader >= 0 ? [p.leader] : [],
        isrNodes: p.leader >= 0 ? [p.leader] : [],
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: -2147483648,
    })),
    clusterAuthorizedOperations: -2147483648,
    errorCode: 0,
  };
}

/** A real `Metadata` that knows `topics` (registered with `add`, then `update`). */
export function metadataWith(topics: Record<string, PartitionSpec[]>, now = 0, brokers = 3): Metadata {
  const md = new Metadata({
    bootstrap: [{ host: "127.0.0.1", port: 9092 }],
    metadataMaxAgeMs: 300_000,
    metadataMaxIdleMs: 300_000,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 1000,
  });
  const names = Object.keys(topics);
  for (const t of names) md.add(t, now);
  md.update(metadataResponse(topics, brokers), names, false, now);
  return md;
}

/** Accumulator options with test-friendly defaults. */
export function accumulatorOptions(overrides: Partial<AccumulatorOptions> = {}): AccumulatorOptions {
  return {
    batchSize: 1024,
    lingerMs: 5,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 1000,
    deliveryTimeoutMs: 120_000,
    maxRequestSize: 1_048_576,
    adaptivePartitioning: false,
    availabilityTimeoutMs: 0,
    guaranteeMessageOrder: false,
    ...overrides,
  };
}

/** The encoded size of a record (length prefix included), as the batch writes it. */
export function recordSize(
  key: FieldValue,
  value: FieldValue,
  headers: HeaderList | null = null,
  timestampDelta = 0,
  offsetDelta = 0,
): number {
  return new RecordWriter().measure(key, value, headers, timestampDelta, offsetDelta);
}

/** What happened to one record: resolved metadata or rejected error, and how many times. */
export interface Outcome {
  metadata: RecordMetadata | null;
  error: Error | null;
  calls: number;
}

/** Settlers for promise-style appends that log every call into an `Outcome`. */
export function settlers(): { outcome: Outcome; resolve: (md: RecordMetadata) => void; reject: (e: Error) => void } {
  const outcome: Outcome = { metadata: null, error: null, calls: 0 };
  return {
    outcome,
    resolve: (md) => {
      outcome.calls++;
      outcome.metadata = md;
    },
    reject: (e) => {
      outcome.calls++;
      outcome.error = e;
    },
  };
}

/** A record to put in a test batch. */
export interface TestRecord {
  key?: FieldValue;
  value?: FieldValue;
  headers?: HeaderList | null;
  timestamp?: number;
}

/**
 * A batch of `topic`-`partition` holding `records` (or `n` default records),
 * in a slab of exactly the size they need unless `slabSize` is given; returns
 * the batch and each record's outcome.
 */
export function batchOf(
  topic: string,
  partition: number,
  records: number | TestRecord[],
  options: { now?: number; slabSize?: number; callbacks?: boolean } = {},
): { batch: ProducerBatch; outcomes: Outcome[] } {
  const list: TestRecord[] = typeof records === "number"
    ? Array.from({ length: records }, (_, i) => ({ value: `v${i}` }))
    : records;
  const now = options.now ?? 0;
  const w = new RecordWriter();
  let needed = 61;
  const base = list[0]?.timestamp ?? now;
  list.forEach((r, i) => {
    needed += w.measure(r.key ?? null, r.value ?? null, r.headers ?? null, (r.timestamp ?? now) - base, i);
  });
  const batch = new ProducerBatch(topic, partition, new Uint8Array(options.slabSize ?? needed), now);
  const outcomes: Outcome[] = [];
  for (const r of list) {
    const s = settlers();
    outcomes.push(s.outcome);
    const appended = options.callbacks
      ? batch.tryAppend(w, Infinity, r.timestamp ?? now, r.key ?? null, r.value ?? null, r.headers ?? null, (error, md) => {
        s.outcome.calls++;
        s.outcome.error = error;
        s.outcome.metadata = md;
      }, CALLBACK)
      : batch.tryAppend(w, Infinity, r.timestamp ?? now, r.key ?? null, r.value ?? null, r.headers ?? null, s.resolve, s.reject);
    if (appended <= 0) throw new Error(`test batch: record did not fit (${appended})`);
  }
  return { batch, outcomes };
}

/** Stamps an identity on a batch directly (as a drain with idempotence would). */
export function withIdentity(batch: ProducerBatch, baseSequence: number, producerId = 1000n, producerEpoch = 0, transactional = false): ProducerBatch {
  batch.identity = { producerId, producerEpoch, baseSequence, transactional };
  return batch;
}

/** Lets pending promise callbacks run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
