/**
 * Hardening, defect 5: a topic deleted and re-created under the same name
 * is written to by the same producer, at its new leader. On the 3-node
 * cluster: the topic's one partition starts on broker 1, moves to broker 2
 * (a reassignment: the leader epoch grows past 0), the topic is deleted and
 * created again on broker 3 (Kafka's Admin client, tests/helpers/JavaTopicAdmin.java), where the epochs start from 0. A producer that
 * ordered leaders by epoch alone would keep the old topic's leader (2)
 * forever and its sends would time out; a new topic id resets the epochs
 * (`metadata.ts`), so the sends after the re-creation succeed and kcat reads
 * exactly them from the new topic. The unit version is
 * tests/unit/defects_metadata.test.ts.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Producer } from "../../mod.ts";
import { cluster, kafkaSh, kcatRead, ROOT, text, uniqueTopic } from "../helpers/kafka.ts";

const TRIO = { brokers: 3 } as const;
let bootstrap = "";
let producer: Producer<string, string> | null = null;

beforeAll(() => {
  bootstrap = cluster(TRIO);
}, 300_000);

afterAll(async () => {
  await producer?.close({ timeoutMs: 0 });
});

/** Creates, moves or deletes the topic with Kafka's Admin client (tests/helpers/JavaTopicAdmin.java). */
function admin(command: "create" | "move" | "delete", topic: string, broker?: number): void {
  kafkaSh(["java", join(ROOT, "tests/helpers/JavaTopicAdmin.java"), command, bootstrap, topic, ...(broker === undefined ? [] : [String(broker)])], TRIO);
}

/** Partition 0 of `topic` as one broker sees it: its leader and replicas, or null if the topic is unknown there. */
function partitionZeroAt(broker: string, topic: string): { leader: number; replicas: number[] } | null {
  const r = spawnSync("kcat", ["-L", "-J", "-b", broker, "-t", topic, "-m", "5"], { encoding: "utf8", timeout: 15_000 });
  if (r.status !== 0) return null;
  const j = JSON.parse(r.stdout) as {
    topics: Array<{ topic: string; error?: string; partitions: Array<{ partition: number; leader: number; replicas: Array<{ id: number }> }> }>;
  };
  const p = j.topics.find((t) => t.topic === topic && t.error === undefined)?.partitions.find((x) => x.partition === 0);
  return p === undefined ? null : { leader: p.leader, replicas: p.replicas.map((x) => x.id) };
}

/** Waits until every broker sees partition 0 of `topic` as `want` (null: the topic is gone). */
async function untilEveryBroker(topic: string, want: { leader: number; replicas: number[] } | null, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const seen = bootstrap.split(",").map((b) => partitionZeroAt(b, topic));
    if (seen.every((s) => JSON.stringify(s) === JSON.stringify(want))) return;
    if (Date.now() > deadline) throw new Error(`${what}: brokers still see ${JSON.stringify(seen)}, want ${JSON.stringify(want)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Sends `values` and waits for every one (or the first failure). */
function sendAll(p: Producer<string, string>, topic: string, values: string[]): Promise<unknown[]> {
  return Promise.all(values.map((value) => p.send({ topic, value })));
}

describe("defect 5: a topic deleted and re-created", () => {
  test("the same producer writes to the re-created topic at its new leader; kcat reads the records back from it", async () => {
    const topic = uniqueTopic("defect-5");
    admin("create", topic, 1);
    await untilEveryBroker(topic, { leader: 1, replicas: [1] }, "creating the topic on broker 1");

    producer = new Producer<string, string>({ bootstrapServers: bootstrap, lingerMs: 0, maxBlockMs: 20_000, deliveryTimeoutMs: 30_000 });
    const first = Array.from({ length: 10 }, (_, i) => `first-${i}`);
    await sendAll(producer, topic, first);

    // Move the partition to broker 2: its leader epoch grows past 0.
    admin("move", topic, 2);
    await untilEveryBroker(topic, { leader: 2, replicas: [2] }, "moving the partition to broker 2");
    const moved = Array.from({ length: 10 }, (_, i) => `moved-${i}`);
    await sendAll(producer, topic, moved);

    // Delete it, and create it again on broker 3 (new topic id, epochs from 0).
    admin("delete", topic);
    await untilEveryBroker(topic, null, "deleting the topic");
    admin("create", topic, 3);
    await untilEveryBroker(topic, { leader: 3, replicas: [3] }, "re-creating the topic on broker 3");

    const again = Array.from({ length: 10 }, (_, i) => `again-${i}`);
    const results = await sendAll(producer, topic, again);
    expect(results).toHaveLength(again.length);
    await producer.close();
    producer = null;

    // The new topic holds exactly the records sent after it was created, in order.
    expect(kcatRead(bootstrap, topic).map((r) => text(r.value))).toEqual(again);
  }, 240_000);
});
