/**
 * SASL scenario, run unchanged under Bun, Deno and Node (from `dist/`) by
 * `tests/e2e/sasl.test.ts` against the `secure` cluster as user alice.
 *
 * ```sh
 * bun tests/e2e/scenarios/sasl.ts --sasl-ssl H:P --sasl-plaintext H:P --ca ca.pem --token-url URL \
 *   --topic alice-t --txn-topic alice-x --txn-id alice-tx --denied denied-t
 * ```
 *
 * Steps:
 * - `produce`: `--count` records each over SASL_SSL with PLAIN (Java
 *   properties, JAAS), SCRAM-SHA-256 (the `sasl` option), SCRAM-SHA-512
 *   (camelCase keys, JAAS), OAUTHBEARER through the OIDC token endpoint
 *   (KIP-768 keys), OAUTHBEARER with a token function, and over
 *   SASL_PLAINTEXT with SCRAM-SHA-512, all to `--topic`.
 * - `transactions`: one transaction aborted, one committed, to `--txn-topic`.
 * - `wrongPassword`: SCRAM-SHA-512 with a wrong password, `maxBlockMs` 30 s:
 *   how the send settles, how long it took, and how many connections were
 *   tried in the 2 s after.
 * - `denied`: one producer sends to `--denied` (alice may not write it) and
 *   to `--topic`.
 * - secrets: every log line (debug level), error message, `metrics()` and
 *   printed configuration of every producer is searched for the passwords
 *   and the OAuth tokens.
 *
 * Prints one JSON line ({@linkcode SaslReport}); exits 0 when the scenario
 * ran (the test judges the result), 1 if it crashed.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { KafkaError, Producer, SaslAuthenticationError, TopicAuthorizationError } from "../../../mod.ts";
import type { LogFields, Logger, OAuthBearerToken, ProducerOptions } from "../../../mod.ts";

/** An error as reported. */
export interface ErrorReport {
  className: string;
  message: string;
  retriable: boolean | null;
  mechanism: string | null;
  topic: string | null;
}

/** Records one producer sent, as acknowledged. */
export interface Sent {
  key: string;
  value: string;
  offset: string;
}

export interface SaslReport {
  ok: boolean;
  runtime: string;
  /** By case ("plain", "scram256", …): what was acknowledged, and errors. */
  produced: Record<string, Sent[]>;
  produceErrors: string[];
  txn: { committed: Sent[]; abortedKeys: string[]; error: string | null };
  /** `connectAttempts`: connections tried in the 2 s after the failure (the reconnect backoff, no storm). */
  wrongPassword: { error: ErrorReport | null; ms: number; maxBlockMs: number; connectAttempts: number };
  denied: { deniedError: ErrorReport | null; allowed: Sent | null; allowedError: string | null };
  /** Where a secret showed up (must be nowhere). */
  leaks: string[];
  /**
   * How many log lines, errors and metric snapshots were searched, and per
   * producer the debug lines of a completed authentication (where a
   * credential would most likely show).
   */
  searched: { logLines: number; texts: number; authenticated: Record<string, number> };
  error?: string;
}

const g = globalThis as unknown as { Deno?: { args: string[]; exitCode: number }; Bun?: unknown; process?: { argv: string[]; exitCode?: number } };
const runtime = g.Deno ? "deno" : g.Bun ? "bun" : "node";
const args = parseArgs(g.Deno?.args ?? g.process!.argv.slice(2));
for (const a of ["sasl-ssl", "sasl-plaintext", "ca", "token-url", "topic", "txn-topic", "txn-id", "denied"]) {
  if (!args[a]) throw new Error(`Usage: sasl.ts --sasl-ssl H:P --sasl-plaintext H:P --ca F --token-url U --topic T --txn-topic T --txn-id I --denied T (missing --${a})`);
}
const count = Number(args.count ?? 20);
const caPem = readFileSync(args.ca!, "utf8");
const PASSWORD = "alice-secret";
const WRONG = `wrong-${Math.random().toString(36).slice(2)}-pw`;
const tokens: string[] = [];

