/**
 * SASL on every runtime, against the `secure` cluster as user alice:
 * `tests/e2e/scenarios/sasl.ts` runs under Bun, Deno and Node (the built
 * `dist/`) and this file judges what it reports.
 *
 * Per runtime:
 * - records produced over SASL_SSL with PLAIN, SCRAM-SHA-256,
 *   SCRAM-SHA-512, OAUTHBEARER (the OIDC endpoint through KIP-768 keys, and
 *   a token function), and over SASL_PLAINTEXT, are exactly what kcat, with
 *   alice's credentials (PLAIN), reads back;
 * - a transaction as alice (transactional id `alice-…`): kcat
 *   read_committed sees the committed records and not the aborted ones;
 * - a wrong password → `SaslAuthenticationError` naming the mechanism and
 *   the broker's message, long before `max.block.ms`, and the reconnect
 *   backoff still applies (a handful of attempts in the 2 s after);
 * - a topic alice may not write → `TopicAuthorizationError` naming it,
 *   while an allowed topic in the same producer gets its record;
 * - neither password nor token appears in any log line (debug level),
 *   error, `metrics()` or printed configuration.
 */

import { beforeAll, describe, expect, test } from "bun:test";
import { dirname } from "node:path";
import { createTopic, kcatRead, ROOT, secure, type SecureCluster, uniqueTopic } from "../helpers/kafka.ts";
import { ensureDist, runScript, type Runtime, RUNTIMES } from "../helpers/runtimes.ts";
import type { SaslReport, Sent } from "./scenarios/sasl.ts";

const SCENARIO = "tests/e2e/scenarios/sasl.ts";
const COUNT = 20;
const CASES = ["plain", "scram256", "scram512", "oidc", "tokenfn", "plaintext"];

let cluster: SecureCluster;

beforeAll(async () => {
  cluster = secure();
  await ensureDist();
}, 240_000);

// alice's credentials over PLAIN: this kcat's librdkafka fails SCRAM against Kafka 4.4 ("invalid credentials"),
// where edgekafka's SCRAM succeeds with the same ones.
const kcatSasl = () => [
  "-X", "security.protocol=SASL_SSL",
  "-X", "sasl.mechanisms=PLAIN",
  "-X", "sasl.username=alice",
  "-X", "sasl.password=alice-secret",
  "-X", `ssl.ca.location=${cluster.ca}`,
];

interface Outcome {
  topic: string;
  txnTopic: string;
  denied: string;
  report: SaslReport;
}

const outcomes = new Map<Runtime, Promise<Outcome>>();

function outcome(runtime: Runtime): Promise<Outcome> {
  let o = outcomes.get(runtime);
  if (!o) {
    o = (async () => {
      const topic = createTopic(uniqueTopic(`alice-sasl-${runtime}`), 1, { cluster: "secure" });
      const txnTopic = createTopic(uniqueTopic(`alice-sasl-txn-${runtime}`), 1, { cluster: "secure" });
      const denied = createTopic(uniqueTopic(`bob-sasl-${runtime}`), 1, { cluster: "secure" });
      const run = await runScript(runtime, SCENARIO, [
        "--sasl-ssl", cluster.sasl_ssl,
        "--sasl-plaintext", cluster.sasl_plaintext,
        "--ca", cluster.ca,
        "--token-url", cluster.token_url,
        "--topic", topic,
        "--txn-topic", txnTopic,
        "--txn-id", `alice-${uniqueTopic(runtime)}`,
        "--denied", denied,
        "--count", String(COUNT),
      ], {
        timeoutMs: 150_000,
        denoPermissions: ["--allow-net=127.0.0.1", `--allow-read=${ROOT},${dirname(cluster.ca)}`],
      });
      const report = run.json as SaslReport | null;
      if (run.code !== 0 || !report?.ok) {
        throw new Error(`${run.command.join(" ")} failed (exit ${run.code}${run.timedOut ? ", timed out" : ""}):\n` +
          `${report?.error ?? run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`);
      }
      console.log(`${runtime}: SASL scenario ${run.ms} ms; wrong password settled in ${report.wrongPassword.ms} ms`);
      return { topic, txnTopic, denied, report };
    })();
    outcomes.set(runtime, o);
  }
  return o;
}

