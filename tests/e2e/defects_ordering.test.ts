/**
 * Hardening, defect 8: with idempotence off and
 * `max.in.flight.requests.per.connection=1`, records keep their send order
 * through leader changes (Java's `guaranteeMessageOrder`: a partition is muted
 * while its batch is in flight, so a retry can never land behind the next
 * batch). On its own 3-node cluster ("defect-8", RF 3,
 * `min.insync.replicas=2`): during a steady produce the leader is SIGKILLed
 * (`kafka.sh kill`), restarted, and made leader again by a preferred-leader
 * election while records flow (requests in flight at the old leader then get
 * NOT_LEADER_OR_FOLLOWER). Read back with kcat: the log is in send order
 * (duplicates of a retried batch allowed, as idempotence is off), nothing is
 * missing. The staged, deterministic version of the race is
 * tests/unit/defects_ordering.test.ts.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { Producer } from "../../mod.ts";
import { createReadyTopic, sleep, within } from "../helpers/engine.ts";
import { cluster, kafkaSh, kcatRead, ROOT, text, uniqueTopic } from "../helpers/kafka.ts";

const CLUSTER = { cluster: "defect-8", brokers: 3 } as const;
const KAFKA_SH = join(ROOT, "tests", "kafka", "kafka.sh");
let bootstrap = "";

/** Runs a command without blocking the event loop (the producer keeps sending meanwhile). */
function run(cmd: string[], timeoutMs = 180_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function kafka(args: string[]): Promise<string> {
  const r = await run(["bash", KAFKA_SH, "--cluster", CLUSTER.cluster, "--brokers", "3", ...args]);
  if (r.code !== 0) throw new Error(`kafka.sh ${args.join(" ")} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

/** Partition 0's leader and in-sync replicas as kcat sees them (null while no broker answers). */
async function partitionZero(topic: string): Promise<{ leader: number; isr: number[] } | null> {
  const r = await run(["kcat", "-L", "-J", "-b", bootstrap, "-t", topic, "-m", "5"], 15_000);
  if (r.code !== 0) return null;
  try {
    const j = JSON.parse(r.stdout) as { topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number; isrs: Array<{ id: number }> }> }> };
    const p = j.topics.find((t) => t.topic === topic)?.partitions.find((x) => x.partition === 0);
    return p === undefined ? null : { leader: p.leader, isr: p.isrs.map((r) => r.id) };
  } catch {
    return null;
  }
}

/** Waits (bounded) until partition 0's state passes `ok`. */
async function waitFor(topic: string, ok: (p: { leader: number; isr: number[] }) => boolean, what: string, ms = 90_000): Promise<{ leader: number; isr: number[] }> {
  const deadline = Date.now() + ms;
  for (;;) {
    const p = await partitionZero(topic);
    if (p !== null && ok(p)) return p;
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what} (last: ${JSON.stringify(p)})`);
    await sleep(250);
  }
}

beforeAll(() => {
  bootstrap = cluster(CLUSTER);
}, 300_000);

afterAll(() => {
  // Leave the cluster whole whatever happened (`up` restarts a killed node).
  kafkaSh(["up"], CLUSTER, 300_000);
}, 300_000);

describe("defect 8: ordering with idempotence off and max.in.flight.requests.per.connection=1", () => {
  test("order is kept through a leader kill and a preferred-leader election during a steady produce", async () => {
    const topic = createReadyTopic(bootstrap, uniqueTopic("defect-8"), 1, { ...CLUSTER, rf: 3, configs: { "min.insync.replicas": "2" } });
    const p = new Producer({
      bootstrapServers: bootstrap,
      enableIdempotence: false,
      maxInFlightRequestsPerConnection: 1,
      acks: "all",
      lingerMs: 2,
      batchSize: 1024, // many small batches: many chances to overtake
      retryBackoffMs: 20,
      requestTimeoutMs: 10_000,
      deliveryTimeoutMs: 120_000,
      maxBlockMs: 60_000,
    });
    const sends: Array<Promise<unknown>> = [];
    let stop = false;
    const producing = (async () => {
      for (let i = 0; !stop; i++) {
        sends.push(p.send({ topic, partition: 0, value: String(i) }));
        if (i % 10 === 9) await sleep(10);
      }
    })();
    try {
      await sleep(1_500);
      const first = await waitFor(topic, (x) => x.leader > 0, "a leader");
      // 1. The leader dies: its partition moves to another in-sync replica.
      await kafka(["kill", String(first.leader)]);
      const second = await waitFor(topic, (x) => x.leader > 0 && x.leader !== first.leader, "a new leader");
      await sleep(2_000);
      // 2. It comes back, catches up, and a preferred-leader election hands it the partition again
      //    while requests are in flight at the leader it replaces.
      await kafka(["start", String(first.leader)]);
      await waitFor(topic, (x) => x.isr.includes(first.leader), `broker ${first.leader} back in sync`);
      const preferred = await kafka([
        "java", "org.apache.kafka.tools.LeaderElectionCommand", "--bootstrap-server", bootstrap,
        "--election-type", "PREFERRED", "--topic", topic, "--partition", "0",
      ]);
      const third = await waitFor(topic, (x) => x.leader > 0 && x.leader !== second.leader, `the election to move the leader (${preferred.trim()})`);
      await sleep(2_000);
      stop = true;
      await producing;
      const results = await within(Promise.allSettled(sends), 150_000, "every send to settle");
      const failed = results.filter((r) => r.status === "rejected");
      expect(failed.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      expect([first.leader, second.leader, third.leader].every((l) => l > 0)).toBe(true);

      const log = kcatRead(bootstrap, topic).map((r) => Number(text(r.value)));
      // Idempotence is off: a batch whose answer was lost with the leader is retried and may be
      // written twice (its records appear again, after themselves), but a record seen for the first
      // time never comes after a later one.
      const outOfOrder: string[] = [];
      const seen = new Set<number>();
      let highest = -1;
      for (let i = 0; i < log.length; i++) {
        const v = log[i]!;
        if (!seen.has(v) && v < highest) outOfOrder.push(`offset ${i}: ${v} first written after ${highest}`);
        seen.add(v);
        highest = Math.max(highest, v);
      }
      expect(outOfOrder.slice(0, 10)).toEqual([]);
      expect(new Set(log).size).toBe(sends.length);
      expect(log.length).toBeGreaterThanOrEqual(sends.length);
    } finally {
      stop = true;
      await producing;
      await p.close({ timeoutMs: 10_000 });
    }
  }, 600_000);
});
