/**
 * TLS scenario, run unchanged under Bun, Deno and Node (from `dist/`) by
 * `tests/e2e/tls.test.ts` against the `secure` cluster's SSL listener, which
 * requires client certificates (mTLS).
 *
 * ```sh
 * bun tests/e2e/scenarios/tls.ts --ssl 127.0.0.1:PORT --alias 127.0.0.2:PORT --ca ca.pem --other-ca other-ca.pem \
 *   --cert client.pem --key client.key --topic t
 * ```
 *
 * `--alias` is another address of the same listener (a forwarder on
 * 127.0.0.2, which the broker's certificate does not name). Steps:
 * - `produce`: a producer over mTLS with Java keys (trust store as a file,
 *   `ssl.truststore.location`) sends `--count` records; a second one, with
 *   camelCase keys (trust store as PEM text), bootstraps through the alias
 *   with the host-name check off and sends `--count` more.
 * - the runtime's own socket adapter (`runtime/auto.ts`), with TLS options:
 *   a CA that did not sign the broker, a host name the certificate does not
 *   name (check on, then off), and no client certificate (the broker
 *   refuses it; with TLS 1.3 only after the handshake, so an ApiVersions
 *   request is written to see the connection's fate).
 * - a producer that trusts the wrong CA: its send fails at once with the
 *   `TlsError` (fatal, as Java's `SslAuthenticationException`; `maxBlockMs`
 *   is 20 s), its debug log names the TLS failure.
 * - secrets: the client key's text is looked for in every log line, error
 *   message and printed form of the configuration.
 *
 * Prints one JSON line ({@linkcode TlsReport}); exits 0 when the scenario
 * ran (the test judges the result), 1 if it crashed.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { KafkaError, Password, Producer, TlsError } from "../../../mod.ts";
import type { LogFields, Logger, RecordMetadata, SocketOptions, TlsOptions } from "../../../mod.ts";
import { loadPlatform } from "../../../runtime/auto.ts";

/** An error as reported. */
export interface ErrorInfo {
  className: string;
  message: string;
  isTlsError: boolean;
  isKafkaError: boolean;
  retriable: boolean | null;
  host: string | null;
  port: number | null;
  reason: string | null;
}

/** What one raw connection attempt came to. */
export interface ConnectOutcome {
  /** `connect` resolved (the handshake passed). */
  connected: boolean;
  /** Bytes of the ApiVersions response read after connecting (0: none). */
  responseBytes: number;
  /** Why it failed: `connect`'s rejection, or the error `onClose` got. */
  error: ErrorInfo | null;
  ms: number;
}

export interface TlsReport {
  ok: boolean;
  runtime: string;
  produced: Array<{ key: string; value: string; partition: number; offset: string }>;
  produceErrors: string[];
  wrongCa: ConnectOutcome;
  mismatch: ConnectOutcome;
  mismatchUnchecked: ConnectOutcome;
  noClientCert: ConnectOutcome;
  producerWrongCa: { error: ErrorInfo | null; ms: number; tlsLogLines: string[] };
  /** Where the client key's text showed up (must be nowhere). */
  leaks: string[];
  error?: string;
}

const g = globalThis as unknown as {
  Deno?: { args: string[]; exitCode: number };
  Bun?: unknown;
  process?: { argv: string[]; exitCode?: number };
};
const runtime = g.Deno ? "deno" : g.Bun ? "bun" : "node";
const args = parseArgs(g.Deno?.args ?? g.process!.argv.slice(2));
for (const a of ["ssl", "alias", "ca", "other-ca", "cert", "key", "topic"]) {
  if (!args[a]) throw new Error(`Usage: tls.ts --ssl H:P --alias H:P --ca F --other-ca F --cert F --key F --topic T [--count N] (missing --${a})`);
}
const count = Number(args.count ?? 50);
const [sslHost, sslPort] = hostPort(args.ssl!);
const [aliasHost, aliasPort] = hostPort(args.alias!);
const caPem = readFileSync(args.ca!, "utf8");
const otherCaPem = readFileSync(args["other-ca"]!, "utf8");
const certPem = readFileSync(args.cert!, "utf8");
const keyPem = readFileSync(args.key!, "utf8");
/** A line from the middle of the key: what a leak would contain. */
const keyProbe = keyPem.split("\n").filter((l) => l.length > 40)[3]!;

