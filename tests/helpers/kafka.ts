/**
 * Test helpers for the real broker (tests/kafka/kafka.sh) and the
 * independent reader (kcat). Used by every test that claims Kafka behaviour.
 *
 * - `cluster()` starts (or reuses) a cluster and returns its bootstrap list.
 *   The default single-node cluster honours `KAFKA_BOOTSTRAP` (set by
 *   `npm test`, or by a developer pointing at their own broker).
 * - `createTopic()` uses Kafka's own admin tool; names are made unique per run.
 * - `kcatRead()` reads a topic back with librdkafka, byte-exact.
 */

import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const KAFKA_SH = join(ROOT, "tests", "kafka", "kafka.sh");

/** Which cluster: the default single node, the 3-node "trio", a TV1 node, or any named one. */
export interface ClusterOptions {
  brokers?: number;
  cluster?: string;
  transactionVersion?: 1;
}

function selector(o: ClusterOptions): string[] {
  const args: string[] = [];
  if (o.cluster) args.push("--cluster", o.cluster);
  if (o.brokers && o.brokers !== 1) args.push("--brokers", String(o.brokers));
  if (o.transactionVersion === 1) args.push("--transaction-version", "1");
  return args;
}

/** Runs kafka.sh; throws with its stderr on failure. */
export function kafkaSh(args: string[], o: ClusterOptions = {}, timeoutMs = 180_000): string {
  const r = spawnSync("bash", [KAFKA_SH, ...selector(o), ...args], {
    encoding: "utf8",
    timeout: timeoutMs,
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 1 << 30, // DumpLogSegments of a large topic prints far more than the 1 MiB default
  });
  if (r.status !== 0) throw new Error(`kafka.sh ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return r.stdout;
}

const started = new Map<string, string>();

/** Starts (or reuses) a cluster; returns "host:port,…". */
export function cluster(o: ClusterOptions = {}): string {
  const isDefault = !o.cluster && (o.brokers ?? 1) === 1 && !o.transactionVersion;
  if (isDefault && process.env.KAFKA_BOOTSTRAP) return process.env.KAFKA_BOOTSTRAP;
  const key = JSON.stringify(o);
  const known = started.get(key);
  if (known) return known;
  const out = kafkaSh(["up"], o);
  const line = out.split("\n").find((l) => l.startsWith("bootstrap="));
  if (!line) throw new Error(`kafka.sh up printed no bootstrap line:\n${out}`);
  const bootstrap = line.slice("bootstrap=".length).trim();
  started.set(key, bootstrap);
  return bootstrap;
}

/**
 * Starts (or reuses) a "proxied" cluster (see tests/kafka/kafka.sh): its
 * brokers also advertise ports where a test's proxy is to listen. Returns the
 * direct bootstrap list (tools, kcat) and kafka.sh's `proxy=` line.
 */
export function proxiedCluster(name = "proxied"): { bootstrap: string; proxyLine: string } {
  const out = kafkaSh(["up"], { cluster: name });
  const line = (prefix: string) => {
    const l = out.split("\n").find((l) => l.startsWith(prefix));
    if (!l) throw new Error(`kafka.sh up printed no ${prefix} line:\n${out}`);
    return l.trim();
  };
  return { bootstrap: line("bootstrap=").slice("bootstrap=".length), proxyLine: line("proxy=") };
}

let counter = 0;

/** A topic name unique to this test run. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${process.pid}-${counter++}`;
}

/** Creates a topic with Kafka's admin tool; `configs` like `{ "min.insync.replicas": "2" }`. */
export function createTopic(name: string, partitions: number, o: ClusterOptions & { rf?: number; configs?: Record<string, string> } = {}): string {
  const isDefault = !o.cluster && (o.brokers ?? 1) === 1 && !o.transactionVersion;
  const configs = Object.entries(o.configs ?? {}).map(([k, v]) => `${k}=${v}`);
  if (isDefault && process.env.KAFKA_BOOTSTRAP) {
    // A broker we did not start: create the topic through it with Kafka's tool.
    const args = ["java", "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", process.env.KAFKA_BOOTSTRAP, "--create",
      "--if-not-exists", "--topic", name, "--partitions", String(partitions), "--replication-factor", String(o.rf ?? 1)];
    for (const c of configs) args.push("--config", c);
    kafkaSh(args);
    return name;
  }
  cluster(o);
  kafkaSh(["topic", name, String(partitions), String(o.rf ?? 1), ...configs], o);
  return name;
}

/** One record as kcat (librdkafka) read it. */
export interface KcatRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Array<[string, string | null]>;
}

/**
 * Reads every record of `topic` (or one partition) with kcat, byte-exact:
 * keys and values come from a length-prefixed format, headers from kcat's
 * JSON envelope, joined by partition and offset. `isolation` selects
 * read_committed for transactional tests.
 */
