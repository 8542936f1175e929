/**
 * TLS on every runtime, against the `secure` cluster's SSL listener (client
 * certificates required): `tests/e2e/scenarios/tls.ts` runs under Bun, Deno
 * and Node (the built `dist/`) and this file judges what it reports.
 *
 * Per runtime:
 * - records produced over mTLS (Java keys with the trust store as a file;
 *   camelCase keys with it as PEM text, the host-name check off, through a
 *   second address of the listener) are exactly what kcat, over mTLS with
 *   the same certificate, reads back;
 * - a CA that did not sign the broker → `TlsError` naming host, port and
 *   reason, before any connection is handed out;
 * - a host name the certificate does not name (127.0.0.2, through a local
 *   forwarder; the certificate names 127.0.0.1 and localhost) → `TlsError`,
 *   and with the check off the broker answers;
 * - no client certificate → `TlsError` saying the broker did not accept one
 *   (TLS 1.3 refuses it after the handshake: the socket closes with it);
 * - a producer trusting the wrong CA fails its send at once with the
 *   `TlsError` (fatal, as a SASL failure) and its debug log names it;
 * - the client key's text appears in no log line, error or printed
 *   configuration.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { dirname } from "node:path";
import { createTopic, kcatRead, ROOT, secure, type SecureCluster, uniqueTopic } from "../helpers/kafka.ts";
import { ensureDist, runScript, type Runtime, RUNTIMES } from "../helpers/runtimes.ts";
import type { ConnectOutcome, TlsReport } from "./scenarios/tls.ts";

const SCENARIO = "tests/e2e/scenarios/tls.ts";
const COUNT = 50;
/** A loopback address the broker's certificate does not name (it names 127.0.0.1 and localhost). */
const ALIAS_HOST = "127.0.0.2";

let cluster: SecureCluster;
let forwarder: { port: number; stop(): void };

beforeAll(async () => {
  cluster = secure();
  forwarder = forward(ALIAS_HOST, cluster.ssl);
  await ensureDist();
}, 240_000);

afterAll(() => forwarder?.stop());

const otherCa = () => `${dirname(cluster.ca)}/other-ca.pem`;
const kcatTls = () => [
  "-X", "security.protocol=ssl",
  "-X", `ssl.ca.location=${cluster.ca}`,
  "-X", `ssl.certificate.location=${cluster.client_cert}`,
  "-X", `ssl.key.location=${cluster.client_key}`,
];

const outcomes = new Map<Runtime, Promise<{ topic: string; report: TlsReport; stderr: string }>>();

function outcome(runtime: Runtime) {
  let o = outcomes.get(runtime);
  if (!o) {
    o = (async () => {
      // alice (the client certificate's CN) may write topics named alice-…
      const topic = createTopic(uniqueTopic(`alice-tls-${runtime}`), 1, { cluster: "secure" });
      const run = await runScript(runtime, SCENARIO, [
        "--ssl", cluster.ssl,
        "--alias", `${ALIAS_HOST}:${forwarder.port}`,
        "--ca", cluster.ca,
        "--other-ca", otherCa(),
        "--cert", cluster.client_cert,
        "--key", cluster.client_key,
        "--topic", topic,
        "--count", String(COUNT),
      ], {
        timeoutMs: 90_000,
        denoPermissions: [`--allow-net=127.0.0.1,${ALIAS_HOST}`, `--allow-read=${ROOT},${dirname(cluster.ca)}`],
      });
      const report = run.json as TlsReport | null;
      if (run.code !== 0 || !report?.ok) {
        throw new Error(`${run.command.join(" ")} failed (exit ${run.code}${run.timedOut ? ", timed out" : ""}):\n` +
          `${report?.error ?? run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`);
      }
      console.log(`${runtime}: TLS scenario ${run.ms} ms`);
      return { topic, report, stderr: run.stderr };
    })();
    outcomes.set(runtime, o);
  }
  return o;
}

function expectTlsError(o: ConnectOutcome, host: string, port: number, reason: RegExp): void {
  expect(o.error).toMatchObject({ className: "TlsError", isTlsError: true, isKafkaError: true, retriable: false, host, port });
  expect(o.error!.reason).toMatch(reason);
  expect(o.error!.message).toBe(`TLS connection to "${host}:${port}" failed: ${o.error!.reason}`);
}

