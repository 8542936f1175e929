/**
 * Re-authentication scenario (KIP-368), run unchanged under Bun, Deno and
 * Node (from `dist/`) by `tests/e2e/reauth.test.ts` against the `secure`
 * cluster started with a short `connections.max.reauth.ms`:
 *
 * ```sh
 * bun tests/e2e/scenarios/reauth.ts --sasl-ssl H:P --ca ca.pem --topic alice-t --seconds 20 --rate 2000
 * ```
 *
 * One producer (SASL_SSL, SCRAM-SHA-512 as alice, idempotent, acks=all)
 * sends `--rate` records a second for `--seconds` to partition 0 of
 * `--topic`, values "0", "1", … in send order, each awaited through its
 * promise. Prints one JSON line ({@linkcode ReauthReport}).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { Producer } from "../../../mod.ts";
import { autoConnect } from "../../../runtime/auto.ts";

/** What the scenario saw. */
export interface ReauthReport {
  sent: number;
  acknowledged: number;
  failed: number;
  firstError: string | null;
  /** Whether every acknowledged offset is one more than the previous record's (send order kept). */
  inOrder: boolean;
  /** The producer's metrics at the end (the re-authentication ones, and record-error-total). */
  metrics: Record<string, number>;
  /** Connections the producer opened (a re-authentication reuses its connection). */
  connections: number;
}

const args = process.argv.slice(2);
const arg = (name: string): string => {
  const i = args.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= args.length) throw new Error(`Missing --${name}`);
  return args[i + 1]!;
};

let connections = 0;
const producer = new Producer({
  bootstrapServers: arg("sasl-ssl"),
  securityProtocol: "SASL_SSL",
  sslTruststoreCertificates: readFileSync(arg("ca"), "utf8"),
  sasl: { mechanism: "SCRAM-SHA-512", username: "alice", password: "alice-secret" },
  lingerMs: 5,
  // The runtime's own sockets, counted.
  connect: (options, handlers) => (connections++, autoConnect(options, handlers)),
});
const topic = arg("topic");
const seconds = Number(arg("seconds"));
const rate = Number(arg("rate"));
const report: ReauthReport = { sent: 0, acknowledged: 0, failed: 0, firstError: null, inOrder: true, metrics: {}, connections: 0 };
const offsets: bigint[] = [];
const sends: Promise<void>[] = [];
const start = Date.now();
while (Date.now() - start < seconds * 1000) {
  const tickStart = Date.now();
  for (let i = 0; i < rate / 100; i++) {
    const n = report.sent++;
    sends.push(producer.send({ topic, partition: 0, value: String(n) }).then(
      (md) => {
        report.acknowledged++;
        offsets[n] = md.offset;
      },
      (error: Error) => {
        report.failed++;
        report.firstError ??= `${error.name}: ${error.message}`;
      },
    ));
  }
  await new Promise((r) => setTimeout(r, Math.max(0, 10 - (Date.now() - tickStart))));
}
await Promise.all(sends);
for (let n = 1; n < offsets.length; n++) {
  if (offsets[n] !== undefined && offsets[n - 1] !== undefined && offsets[n]! !== offsets[n - 1]! + 1n) report.inOrder = false;
}
const m = producer.metrics();
for (const k of Object.keys(m)) if (k.includes("reauthentication") || k === "record-error-total") report.metrics[k] = m[k]!;
report.connections = connections;
await producer.close();
console.log(JSON.stringify(report));