export function kcatRead(
  bootstrap: string,
  topic: string,
  options: { partition?: number; isolation?: "read_committed" | "read_uncommitted"; timeoutMs?: number; kcatArgs?: string[] } = {},
): KcatRecord[] {
  // `kcatArgs`: more librdkafka settings, e.g. `-X security.protocol=ssl -X ssl.ca.location=…` for the secure cluster.
  const base = ["-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", ...(options.kcatArgs ?? [])];
  if (options.partition !== undefined) base.push("-p", String(options.partition));
  if (options.isolation) base.push("-X", `isolation.level=${options.isolation}`);
  const timeout = options.timeoutMs ?? 120_000;
  const raw = spawnSync("kcat", [...base, "-f", "%p %o %T %K %S\n%k%s"], { timeout, maxBuffer: 1 << 30 });
  if (raw.status !== 0) throw new Error(`kcat failed: ${raw.stderr?.toString()}`);
  const json = spawnSync("kcat", [...base, "-J"], { timeout, maxBuffer: 1 << 30, encoding: "latin1" });
  if (json.status !== 0) throw new Error(`kcat -J failed: ${json.stderr}`);
  const headers = new Map<string, Array<[string, string | null]>>();
  for (const line of json.stdout.split("\n")) {
    if (!line.trim()) continue;
    const m = JSON.parse(Buffer.from(line, "latin1").toString("utf8")) as { partition: number; offset: number; headers?: Array<string | null> };
    const pairs: Array<[string, string | null]> = [];
    const h = m.headers ?? [];
    for (let i = 0; i + 1 < h.length; i += 2) pairs.push([h[i] as string, h[i + 1] ?? null]);
    headers.set(`${m.partition}:${m.offset}`, pairs);
  }
  const out: KcatRecord[] = [];
  const buf = raw.stdout as Buffer;
  let at = 0;
  while (at < buf.length) {
    const nl = buf.indexOf(10, at);
    if (nl < 0) throw new Error(`kcat output ends mid-record at byte ${at}`);
    const [p, o, t, k, s] = buf.subarray(at, nl).toString("ascii").split(" ").map(Number) as [number, number, number, number, number];
    at = nl + 1;
    const key = k < 0 ? null : new Uint8Array(buf.subarray(at, at + k));
    at += Math.max(0, k);
    const value = s < 0 ? null : new Uint8Array(buf.subarray(at, at + s));
    at += Math.max(0, s);
    out.push({ partition: p, offset: o, timestamp: t, key, value, headers: headers.get(`${p}:${o}`) ?? [] });
  }
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** UTF-8 decode helper for assertions. */
export function text(b: Uint8Array | null): string | null {
  return b === null ? null : new TextDecoder().decode(b);
}

/**
 * What `kafka.sh up --secure` prints, one field per `key=value` line (the
 * keys exactly as the script prints them): the SASL_SSL bootstrap (also
 * `sasl_ssl`), the mTLS (`ssl`) and SASL_PLAINTEXT listeners, the test CA,
 * the client certificate and key (CN=alice, mapped to User:alice), and the
 * OIDC token endpoint (client `alice` / `alice-secret`).
 */
export interface SecureCluster {
  bootstrap: string;
  sasl_ssl: string;
  ssl: string;
  sasl_plaintext: string;
  ca: string;
  client_cert: string;
  client_key: string;
  token_url: string;
}

const SECURE_KEYS = ["bootstrap", "sasl_ssl", "ssl", "sasl_plaintext", "ca", "client_cert", "client_key", "token_url"] as const;
let secureStarted: SecureCluster | undefined;

/**
 * Starts (or reuses) the `secure` cluster (TLS, SASL, ACLs, OIDC; see
 * tests/kafka/README.md) and returns its parsed `key=value` lines. Create its
 * topics with `createTopic(name, n, { cluster: "secure" })`. `reauthMs` sets
 * the broker's `connections.max.reauth.ms` (EDGEKAFKA_REAUTH_MS): a running
 * cluster with another value is restarted with it; without it, a running
 * cluster is reused as it is.
 */
export function secure(o: { reauthMs?: number } = {}): SecureCluster {
  // Only the plain call is cached: with reauthMs, `up` must check the broker's value every time
  // (0.1 s when it matches), since another caller may have restarted it with a different one.
  if (o.reauthMs === undefined && secureStarted) return secureStarted;
  const env = { ...process.env };
  if (o.reauthMs !== undefined) env.EDGEKAFKA_REAUTH_MS = String(o.reauthMs);
  const r = spawnSync("bash", [KAFKA_SH, "up", "--secure"], { encoding: "utf8", timeout: 180_000, stdio: ["ignore", "pipe", "pipe"], env });
  if (r.status !== 0) throw new Error(`kafka.sh up --secure failed (${r.status ?? r.signal}):\n${r.stderr}`);
  const fields = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const missing = SECURE_KEYS.filter((k) => !fields.get(k));
  if (missing.length) throw new Error(`kafka.sh up --secure printed no ${missing.join(", ")}:\n${r.stdout}`);
  // A restart for another reauthMs keeps the ports and files, so these fields stay valid.
  secureStarted = Object.fromEntries(SECURE_KEYS.map((k) => [k, fields.get(k) as string])) as unknown as SecureCluster;
  return secureStarted;
}