for (const runtime of RUNTIMES) {
  describe(`${runtime}: TLS to the secure cluster's mTLS listener`, () => {
    test("records produced over mTLS are exactly what kcat reads back over mTLS", async () => {
      const { topic, report, stderr } = await outcome(runtime);
      expect(stderr).toBe(""); // no warnings (e.g. Node's about SNI with an IP address)
      expect(report.produceErrors).toEqual([]);
      expect(report.produced).toHaveLength(2 * COUNT);
      const read = kcatRead(cluster.ssl, topic, { kcatArgs: kcatTls() });
      const got = read.map((r) => ({ key: new TextDecoder().decode(r.key!), value: new TextDecoder().decode(r.value!), partition: r.partition, offset: String(r.offset) }));
      const sent = [...report.produced].sort((a, b) => Number(a.offset) - Number(b.offset));
      expect(got).toEqual(sent);
      expect(sent.map((r) => r.key).slice(0, COUNT)).toEqual(Array.from({ length: COUNT }, (_, i) => `mtls-${i}`));
      expect(sent.map((r) => r.key).slice(COUNT)).toEqual(Array.from({ length: COUNT }, (_, i) => `alias-${i}`));
    }, 180_000);

    test("a CA that did not sign the broker: TlsError naming host, port and reason", async () => {
      const { report } = await outcome(runtime);
      const [host, port] = cluster.ssl.split(":") as [string, string];
      expect(report.wrongCa.connected).toBe(false);
      expectTlsError(report.wrongCa, host, Number(port), /not signed by a trusted CA/);
    }, 180_000);

    test("a host name the certificate does not name: TlsError; with the check off the broker answers", async () => {
      const { report } = await outcome(runtime);
      expect(report.mismatch.connected).toBe(false);
      expectTlsError(report.mismatch, ALIAS_HOST, forwarder.port, /does not name this host/);
      expect(report.mismatchUnchecked).toMatchObject({ connected: true, error: null });
      expect(report.mismatchUnchecked.responseBytes).toBeGreaterThan(0);
    }, 180_000);

    test("no client certificate on the mTLS listener: TlsError saying the broker did not accept one", async () => {
      const { report } = await outcome(runtime);
      const [host, port] = cluster.ssl.split(":") as [string, string];
      expectTlsError(report.noClientCert, host, Number(port), /did not accept a client certificate/);
      expect(report.noClientCert.responseBytes).toBe(0);
    }, 180_000);

    test("a producer trusting the wrong CA fails its send at once with the TlsError (fatal), well within maxBlockMs, and logs it", async () => {
      const { report } = await outcome(runtime);
      expect(report.producerWrongCa.error?.className).toBe("TlsError");
      expect(report.producerWrongCa.error?.message).toContain("not signed by a trusted CA");
      expect(report.producerWrongCa.ms).toBeLessThan(5_000);
      expect(report.producerWrongCa.tlsLogLines.length).toBeGreaterThan(0);
      expect(report.producerWrongCa.tlsLogLines[0]).toContain("not signed by a trusted CA");
    }, 180_000);

    test("the private key appears in no log line, error or printed configuration", async () => {
      const { report } = await outcome(runtime);
      expect(report.leaks).toEqual([]);
    }, 180_000);
  });
}

/** A TCP forwarder on `host` (port picked by the system) to `target` ("host:port"). */
function forward(host: string, target: string): { port: number; stop(): void } {
  const [targetHost, targetPort] = target.split(":") as [string, string];
  type Peer = { write(data: Uint8Array): number; end(): void };
  type Side = { peer?: Peer; pending: Uint8Array[] };
  const server = Bun.listen<Side>({
    hostname: host,
    port: 0,
    socket: {
      open(client) {
        client.data = { pending: [] };
        void Bun.connect<Peer>({
          hostname: targetHost,
          port: Number(targetPort),
          socket: {
            open(upstream) {
              client.data.peer = upstream;
              upstream.data = client;
              for (const chunk of client.data.pending) upstream.write(chunk);
              client.data.pending = [];
            },
            data(_upstream, chunk) {
              client.write(chunk);
            },
            close() {
              client.end();
            },
            error() {
              client.end();
            },
          },
        }).catch(() => client.end());
      },
      data(client, chunk) {
        // Loopback test traffic is small: Bun's write takes it whole.
        if (client.data.peer) client.data.peer.write(chunk);
        else client.data.pending.push(new Uint8Array(chunk));
      },
      close(client) {
        client.data.peer?.end();
      },
      error(client) {
        client.data.peer?.end();
      },
    },
  });
  return { port: server.port, stop: () => server.stop(true) };
}
