/**
 * The user example (examples/cloudflare/worker.ts), bundled as a user would
 * (`@edgekafka/producer` and its `/cloudflare-do` subpath resolved through
 * the package's exports) and run in workerd against the local broker: its
 * per-request route and its Durable Object route each produce a record that
 * kcat reads back.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cluster, createTopic, kcatRead, ROOT, text, uniqueTopic } from "../helpers/kafka.ts";
import { startWorkerd, type Workerd } from "./workerd.ts";

let bootstrap: string;
let topic: string;
let workerd: Workerd | null = null;

beforeAll(async () => {
  bootstrap = cluster();
  topic = createTopic(uniqueTopic("workers-example"), 1);
  workerd = await startWorkerd({
    entry: join(ROOT, "examples", "cloudflare", "worker.ts"),
    bindings: { KAFKA_BOOTSTRAP: bootstrap, KAFKA_TOPIC: topic },
    durableObjects: { PRODUCER: "KafkaProducerObject" },
  });
}, 120_000);

afterAll(async () => {
  await workerd?.stop();
});

describe("examples/cloudflare/worker.ts in workerd", () => {
  test("POST /direct (a producer per request) and POST / (the Durable Object) both land in the topic", async () => {
    const direct = await fetch(`${workerd!.url}/direct`, { method: "POST", headers: { "x-key": "k1" }, body: "through a request's producer" });
    expect(direct.status).toBe(200);
    expect(await direct.json()).toEqual({ partition: 0, offset: "0" });
    const viaObject = await fetch(`${workerd!.url}/`, { method: "POST", body: "through the Durable Object" });
    expect(viaObject.status).toBe(200);
    expect(await viaObject.json()).toMatchObject({ topic, partition: 0, offset: "1" });
    const read = kcatRead(bootstrap, topic);
    expect(read.map((r) => [text(r.key), text(r.value)])).toEqual([
      ["k1", "through a request's producer"],
      [null, "through the Durable Object"],
    ]);
  }, 120_000);
});
