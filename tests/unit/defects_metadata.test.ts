/**
 * Hardening of the metadata rules: a hostile or stale broker, a re-created
 * topic, and the refresh timer of a producer that keeps adding topics.
 */
import { describe, expect, test } from "bun:test";
import { Metadata } from "../../src/metadata.ts";
import { metadataResponse } from "./support/producer.ts";

function metadata(): Metadata {
  return new Metadata({
    bootstrap: [{ host: "127.0.0.1", port: 9092 }],
    metadataMaxAgeMs: 300_000,
    metadataMaxIdleMs: 300_000,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 1000,
  });
}

describe("defect 5: a topic deleted and re-created", () => {
  test("a new topic id resets the leader epochs, so the new leader is taken", () => {
    const md = metadata();
    md.add("t", 0);
    const before = metadataResponse({ t: [{ leader: 1, epoch: 7 }] });
    before.topics[0]!.topicId = new Uint8Array(16).fill(1);
    md.update(before, ["t"], false, 0);
    expect(md.leaderFor("t", 0)).toBe(1);
    // Re-created: a new id, epochs start again from 0, led by broker 2.
    const after = metadataResponse({ t: [{ leader: 2, epoch: 0 }] });
    after.topics[0]!.topicId = new Uint8Array(16).fill(2);
    md.update(after, ["t"], false, 1);
    expect(md.leaderFor("t", 0)).toBe(2);
    // Under the new id, epochs order leaders again: newer wins, older (a stale broker) does not.
    const newer = metadataResponse({ t: [{ leader: 3, epoch: 5 }] });
    newer.topics[0]!.topicId = new Uint8Array(16).fill(2);
    md.update(newer, ["t"], false, 2);
    expect(md.leaderFor("t", 0)).toBe(3);
    const stale = metadataResponse({ t: [{ leader: 1, epoch: 2 }] });
    stale.topics[0]!.topicId = new Uint8Array(16).fill(2);
    md.update(stale, ["t"], false, 3);
    expect(md.leaderFor("t", 0)).toBe(3);
  });
});

describe("defect 11: partial metadata updates", () => {
  test("do not reset the max-age timer of the full refresh", () => {
    const md = metadata();
    md.add("a", 1000);
    md.update(metadataResponse({ a: [{ leader: 1 }] }), ["a"], false, 1000);
    expect(md.timeToNextUpdate(1000)).toBe(300_000);
    // A new topic every 100 s: each is fetched alone (partial)...
    for (const [i, now] of [101_000, 201_000].entries()) {
      md.add(`t${i}`, now);
      const { topics, partial } = md.topicsToRequest(now);
      expect(partial).toBe(true);
      md.update(metadataResponse({ [`t${i}`]: [{ leader: 1 }] }), topics, partial, now);
    }
    // ...and the full refresh is still due 300 s after the last full one.
    expect(md.timeToNextUpdate(251_000)).toBe(50_000);
    expect(md.timeToNextUpdate(301_000)).toBe(0);
  });
});

describe("defect 12: a broker's absurd partition indexes", () => {
  test("are refused without building a huge array, and the old view stays", () => {
    const md = metadata();
    md.add("t", 0);
    md.update(metadataResponse({ t: [{ leader: 1 }, { leader: 2 }] }), ["t"], false, 0);
    const hostile = metadataResponse({ t: [{ leader: 1 }, { leader: 2 }] });
    hostile.topics[0]!.partitions[1]!.partitionIndex = 100_000_000;
    const t0 = performance.now();
    md.update(hostile, ["t"], false, 1);
    expect(performance.now() - t0).toBeLessThan(100);
    expect(md.partitionCount("t")).toBe(2);
    expect(md.availablePartitions("t")).toEqual([0, 1]);
    const negative = metadataResponse({ t: [{ leader: 1 }] });
    negative.topics[0]!.partitions[0]!.partitionIndex = -5;
    md.update(negative, ["t"], false, 2);
    expect(md.partitionCount("t")).toBe(2);
  });
});

describe("partitionCount keeps its last answer only while the topics stay as they were", () => {
  test("a topic that grows, one asked in between, one that expires, and a disconnect reset", () => {
    const md = metadata();
    md.add("t", 0);
    md.add("u", 0);
    md.update(metadataResponse({ t: [{ leader: 1 }, { leader: 1 }], u: [{ leader: 1 }] }), ["t", "u"], false, 0);
    expect(md.partitionCount("t")).toBe(2);
    expect(md.partitionCount("t")).toBe(2);
    // More partitions for t: the next answer counts them.
    md.update(metadataResponse({ t: [{ leader: 1 }, { leader: 1 }, { leader: 2 }], u: [{ leader: 1 }] }), ["t", "u"], false, 1);
    expect(md.partitionCount("t")).toBe(3);
    expect(md.partitionCount("u")).toBe(1);
    expect(md.partitionCount("x")).toBe(0);
    expect(md.partitionCount("u")).toBe(1);
    // u idle past metadata.max.idle.ms: dropped at the next request, and then unknown.
    md.add("t", 400_000);
    md.topicsToRequest(400_001);
    expect(md.partitionCount("u")).toBe(0);
    expect(md.partitionCount("t")).toBe(3);
  });
});
