/**
 * Helpers for the transactional end-to-end tests (tests/e2e/transactions*.test.ts):
 *
 * - {@linkcode WireTap}: a `connect` wrapper (the public transport seam) that
 *   decodes the header of every request frame the producer writes, so a test
 *   can assert which Kafka APIs and versions went on the wire (e.g. no
 *   Produce v12 and AddPartitionsToTxn on a transaction.version=1 cluster) without
 *   touching the library's internals;
 * - independent readers: committed consumer-group offsets through Kafka's
 *   `ConsumerGroupCommand`, records through Kafka's `ConsoleConsumer`
 *   (a second reader beside kcat);
 * - the reference: Java's KafkaProducer in the same situations
 *   ({@linkcode javaTxnProbe}, tests/helpers/JavaTxnProbe.java);
 * - a seeded PRNG, bounded polling, and `outcomeOf` (what a call threw or rejected with).
 *
 * Nothing here reads the producer's private state.
 */

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { autoConnect } from "../../runtime/auto.ts";
import type { Connect } from "../../mod.ts";
import { type ClusterOptions, ROOT } from "./kafka.ts";

const KAFKA_SH = join(ROOT, "tests", "kafka", "kafka.sh");

/** Kafka API keys the transactional tests look for. */
export const API = {
  Produce: 0,
  Metadata: 3,
  FindCoordinator: 10,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
} as const;

/** One request the producer wrote: API key, version, correlation id, and where it went. */
export interface TappedRequest {
  apiKey: number;
  version: number;
  correlationId: number;
  /** "host:port" of the socket it was written to. */
  peer: string;
}

/**
 * Records the header (apiKey i16, apiVersion i16, correlationId i32) of every
 * request frame written through {@linkcode WireTap.connect}. Frames are parsed as
 * a stream, so frames coalesced into one write or split across writes are
 * both handled.
 */
export class WireTap {
  readonly requests: TappedRequest[] = [];
  readonly #inner: Connect;

  constructor(inner: Connect = autoConnect) {
    this.#inner = inner;
  }

  /** Pass as the producer's `connect` option. */
  readonly connect: Connect = async (options, handlers) => {
    const socket = await this.#inner(options, handlers);
    const peer = `${options.host}:${options.port}`;
    let pending = new Uint8Array(0);
    /** Bytes of the current frame body still to skip after its header was read. */
    let skip = 0;
    const feed = (chunk: Uint8Array) => {
      let data: Uint8Array = chunk;
      if (skip > 0) {
        const n = Math.min(skip, data.length);
        skip -= n;
        data = data.subarray(n);
      }
      if (data.length === 0) return;
      const buf = pending.length === 0 ? data : concat(pending, data);
      let at = 0;
      while (buf.length - at >= 12) {
        const view = new DataView(buf.buffer, buf.byteOffset + at, 12);
        const size = view.getInt32(0);
        this.requests.push({ apiKey: view.getInt16(4), version: view.getInt16(6), correlationId: view.getInt32(8), peer });
        const total = 4 + size;
        if (buf.length - at >= total) {
          at += total;
        } else {
          skip = total - (buf.length - at);
          at = buf.length;
        }
      }
      // Keep (a copy of) an incomplete header: the socket may reuse the chunk.
      pending = at < buf.length ? buf.slice(at) : new Uint8Array(0);
    };
    return {
      write(chunk) {
        feed(chunk);
        return socket.write(chunk);
      },
      close() {
        socket.close();
      },
    };
  };

  /** Requests of one API. */
  of(apiKey: number): TappedRequest[] {
    return this.requests.filter((r) => r.apiKey === apiKey);
  }

  /** The distinct versions used for one API, ascending. */
  versions(apiKey: number): number[] {
    return [...new Set(this.of(apiKey).map((r) => r.version))].sort((a, b) => a - b);
  }

  /** A compact summary `{ apiKey: [versions…] (count) }` for messages and the report. */
  summary(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, key] of Object.entries(API)) {
      const n = this.of(key).length;
      if (n > 0) out[name] = `v${this.versions(key).join(",v")} ×${n}`;
    }
    return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function selector(o: ClusterOptions): string[] {
  const args: string[] = [];
  if (o.cluster) args.push("--cluster", o.cluster);
  if (o.brokers && o.brokers !== 1) args.push("--brokers", String(o.brokers));
  if (o.transactionVersion === 1) args.push("--transaction-version", "1");
  return args;
}

/**
 * Extra jars for the tools classpath: kafka.sh's tools-libs (4.3.1) lack
 * `re2j`, which `ConsumerGroupCommand` needs (NoClassDefFoundError
 * com/google/re2j/PatternSyntaxException); the broker's libs have it.
 */
function extraClasspath(): string {
  const cache = process.env.EDGEKAFKA_CACHE ?? join(homedir(), ".cache", "edgekafka");
  const jars: string[] = [];
  if (existsSync(cache)) {
    for (const d of readdirSync(cache).filter((d) => d.startsWith("kafka-"))) {
      const libs = join(cache, d, "libs");
      if (!existsSync(libs)) continue;
      for (const f of readdirSync(libs)) if (/^re2j-.*\.jar$/.test(f)) jars.push(join(libs, f));
    }
  }
  return [process.env.EDGEKAFKA_CLASSPATH, ...jars.slice(0, 1)].filter(Boolean).join(":");
}

