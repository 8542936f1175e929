/**
 * TLS (`secureTransport: "on"`) from real workerd to the secure cluster's
 * SSL listener (tests/kafka/kafka.sh up --secure). That listener requires a
 * client certificate, which `cloudflare:sockets` cannot present, so no
 * record is produced here (SASL_SSL, which needs none: worker_sasl.test.ts);
 * what is shown is the handshake: with the harness CA trusted through
 * workerd's config the broker's chain verifies and the broker then refuses
 * the missing client certificate; trusting only the public roots the chain
 * is refused. Both end as a `TlsError` naming host:port, while a TLS
 * connection to a port nobody listens on is a retriable `ConnectionError`
 * (workerd words both alike; the adapter tells them apart).
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { cluster, secure, type SecureCluster } from "../helpers/kafka.ts";
import { startWorkerd, type Workerd } from "./workerd.ts";

let s: SecureCluster;
const started: Workerd[] = [];

beforeAll(() => {
  s = secure();
}, 240_000);

afterAll(async () => {
  for (const w of started) await w.stop();
});

/** Runs the probe in a workerd whose outgoing TLS trusts `trust`; returns the outcome and workerd's log. */
async function probe(trust: { trustedCertificates?: string[]; trustBrowserCas?: boolean }, address = s.ssl): Promise<{ error: { name: string; message: string }; log: string }> {
  const workerd = await startWorkerd({
    entry: new URL("./worker_app.ts", import.meta.url).pathname,
    bindings: { BOOTSTRAP: cluster(), BOOTSTRAP_TLS: address },
    ...trust,
    durableObjects: { PRODUCER: "KafkaProducerObject" },
  });
  started.push(workerd);
  const response = await fetch(`${workerd.url}/tls-probe`);
  expect(response.status).toBe(200);
  const outcome = await response.json() as { error: { name: string; message: string } };
  // workerd tells the Worker only "internal error; reference = …"; the reason is in its log.
  const log = workerd.output().split("\n").filter((l) => /alert|certificate|issuer|tls/i.test(l)).join("\n");
  console.log(`tls-probe (${JSON.stringify(Object.keys(trust))}): ${outcome.error?.message}\n  workerd: ${log}`);
  return { ...outcome, log };
}

describe("TLS from workerd", () => {
  test("with the harness CA trusted in workerd's config, the chain verifies and the broker refuses the missing client certificate", async () => {
    const { error, log } = await probe({ trustedCertificates: [readFileSync(s.ca, "utf8")] });
    expect(error.name).toBe("TlsError");
    expect(error.message).toStartWith(`TLS connection to "${s.ssl}" failed`);
    expect(log).toContain("received fatal alert: BadCertificate");
  }, 120_000);

  test("trusting only the public roots, the broker's chain is refused", async () => {
    const { error, log } = await probe({ trustBrowserCas: true });
    expect(error.name).toBe("TlsError");
    expect(error.message).toStartWith(`TLS connection to "${s.ssl}" failed`);
    expect(log).not.toContain("BadCertificate");
    expect(log).toMatch(/UnknownIssuer|invalid peer certificate|unknown ca/i);
  }, 120_000);

  test("a TLS connection to a port nobody listens on is a retriable ConnectionError, not a TlsError", async () => {
    const { error } = await probe({ trustBrowserCas: true }, "127.0.0.1:1");
    expect(error.name).toBe("ConnectionError");
    expect(error.message).toStartWith('Connection to "127.0.0.1:1" failed');
  }, 120_000);
});
