/**
 * Hardening, defect 6: while a partition has no leader and a metadata
 * request is in flight, the sender must sleep until something happens (the
 * answer, a deadline), not spin. Observable without internals: the number
 * of timers the process schedules (`setTimeout` is wrapped for one second)
 * and its CPU time over that second. Real broker; the partition is made
 * leaderless and the Metadata answer held by a `connect` wrapper.
 */

import { describe, expect, test } from "bun:test";
import { Producer } from "../../mod.ts";
import { sleep, Tracked, within } from "../helpers/engine.ts";
import { cluster, createTopic, uniqueTopic } from "../helpers/kafka.ts";
import { leaderlessConnect } from "../helpers/leaderless_connect.ts";

/** Counts setTimeout calls made during `ms`, and the CPU time used, while the test itself only waits. */
async function activityOver(ms: number): Promise<{ timers: number; cpuMs: number }> {
  const original = globalThis.setTimeout;
  let timers = 0;
  const counting = ((...args: Parameters<typeof setTimeout>) => {
    timers++;
    return original(...args);
  }) as typeof setTimeout;
  const cpu = process.cpuUsage();
  globalThis.setTimeout = counting;
  try {
    await new Promise<void>((resolve) => original(resolve, ms));
  } finally {
    globalThis.setTimeout = original;
  }
  const used = process.cpuUsage(cpu);
  return { timers, cpuMs: Math.round((used.user + used.system) / 1000) };
}

describe("defect 6: sender loop while a partition has no leader", () => {
  // Failed before the fix: 828 setTimeout calls in the leaderless second (the loop re-ran with a 0 ms delay).
  test("sleeps while the metadata request is in flight instead of spinning", async () => {
    const bootstrap = cluster();
    const topic = createTopic(uniqueTopic("defect-6"), 1);
    const wire = leaderlessConnect(topic, 0);
    const p = new Producer({
      bootstrapServers: bootstrap,
      connect: wire.connect,
      enableIdempotence: false,
      acks: 1,
      lingerMs: 0,
      retryBackoffMs: 50,
      maxBlockMs: 10_000,
      deliveryTimeoutMs: 15_000,
      requestTimeoutMs: 10_000,
    });
    try {
      await within(p.partitionsFor(topic), 20_000, "partitionsFor");
      // A record for the leaderless partition: the sender asks for metadata, whose answer is held.
      wire.hold(true);
      const before = wire.metadataRequests();
      const send = new Tracked(p.send({ topic, partition: 0, value: "v" }));
      for (let i = 0; i < 100 && wire.metadataRequests() === before; i++) await sleep(20);
      expect(wire.metadataRequests()).toBeGreaterThan(before);
      const activity = await activityOver(1_000);
      wire.hold(false);
      // A sleeping loop schedules a few timers a second (backoff, expiry); the busy loop hundreds.
      expect(activity).toEqual({ timers: expect.any(Number), cpuMs: expect.any(Number) });
      expect(activity.timers).toBeLessThan(50);
      expect(send.settled).toBe(false);
    } finally {
      wire.hold(false);
      await p.close({ timeoutMs: 0 }).catch(() => {});
    }
  }, 60_000);
});