/** Runs `kafka.sh [selector] java ARGS…`; returns stdout and stderr (never throws on a non-zero exit). */
export function kafkaJavaRaw(args: string[], o: ClusterOptions = {}, timeoutMs = 120_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("bash", [KAFKA_SH, ...selector(o), "java", ...args], {
    env: { ...process.env, EDGEKAFKA_CLASSPATH: extraClasspath() },
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 1 << 28,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/**
 * The committed offsets of consumer group `group` as Kafka's own
 * `ConsumerGroupCommand --describe --offsets` reports them:
 * `"topic:partition" → offset`. Partitions without a committed offset are left out.
 */
export function groupOffsets(bootstrap: string, group: string, o: ClusterOptions = {}): Map<string, number> {
  const r = kafkaJavaRaw([
    "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
    "--bootstrap-server", bootstrap, "--describe", "--group", group, "--offsets",
  ], o, 60_000);
  if (r.status !== 0) throw new Error(`ConsumerGroupCommand failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  const out = new Map<string, number>();
  for (const line of r.stdout.split("\n")) {
    const cols = line.trim().split(/\s+/);
    // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
    if (cols.length < 4 || cols[0] !== group) continue;
    const offset = cols[3]!;
    if (offset === "-") continue;
    out.set(`${cols[1]}:${cols[2]}`, Number(offset));
  }
  return out;
}

/** One record as Kafka's ConsoleConsumer printed it. */
export interface ConsoleRecord {
  partition: number;
  offset: number;
  key: string;
  value: string;
}

/**
 * Reads `topic` from the beginning with Kafka's own `ConsoleConsumer`
 * (a second reader independent of librdkafka), stopping after `idleMs`
 * without a new record. Keys and values must be printable text without tabs.
 */
export function consoleConsume(
  bootstrap: string,
  topic: string,
  isolation: "read_committed" | "read_uncommitted",
  o: ClusterOptions = {},
  idleMs = 6_000,
): ConsoleRecord[] {
  const r = kafkaJavaRaw([
    "org.apache.kafka.tools.consumer.ConsoleConsumer",
    "--bootstrap-server", bootstrap, "--topic", topic, "--from-beginning",
    "--isolation-level", isolation, "--timeout-ms", String(idleMs),
    "--formatter-property", "print.partition=true",
    "--formatter-property", "print.offset=true",
    "--formatter-property", "print.key=true",
    "--formatter-property", "key.separator=\t",
    "--command-property", `group.id=console-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`,
  ], o, 120_000);
  // After the idle timeout ConsoleConsumer logs a TimeoutException; that is its normal end here.
  if (r.status !== 0 && !/TimeoutException|Processed a total/.test(r.stderr)) {
    throw new Error(`ConsoleConsumer failed (${r.status}):\n${r.stderr}`);
  }
  const out: ConsoleRecord[] = [];
  for (const line of r.stdout.split("\n")) {
    if (line === "") continue;
    // "Partition:3\tOffset:17\tkey\tvalue"
    const m = /^Partition:(\d+)\tOffset:(\d+)\t([^\t]*)\t(.*)$/.exec(line);
    if (!m) throw new Error(`Unexpected ConsoleConsumer line: ${JSON.stringify(line)}`);
    out.push({ partition: Number(m[1]), offset: Number(m[2]), key: m[3]!, value: m[4]! });
  }
  return out;
}

export { seededRandom } from "../unit/support/producer.ts";

/** Polls `check` (sync or async) every `intervalMs` until it returns true or `timeoutMs` passes; returns the last result. */
export async function pollUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Runs tests/helpers/JavaTxnProbe.java (Java's KafkaProducer as the reference) in
 * `mode` ("fence", "toolarge", "brokerfail", "serfail", or several comma-separated);
 * returns each step's outcome: "ok" or "Class<CauseClass>" (Java simple names).
 */
export function javaTxnProbe(mode: string, bootstrap: string, topic: string, txnId: string, o: ClusterOptions = {}, smallTopic?: string): Map<string, string> {
  const args = [join(ROOT, "tests", "helpers", "JavaTxnProbe.java"), mode, bootstrap, topic, txnId];
  if (smallTopic !== undefined) args.push(smallTopic);
  const r = kafkaJavaRaw(args, o, 180_000);
  if (r.status !== 0) throw new Error(`JavaTxnProbe ${mode} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  const steps = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const m = /^(\S+) (\S+)$/.exec(line.trim());
    if (m) steps.set(m[1]!, m[2]!);
  }
  return steps;
}

/** An error as "Class<CauseClass>" (constructor names, causes followed), "ok" for none — for messages and the report. */
export function describeError(e: unknown): string {
  if (e === undefined || e === null) return "ok";
  if (!(e instanceof Error)) return `non-error ${String(e)}`;
  const cause = (e as Error & { cause?: unknown }).cause;
  return e.constructor.name + (cause instanceof Error && cause !== e ? `<${describeError(cause)}>` : "");
}

/** What `fn` threw or its promise rejected with (`undefined` if it succeeded), and whether it threw synchronously. */
export async function outcomeOf(fn: () => unknown, timeoutMs = 60_000): Promise<{ error: unknown; sync: boolean }> {
  let p: unknown;
  try {
    p = fn();
  } catch (error) {
    return { error, sync: true };
  }
  if (!(p instanceof Promise)) return { error: undefined, sync: true };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([p, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`not settled within ${timeoutMs} ms`)), timeoutMs)))]);
    return { error: undefined, sync: false };
  } catch (error) {
    return { error, sync: false };
  } finally {
    clearTimeout(timer);
  }
}
