/**
 * SASL_SSL with SCRAM from real workerd: a Worker produces to the secure
 * cluster's SASL_SSL listener (tests/kafka/kafka.sh up --secure), which asks
 * for no client certificate, with workerd trusting the harness CA through its
 * config. SCRAM's PBKDF2 and HMAC run on WebCrypto (no WebAssembly), the
 * socket is `cloudflare:sockets` with `secureTransport: "on"`. kcat reads the
 * records back over SASL_SSL (as PLAIN: this kcat's librdkafka fails SCRAM
 * against Kafka 4.4, tests/e2e/sasl.test.ts). A wrong password is a
 * `SaslAuthenticationError` naming the mechanism and host:port, at once.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { cluster, createTopic, kcatRead, secure, type SecureCluster, text, uniqueTopic } from "../helpers/kafka.ts";
import { startWorkerd, type Workerd } from "./workerd.ts";

let s: SecureCluster;
let workerd: Workerd | null = null;

beforeAll(async () => {
  s = secure();
  workerd = await startWorkerd({
    entry: new URL("./worker_app.ts", import.meta.url).pathname,
    bindings: { BOOTSTRAP: cluster(), BOOTSTRAP_TLS: s.sasl_ssl },
    trustedCertificates: [readFileSync(s.ca, "utf8")],
    durableObjects: { PRODUCER: "KafkaProducerObject" },
  });
}, 240_000);

afterAll(async () => {
  await workerd?.stop();
});

async function produce(topic: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${workerd!.url}/produce?topic=${encodeURIComponent(topic)}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() as Record<string, unknown> };
}

const kcatSasl = () => [
  "-X", "security.protocol=SASL_SSL",
  "-X", "sasl.mechanisms=PLAIN",
  "-X", "sasl.username=alice",
  "-X", "sasl.password=alice-secret",
  "-X", `ssl.ca.location=${s.ca}`,
];

describe("a Worker in workerd over SASL_SSL", () => {
  for (const mechanism of ["SCRAM-SHA-256", "SCRAM-SHA-512"] as const) {
    test(`${mechanism}: the records land, and kcat reads them back byte for byte`, async () => {
      const topic = createTopic(uniqueTopic(`alice-workers-${mechanism.slice(-3)}`), 1, { cluster: "secure" });
      const records = Array.from({ length: 20 }, (_, i) => ({ key: `key-${i % 3}`, value: `${mechanism} ${i} ü✓` }));
      const { status, json } = await produce(topic, { records, scram: { mechanism, username: "alice", password: "alice-secret" } });
      expect({ status, error: json.error }).toEqual({ status: 200, error: undefined });
      expect(json.runtime).toBe("cloudflare");
      const read = kcatRead(s.sasl_ssl, topic, { kcatArgs: kcatSasl() });
      expect(read.map((r) => [text(r.key), text(r.value)])).toEqual(records.map((r) => [r.key, r.value]));
    }, 120_000);
  }

  test("a wrong password fails the send with a SaslAuthenticationError naming the mechanism and host:port, well before max.block.ms", async () => {
    const at = Date.now();
    const { status, json } = await produce("unused", {
      records: [{ value: "x" }],
      scram: { mechanism: "SCRAM-SHA-512", username: "alice", password: "wrong-password" },
      maxBlockMs: 15_000,
    });
    expect(status).toBe(500);
    const error = json.error as { name: string; message: string };
    expect(error.name).toBe("SaslAuthenticationError");
    expect(error.message).toStartWith(`SASL SCRAM-SHA-512 authentication to "${s.sasl_ssl}" failed: `);
    expect(error.message).not.toContain("wrong-password");
    expect(Date.now() - at).toBeLessThan(10_000);
  }, 60_000);
});