/** Everything printed anywhere, by origin, to look for the key in. */
const printed: Array<[string, string]> = [];
const logLines: string[] = [];
function capturingLogger(origin: string): Logger {
  const log = (level: string) => (message: string, fields?: LogFields) => {
    const line = `${level} ${message} ${fields === undefined ? "" : JSON.stringify(fields, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`;
    logLines.push(line);
    printed.push([`${origin} log`, line]);
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

function errorInfo(e: unknown): ErrorInfo {
  const err = e as Error & Partial<TlsError>;
  printed.push(["error", `${err?.message} ${String(err)} ${inspect(err)}`]);
  return {
    className: err?.constructor?.name ?? typeof e,
    message: err?.message ?? String(e),
    isTlsError: e instanceof TlsError,
    isKafkaError: e instanceof KafkaError,
    retriable: e instanceof KafkaError ? e.retriable : null,
    host: err?.host ?? null,
    port: err?.port ?? null,
    reason: err?.reason ?? null,
  };
}

function tls(o: Partial<TlsOptions>): TlsOptions {
  return { ca: caPem, caFile: null, cert: certPem, key: new Password(keyPem), keyPassword: null, verifyHostname: true, ...o };
}

/** ApiVersions v0, correlation id 1, empty client id. */
const API_VERSIONS = new Uint8Array([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0, 0]);

/** Connects with the runtime's adapter, writes ApiVersions and waits for a response or the close. */
async function tryConnect(host: string, port: number, options: TlsOptions): Promise<ConnectOutcome> {
  const platform = await loadPlatform();
  const started = performance.now();
  let responseBytes = 0;
  let closed: (error?: Error) => void = () => {};
  const closedWith = new Promise<Error | undefined>((resolve) => (closed = resolve));
  const socketOptions: SocketOptions = { host, port, connectTimeoutMs: 10_000, tls: options };
  let socket;
  try {
    socket = await platform.connect(socketOptions, { onData: (chunk) => void (responseBytes += chunk.byteLength), onClose: (e) => closed(e) });
  } catch (e) {
    return { connected: false, responseBytes, error: errorInfo(e), ms: Math.round(performance.now() - started) };
  }
  await socket.write(API_VERSIONS).catch(() => {});
  // A response takes a few ms; a refused client certificate closes the connection about as fast.
  const error = await Promise.race([closedWith, new Promise<"open">((r) => setTimeout(() => r("open"), 3000))]);
  socket.close();
  return {
    connected: true,
    responseBytes,
    error: error === "open" || error === undefined ? null : errorInfo(error),
    ms: Math.round(performance.now() - started),
  };
}

async function produce(report: TlsReport): Promise<void> {
  const sendAll = async (producer: Producer, prefix: string) => {
    const sends: Array<Promise<RecordMetadata>> = [];
    for (let i = 0; i < count; i++) sends.push(producer.send({ topic: args.topic!, key: `${prefix}-${i}`, value: `${runtime} ${prefix} ${i}` }));
    const results = await Promise.allSettled(sends);
    results.forEach((r, i) => {
      if (r.status === "fulfilled") {
        report.produced.push({ key: `${prefix}-${i}`, value: `${runtime} ${prefix} ${i}`, partition: r.value.partition, offset: String(r.value.offset) });
      } else report.produceErrors.push(`${prefix}-${i}: ${errorInfo(r.reason).message}`);
    });
  };
  // A Java client's properties, as they would be in its file.
  const java = Producer.fromProperties({
    "bootstrap.servers": args.ssl!,
    "security.protocol": "SSL",
    "ssl.truststore.type": "PEM",
    "ssl.truststore.location": args.ca!,
    "ssl.keystore.type": "PEM",
    "ssl.keystore.certificate.chain": certPem,
    "ssl.keystore.key": keyPem,
    "max.block.ms": "20000",
  }, { logger: capturingLogger("mtls") });
  printed.push(["config JSON", JSON.stringify(java.config)], ["config inspect", inspect(java.config, { depth: 5 })]);
  printed.push(["key String()", String(java.config.sslKeystoreKey)], ["key template", `${java.config.sslKeystoreKey}`]);
  try {
    await sendAll(java, "mtls");
  } finally {
    await java.close();
  }
  await using alias = new Producer({
    bootstrapServers: [args.alias!],
    securityProtocol: "SSL",
    sslTruststoreCertificates: caPem,
    sslKeystoreCertificateChain: certPem,
    sslKeystoreKey: keyPem,
    sslEndpointIdentificationAlgorithm: "",
    maxBlockMs: 20_000,
    logger: capturingLogger("alias"),
  });
  await sendAll(alias, "alias");
}

async function producerWrongCa(report: TlsReport): Promise<void> {
  const lines = logLines.length;
  const started = performance.now();
  await using producer = new Producer({
    bootstrapServers: args.ssl!,
    securityProtocol: "SSL",
    sslTruststoreCertificates: otherCaPem,
    sslKeystoreCertificateChain: certPem,
    sslKeystoreKey: keyPem,
    maxBlockMs: 20_000,
    logger: capturingLogger("wrong CA"),
  });
  try {
    await producer.send({ topic: args.topic!, value: "never" });
  } catch (e) {
    report.producerWrongCa.error = errorInfo(e);
  }
  report.producerWrongCa.ms = Math.round(performance.now() - started);
  report.producerWrongCa.tlsLogLines = logLines.slice(lines).filter((l) => l.includes("TLS connection to"));
}

const none: ConnectOutcome = { connected: false, responseBytes: 0, error: null, ms: 0 };
const report: TlsReport = {
  ok: false,
  runtime,
  produced: [],
  produceErrors: [],
  wrongCa: none,
  mismatch: none,
  mismatchUnchecked: none,
  noClientCert: none,
  producerWrongCa: { error: null, ms: 0, tlsLogLines: [] },
  leaks: [],
};
try {
  await produce(report);
  report.wrongCa = await tryConnect(sslHost, sslPort, tls({ ca: otherCaPem }));
  report.mismatch = await tryConnect(aliasHost, aliasPort, tls({}));
  report.mismatchUnchecked = await tryConnect(aliasHost, aliasPort, tls({ verifyHostname: false }));
  report.noClientCert = await tryConnect(sslHost, sslPort, tls({ cert: null, key: null }));
  await producerWrongCa(report);
  report.leaks = printed.filter(([, text]) => text.includes(keyProbe)).map(([origin]) => origin);
  report.ok = true;
} catch (e) {
  report.error = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
}
console.log(JSON.stringify(report));
if (!report.ok) {
  if (g.Deno) g.Deno.exitCode = 1;
  else g.process!.exitCode = 1;
}

function hostPort(text: string): [string, number] {
  const i = text.lastIndexOf(":");
  return [text.slice(0, i), Number(text.slice(i + 1))];
}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`Unexpected argument "${a}"`);
    const eq = a.indexOf("=");
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else out[a.slice(2)] = argv[++i] ?? "";
  }
  return out;
}