/** Everything printed anywhere, by origin, to look for secrets in. */
const printed: Array<[string, string]> = [];
let logLineCount = 0;
const authenticated: Record<string, number> = {};
function capturingLogger(origin: string): Logger {
  const log = (level: string) => (message: string, fields?: LogFields) => {
    logLineCount++;
    if (message === "Authenticated") authenticated[origin] = (authenticated[origin] ?? 0) + 1;
    printed.push([`${origin} ${level} log`, `${message} ${fields === undefined ? "" : inspect(fields, { depth: 6 })} ${JSON.stringify(fields ?? {}, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`]);
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

function errorReport(e: unknown): ErrorReport {
  const err = e as Error & { mechanism?: string; topic?: string };
  printed.push(["error", `${err?.message} ${String(err)} ${inspect(err, { depth: 6 })} ${JSON.stringify(err)}`]);
  return {
    className: err?.constructor?.name ?? typeof e,
    message: err?.message ?? String(e),
    retriable: e instanceof KafkaError ? e.retriable : null,
    mechanism: e instanceof SaslAuthenticationError ? e.mechanism : null,
    topic: e instanceof TopicAuthorizationError ? (err.topic ?? null) : null,
  };
}

function remember(name: string, producer: Producer): void {
  printed.push([`${name} config`, `${JSON.stringify(producer.config)} ${inspect(producer.config, { depth: 6 })} ${String(producer.config.sasl)}`]);
  printed.push([`${name} metrics`, JSON.stringify(producer.metrics())]);
}

async function sendAll(producer: Producer, name: string, topic: string, report: SaslReport): Promise<Sent[]> {
  const results = await Promise.allSettled(Array.from({ length: count }, (_, i) =>
    producer.send({ topic, key: `${name}-${i}`, value: `${runtime} ${name} ${i}` })));
  const sent: Sent[] = [];
  results.forEach((r, i) => {
    if (r.status === "fulfilled") sent.push({ key: `${name}-${i}`, value: `${runtime} ${name} ${i}`, offset: String(r.value.offset) });
    else report.produceErrors.push(`${name}-${i}: ${errorReport(r.reason).message}`);
  });
  return sent;
}

const common = { maxBlockMs: 20_000, lingerMs: 5 };
const ssl = { bootstrapServers: args["sasl-ssl"]!, securityProtocol: "SASL_SSL" as const, sslTruststoreCertificates: caPem };

/** A token fetched from the OIDC endpoint by the application (the token-function case); remembered to search for. */
async function fetchToken(): Promise<OAuthBearerToken> {
  const response = await fetch(args["token-url"]!, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${btoa(`alice:${PASSWORD}`)}` },
    body: "grant_type=client_credentials",
  });
  const body = await response.json() as { access_token: string; expires_in: number };
  tokens.push(body.access_token);
  return { value: body.access_token, lifetimeMs: Date.now() + body.expires_in * 1000, principalName: "alice" };
}

async function produce(report: SaslReport): Promise<void> {
  const cases: Array<[string, () => Producer]> = [
    ["plain", () => Producer.fromProperties({
      "bootstrap.servers": args["sasl-ssl"]!,
      "security.protocol": "SASL_SSL",
      "sasl.mechanism": "PLAIN",
      "sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="${PASSWORD}";`,
      "ssl.truststore.type": "PEM",
      "ssl.truststore.location": args.ca!,
      "max.block.ms": "20000",
    }, { logger: capturingLogger("plain") })],
    ["scram256", () => new Producer({ ...ssl, ...common, sasl: { mechanism: "SCRAM-SHA-256", username: "alice", password: PASSWORD }, logger: capturingLogger("scram256") })],
    ["scram512", () => new Producer({ ...ssl, ...common, saslMechanism: "SCRAM-SHA-512",
      saslJaasConfig: `org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${PASSWORD}";`, logger: capturingLogger("scram512") })],
    ["oidc", () => new Producer({ ...ssl, ...common, saslMechanism: "OAUTHBEARER", saslOauthbearerTokenEndpointUrl: args["token-url"]!,
      saslOauthbearerClientCredentialsClientId: "alice", saslOauthbearerClientCredentialsClientSecret: PASSWORD, logger: capturingLogger("oidc") })],
    ["tokenfn", () => new Producer({ ...ssl, ...common, sasl: { mechanism: "OAUTHBEARER", token: fetchToken }, logger: capturingLogger("tokenfn") })],
    ["plaintext", () => new Producer({ bootstrapServers: args["sasl-plaintext"]!, securityProtocol: "SASL_PLAINTEXT", ...common,
      sasl: { mechanism: "SCRAM-SHA-512", username: "alice", password: PASSWORD }, logger: capturingLogger("plaintext") })],
  ];
  for (const [name, make] of cases) {
    const producer = make();
    try {
      report.produced[name] = await sendAll(producer, name, args.topic!, report);
      remember(name, producer);
    } finally {
      await producer.close();
    }
  }
}