const decode = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

for (const runtime of RUNTIMES) {
  describe(`${runtime}: SASL to the secure cluster`, () => {
    test("PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER (OIDC, token function) over SASL_SSL and SCRAM over SASL_PLAINTEXT: kcat reads back exactly what was sent", async () => {
      const { topic, report } = await outcome(runtime);
      expect(report.produceErrors).toEqual([]);
      for (const name of CASES) {
        expect(report.produced[name]?.map((s) => s.key)).toEqual(Array.from({ length: COUNT }, (_, i) => `${name}-${i}`));
      }
      const sent: Sent[] = [...Object.values(report.produced).flat(), report.denied.allowed!].sort((a, b) => Number(a.offset) - Number(b.offset));
      const read = kcatRead(cluster.sasl_ssl, topic, { kcatArgs: kcatSasl() });
      expect(read.map((r) => ({ key: decode(r.key), value: decode(r.value), offset: String(r.offset) }))).toEqual(sent);
    }, 240_000);

    test("a transaction as alice: kcat read_committed sees the committed records only", async () => {
      const { txnTopic, report } = await outcome(runtime);
      expect(report.txn.error).toBeNull();
      const read = kcatRead(cluster.sasl_ssl, txnTopic, { kcatArgs: kcatSasl(), isolation: "read_committed" });
      expect(read.map((r) => ({ key: decode(r.key), value: decode(r.value), offset: String(r.offset) }))).toEqual(report.txn.committed);
      expect(report.txn.committed).toHaveLength(COUNT);
      expect(read.some((r) => decode(r.key)!.startsWith("aborted-"))).toBe(false);
    }, 240_000);

    test("a wrong password: SaslAuthenticationError with the broker's message, well before max.block.ms", async () => {
      const { report } = await outcome(runtime);
      const w = report.wrongPassword;
      expect(w.error).toMatchObject({ className: "SaslAuthenticationError", mechanism: "SCRAM-SHA-512", retriable: false });
      expect(w.error!.message).toStartWith(`SASL SCRAM-SHA-512 authentication to "${cluster.sasl_ssl}" failed: `);
      expect(w.error!.message).toContain("invalid credentials");
      expect(w.ms).toBeLessThan(5000);
      expect(w.ms).toBeLessThan(w.maxBlockMs / 6);
      // The reconnect backoff (50 ms doubling to 1 s) applies: a handful of attempts in 2 s, no storm.
      expect(w.connectAttempts).toBeGreaterThanOrEqual(1);
      expect(w.connectAttempts).toBeLessThanOrEqual(6);
    }, 240_000);

    test("a topic alice may not write: TopicAuthorizationError naming it; the allowed topic in the same producer gets its record", async () => {
      const { denied, report } = await outcome(runtime);
      expect(report.denied.deniedError?.className).toBe("TopicAuthorizationError");
      expect(report.denied.deniedError?.message).toContain(`"${denied}"`);
      expect(report.denied.allowedError).toBeNull();
      expect(report.denied.allowed?.key).toBe("allowed");
    }, 240_000);

    test("no password or token in any log line (debug), error, metrics() or printed configuration", async () => {
      const { report } = await outcome(runtime);
      expect(report.leaks).toEqual([]);
      // The debug logs searched hold every producer's authentication (not a count of lines, which
      // falls with every connection saved: the broker adopts its bootstrap connection).
      for (const origin of [...CASES, "txn"]) expect({ origin, logged: (report.searched.authenticated[origin] ?? 0) > 0 }).toEqual({ origin, logged: true });
      expect(report.searched.logLines).toBeGreaterThan(CASES.length);
    }, 240_000);
  });
}
