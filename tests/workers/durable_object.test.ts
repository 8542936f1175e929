/**
 * The `KafkaProducerObject` Durable Object in real workerd: 100 concurrent
 * requests of 100 records each (10,000 records) go through the one
 * long-lived producer the object owns; every record lands exactly once
 * (kcat reads each value once, at the offset its request was told), and the
 * records of many requests share batches (records per stored batch, read
 * with Kafka's DumpLogSegments, reported on stdout).
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cluster, createTopic, kcatRead, text, uniqueTopic } from "../helpers/kafka.ts";
import { dumpBatches } from "../helpers/log_segments.ts";
import { startWorkerd, type Workerd } from "./workerd.ts";

let bootstrap: string;
let workerd: Workerd | null = null;

beforeAll(async () => {
  bootstrap = cluster();
  workerd = await startWorkerd({
    entry: new URL("./worker_app.ts", import.meta.url).pathname,
    bindings: { BOOTSTRAP: bootstrap, KAFKA_BOOTSTRAP: bootstrap },
    durableObjects: { PRODUCER: "KafkaProducerObject" },
  });
}, 120_000);

afterAll(async () => {
  await workerd?.stop();
});

type Result = { topic: string; partition: number; offset: string } | { error: { name: string; message: string } };

describe("KafkaProducerObject in workerd", () => {
  test("10,000 records from 100 concurrent requests land exactly once, in shared batches", async () => {
    const topic = createTopic(uniqueTopic("workers-do"), 3);
    const REQUESTS = 100;
    const PER_REQUEST = 100;
    const answers = await Promise.all(Array.from({ length: REQUESTS }, async (_, r) => {
      const records = Array.from({ length: PER_REQUEST }, (_, i) => ({ topic, key: `k${(r * PER_REQUEST + i) % 17}`, value: `r${r}-i${i}` }));
      const response = await fetch(`${workerd!.url}/do/produce`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ records }),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { results: Result[] }).results;
    }));
    const told = new Map<string, string>(); // value → partition:offset the request was told
    answers.forEach((results, r) => {
      expect(results).toHaveLength(PER_REQUEST);
      results.forEach((res, i) => {
        if ("error" in res) throw new Error(`Record r${r}-i${i} failed: ${res.error.name}: ${res.error.message}`);
        told.set(`r${r}-i${i}`, `${res.partition}:${res.offset}`);
      });
    });
    expect(new Set(told.values()).size).toBe(REQUESTS * PER_REQUEST);

    const read = kcatRead(bootstrap, topic);
    expect(read).toHaveLength(REQUESTS * PER_REQUEST);
    const seen = new Map<string, string>();
    for (const r of read) seen.set(text(r.value)!, `${r.partition}:${r.offset}`);
    expect(seen.size).toBe(REQUESTS * PER_REQUEST);
    expect(seen).toEqual(told);

    const metrics = await (await fetch(`${workerd!.url}/do/metrics`)).json() as Record<string, number>;
    expect(metrics["record-send-total"]).toBe(REQUESTS * PER_REQUEST);
    const batches = dumpBatches(topic);
    if (batches !== null) {
      expect(batches.reduce((n, b) => n + b.count, 0)).toBe(REQUESTS * PER_REQUEST);
      // One idempotent producer for every request.
      expect(new Set(batches.map((b) => b.producerId)).size).toBe(1);
      const perBatch = (REQUESTS * PER_REQUEST) / batches.length;
      console.log(`KafkaProducerObject: ${REQUESTS * PER_REQUEST} records from ${REQUESTS} requests in ${batches.length} batches ` +
        `(${perBatch.toFixed(1)} records per batch, largest ${Math.max(...batches.map((b) => b.count))}; ` +
        `records-per-request-avg ${metrics["records-per-request-avg"]!.toFixed(1)})`);
      // Far fewer batches than requests × partitions: requests share them.
      expect(batches.length).toBeLessThan(REQUESTS);
    }
  }, 300_000);
});