async function transactions(report: SaslReport): Promise<void> {
  const options: ProducerOptions = { ...ssl, ...common, transactionalId: args["txn-id"]!, logger: capturingLogger("txn"),
    sasl: { mechanism: "SCRAM-SHA-512", username: "alice", password: PASSWORD } };
  await using producer = new Producer(options);
  try {
    await producer.initTransactions();
    producer.beginTransaction();
    await Promise.all(Array.from({ length: 5 }, (_, i) => producer.send({ topic: args["txn-topic"]!, key: `aborted-${i}`, value: "aborted" })));
    report.txn.abortedKeys = Array.from({ length: 5 }, (_, i) => `aborted-${i}`);
    await producer.abortTransaction();
    producer.beginTransaction();
    const acks = await Promise.all(Array.from({ length: count }, (_, i) =>
      producer.send({ topic: args["txn-topic"]!, key: `committed-${i}`, value: `${runtime} committed ${i}` })));
    await producer.commitTransaction();
    report.txn.committed = acks.map((md, i) => ({ key: `committed-${i}`, value: `${runtime} committed ${i}`, offset: String(md.offset) }));
    remember("txn", producer);
  } catch (e) {
    report.txn.error = errorReport(e).message;
  }
}

async function wrongPassword(report: SaslReport): Promise<void> {
  const maxBlockMs = 30_000;
  report.wrongPassword.maxBlockMs = maxBlockMs;
  await using producer = new Producer({ ...ssl, maxBlockMs, logger: capturingLogger("wrong"),
    saslMechanism: "SCRAM-SHA-512",
    saslJaasConfig: `org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${WRONG}";` });
  const started = performance.now();
  try {
    await producer.send({ topic: args.topic!, value: "never" });
  } catch (e) {
    report.wrongPassword.error = errorReport(e);
  }
  report.wrongPassword.ms = Math.round(performance.now() - started);
  const before = printed.filter(([o, t]) => o.startsWith("wrong ") && t.startsWith("Connecting to broker")).length;
  await new Promise((r) => setTimeout(r, 2000));
  report.wrongPassword.connectAttempts = printed.filter(([o, t]) => o.startsWith("wrong ") && t.startsWith("Connecting to broker")).length - before;
  remember("wrong", producer);
}

async function denied(report: SaslReport): Promise<void> {
  await using producer = new Producer({ ...ssl, ...common, logger: capturingLogger("denied"),
    sasl: { mechanism: "SCRAM-SHA-256", username: "alice", password: PASSWORD } });
  const [bad, good] = await Promise.allSettled([
    producer.send({ topic: args.denied!, key: "d", value: "denied" }),
    producer.send({ topic: args.topic!, key: "allowed", value: `${runtime} allowed` }),
  ]);
  if (bad.status === "rejected") report.denied.deniedError = errorReport(bad.reason);
  if (good.status === "fulfilled") report.denied.allowed = { key: "allowed", value: `${runtime} allowed`, offset: String(good.value.offset) };
  else report.denied.allowedError = errorReport(good.reason).message;
  remember("denied", producer);
}

const report: SaslReport = {
  ok: false,
  runtime,
  produced: {},
  produceErrors: [],
  txn: { committed: [], abortedKeys: [], error: null },
  wrongPassword: { error: null, ms: 0, maxBlockMs: 0, connectAttempts: 0 },
  denied: { deniedError: null, allowed: null, allowedError: null },
  leaks: [],
  searched: { logLines: 0, texts: 0, authenticated: {} },
};
try {
  await produce(report);
  await transactions(report);
  await wrongPassword(report);
  await denied(report);
  const secrets = [PASSWORD, WRONG, btoa(`alice:${PASSWORD}`), ...tokens];
  report.leaks = printed.filter(([, text]) => secrets.some((s) => text.includes(s))).map(([origin]) => origin);
  report.searched = { logLines: logLineCount, texts: printed.length, authenticated };
  if (tokens.length === 0) throw new Error("The token function was never called");
  report.ok = true;
} catch (e) {
  report.error = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
}
console.log(JSON.stringify(report));
if (!report.ok) {
  if (g.Deno) g.Deno.exitCode = 1;
  else g.process!.exitCode = 1;
}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`Unexpected argument "${a}"`);
    out[a.slice(2)] = argv[++i] ?? "";
  }
  return out;
}
