/**
 * SASL re-authentication (KIP-368) on Bun, Deno and Node against the
 * `secure` cluster with `connections.max.reauth.ms` at 2 s: a producer
 * (SASL_SSL, SCRAM-SHA-512 as alice) sending steadily for 20 s
 * re-authenticates its connection about every 1.7–1.9 s — eight or more
 * times, counted by `successful-reauthentication-total` — on the one
 * connection it opened, with no failed send, no failed re-authentication
 * and every record at the offset after the previous one (no reordering);
 * kcat reads back exactly what was sent. Without re-authentication the
 * broker would close the connection every 2 s (its session expired).
 */

import { beforeAll, describe, expect, test } from "bun:test";
import { dirname } from "node:path";
import { createTopic, kcatRead, ROOT, secure, type SecureCluster, text, uniqueTopic } from "../helpers/kafka.ts";
import { ensureDist, runScript, RUNTIMES } from "../helpers/runtimes.ts";
import type { ReauthReport } from "./scenarios/reauth.ts";

const SCENARIO = "tests/e2e/scenarios/reauth.ts";
const REAUTH_MS = 2000;
const SECONDS = 20;
const RATE = 2000;

let cluster: SecureCluster;

beforeAll(async () => {
  cluster = secure({ reauthMs: REAUTH_MS });
  await ensureDist();
}, 240_000);

describe.each(RUNTIMES)("%s: re-authentication (connections.max.reauth.ms=2000)", (runtime) => {
  test(`a ${SECONDS} s steady produce re-authenticates its one connection every session, with no failed send and no reordering`, async () => {
    const topic = createTopic(uniqueTopic(`alice-reauth-${runtime}`), 1, { cluster: "secure" });
    const r = await runScript(runtime, SCENARIO, [
      "--sasl-ssl", cluster.sasl_ssl, "--ca", cluster.ca, "--topic", topic, "--seconds", String(SECONDS), "--rate", String(RATE),
    ], { timeoutMs: 120_000, denoPermissions: ["--allow-net=127.0.0.1", `--allow-read=${ROOT},${dirname(cluster.ca)}`] });
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const report = r.json as ReauthReport;
    console.log(`${runtime}: ${report.acknowledged} records, ${report.metrics["successful-reauthentication-total"]} re-authentications ` +
      `(latency avg ${report.metrics["reauthentication-latency-avg"]?.toFixed(1)} ms), ${report.connections} connection(s)`);
    expect({ failed: report.failed, firstError: report.firstError, inOrder: report.inOrder }).toEqual({ failed: 0, firstError: null, inOrder: true });
    expect(report.acknowledged).toBe(report.sent);
    expect(report.metrics["record-error-total"]).toBe(0);
    expect(report.metrics["failed-reauthentication-total"]).toBe(0);
    expect(report.metrics["successful-reauthentication-total"]).toBeGreaterThanOrEqual(8);
    expect(report.connections).toBe(1);
    const read = kcatRead(cluster.bootstrap, topic, { kcatArgs: kcatSasl(cluster) });
    expect(read.length).toBe(report.sent);
    expect(read.every((rec, i) => text(rec.value) === String(i) && rec.offset === i)).toBe(true);
  }, 180_000);
});

/** alice over PLAIN for kcat (its librdkafka fails SCRAM against Kafka 4.4; see sasl.test.ts). */
function kcatSasl(c: SecureCluster): string[] {
  return ["-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username=alice", "-X", "sasl.password=alice-secret",
    "-X", `ssl.ca.location=${c.ca}`];
}
