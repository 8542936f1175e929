/**
 * Extra helpers for the engine end-to-end tests (tests/e2e/engine_*.test.ts):
 * Kafka's own Java tools as independent peers (ConsoleProducer, a byte-array
 * KafkaProducer, DumpLogSegments over the broker's segment files), bounded
 * waits, send outcome bookkeeping and a recording logger.
 *
 * Everything here only reads what the brokers wrote or runs Kafka's tools;
 * it never touches the library's internals.
 */

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger, LogFields } from "../../mod.ts";
import { type ClusterOptions, createTopic, ROOT } from "./kafka.ts";

const KAFKA_SH = join(ROOT, "tests", "kafka", "kafka.sh");

function selector(o: ClusterOptions): string[] {
  const args: string[] = [];
  if (o.cluster) args.push("--cluster", o.cluster);
  if (o.brokers && o.brokers !== 1) args.push("--brokers", String(o.brokers));
  if (o.transactionVersion === 1) args.push("--transaction-version", "1");
  return args;
}

/** Runs `kafka.sh [selector] java ARGS…` with `input` on stdin; returns stdout (throws with stderr on failure). */
export function kafkaJava(args: string[], input: string | Uint8Array, o: ClusterOptions = {}, timeoutMs = 120_000): string {
  const r = spawnSync("bash", [KAFKA_SH, ...selector(o), "java", ...args], {
    input,
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`kafka.sh java ${args.slice(0, 2).join(" ")} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return r.stdout;
}

/**
 * Produces `key<TAB>value` lines with Kafka's own `org.apache.kafka.tools.ConsoleProducer`
 * (`parse.key=true`): the Java producer picks each record's partition. Keys and values
 * must not contain a tab or a newline.
 */
export function javaConsoleProduce(bootstrap: string, topic: string, records: Array<[string, string]>, o: ClusterOptions = {}): void {
  for (const [k, v] of records) {
    if (/[\t\n\r]/.test(k) || /[\n\r]/.test(v)) throw new Error(`ConsoleProducer cannot carry key ${JSON.stringify(k)}`);
  }
  const input = records.map(([k, v]) => `${k}\t${v}\n`).join("");
  kafkaJava([
    "org.apache.kafka.tools.ConsoleProducer",
    "--bootstrap-server", bootstrap,
    "--topic", topic,
    "--reader-property", "parse.key=true",
    "--reader-property", "key.separator=\t",
    "--producer-property", "linger.ms=5",
  ], input, o);
}

/** Where Java's `KafkaProducer` (byte-array serializers, default partitioner) put a record. */
export interface JavaSendResult {
  partition: number;
  offset: number;
  timestamp: number;
}

/**
 * Produces records with arbitrary byte keys through Java's `KafkaProducer`
 * (`tests/helpers/JavaBytesProducer.java`), which ConsoleProducer cannot carry
 * (it reads UTF-8 lines). Returns Java's own RecordMetadata per record.
 */
export function javaBytesProduce(bootstrap: string, topic: string, records: Array<[Uint8Array | null, Uint8Array]>, o: ClusterOptions = {}): JavaSendResult[] {
  const hex = (b: Uint8Array | null) => (b === null ? "-" : b.length === 0 ? "." : Buffer.from(b).toString("hex"));
  const input = records.map(([k, v]) => `${hex(k)} ${hex(v)}\n`).join("");
  const out = kafkaJava([join(ROOT, "tests", "helpers", "JavaBytesProducer.java"), bootstrap, topic], input, o);
  return out.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as JavaSendResult);
}

/**
 * Waits until the leader of every partition of `topic` answers ListOffsets
 * (`kcat -Q`), i.e. its replica manager leads the partition, not only its
 * metadata cache. `kafka.sh topic` waits for the metadata only; a Produce
 * sent in between fails with NOT_LEADER_OR_FOLLOWER, and with several
 * requests in flight a Kafka 4.4 broker may then accept a later batch of a
 * new producer first (KAFKA-15591). Tests that are not about that race wait
 * here. Writes nothing.
 */
export function waitProduceReady(bootstrap: string, topic: string, partitions: number, timeoutMs = 20_000): void {
  const args = ["-b", bootstrap, "-Q"];
  for (let p = 0; p < partitions; p++) args.push("-t", `${topic}:${p}:-1`);
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const r = spawnSync("kcat", args, { encoding: "utf8", timeout: 10_000 });
    last = `${r.stdout}${r.stderr}`;
    const ok = new Set<number>();
    for (const m of r.stdout.matchAll(/\[(\d+)\] offset (\d+)\s*$/gm)) ok.add(Number(m[1]));
    if (r.status === 0 && ok.size === partitions) return;
    if (Date.now() > deadline) throw new Error(`Topic "${topic}" is not ready for produce after ${timeoutMs} ms:\n${last}`);
    spawnSync("sleep", ["0.1"]);
  }
}

/** `createTopic` (tests/helpers/kafka.ts), then {@linkcode waitProduceReady}. */
export function createReadyTopic(bootstrap: string, name: string, partitions: number, o: Parameters<typeof createTopic>[2] = {}): string {
  createTopic(name, partitions, o);
  waitProduceReady(bootstrap, name, partitions);
  return name;
}

/** One record batch as Kafka's `DumpLogSegments` describes it. */
export interface DumpedBatch {
  partition: number;
  baseOffset: number;
  lastOffset: number;
  count: number;
  /** Bytes of the batch in the log (whole batch, header included). */
  size: number;
  /** e.g. "none", "gzip". */
  codec: string;
  producerId: number;
  baseSequence: number;
}

/** The state directory of a cluster started by kafka.sh (see tests/kafka/README.md). */
export function clusterStateDir(clusterName: string): string {
  return join(process.env.EDGEKAFKA_KAFKA_STATE ?? "/tmp/edgekafka-kafka", clusterName);
}

/**
 * Whether this run can read the default cluster's segment files: not when
 * `KAFKA_BOOTSTRAP` points at a broker kafka.sh did not start.
 */
export function canDumpDefaultCluster(): boolean {
  return !process.env.KAFKA_BOOTSTRAP && existsSync(join(clusterStateDir("single"), "node1", "data"));
}

/**
 * Every batch of `topic` (all partitions, all nodes' replicas of node 1 … n,
 * first replica found per partition) as read by `org.apache.kafka.tools.DumpLogSegments`
 * straight from the broker's `.log` segment files.
 */
export function dumpBatches(clusterName: string, topic: string, partitions: number): DumpedBatch[] {
  const root = clusterStateDir(clusterName);
  const nodes = readdirSync(root).filter((d) => /^node\d+$/.test(d)).sort();
  const files: Array<[number, string]> = [];
  for (let p = 0; p < partitions; p++) {
    for (const node of nodes) {
      const dir = join(root, node, "data", `${topic}-${p}`);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).filter((f) => f.endsWith(".log")).sort()) files.push([p, join(dir, f)]);
      break;
    }
  }
  if (files.length === 0) throw new Error(`No segment files for topic "${topic}" under ${root}`);
  const out = kafkaJava(["org.apache.kafka.tools.DumpLogSegments", "--files", files.map(([, f]) => f).join(",")], "", {});
  // Output: "Dumping <file>" then one line per batch.
  const partitionOf = new Map(files.map(([p, f]) => [f, p]));
  const batches: DumpedBatch[] = [];
  let current = -1;
  for (const line of out.split("\n")) {
    const dumping = /^Dumping (.+)$/.exec(line.trim());
    if (dumping) {
      current = partitionOf.get(dumping[1]!.trim()) ?? -1;
      continue;
    }
    if (!line.startsWith("baseOffset:")) continue;
    const field = (name: string) => {
      const m = new RegExp(`(?:^| )${name}: (\\S+)`).exec(line);
      if (!m) throw new Error(`DumpLogSegments line without "${name}": ${line}`);
      return m[1]!;
    };
    batches.push({
      partition: current,
      baseOffset: Number(field("baseOffset")),
      lastOffset: Number(field("lastOffset")),
      count: Number(field("count")),
      size: Number(field("size")),
      codec: field("compresscodec").toLowerCase(),
      producerId: Number(field("producerId")),
      baseSequence: Number(field("baseSequence")),
    });
  }
  return batches;
}

/** Rejects with a clear error when `promise` does not settle within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The outcome of one send, with when it settled. */
export interface Outcome<T> {
  ok: boolean;
  value?: T;
  error?: Error;
  /** Date.now() when it settled. */
  at: number;
}

/** Tracks a promise's outcome without ever rejecting; `settled` says whether it has. */
export class Tracked<T> {
  outcome: Outcome<T> | null = null;
  readonly done: Promise<Outcome<T>>;
  constructor(promise: Promise<T>) {
    this.done = promise.then(
      (value) => (this.outcome = { ok: true, value, at: Date.now() }),
      (error: Error) => (this.outcome = { ok: false, error, at: Date.now() }),
    );
  }
  get settled(): boolean {
    return this.outcome !== null;
  }
}

/** Waits (bounded) for every tracked promise; returns their outcomes in order. */
export async function settleAll<T>(items: Array<Tracked<T>>, ms: number, what: string): Promise<Array<Outcome<T>>> {
  return await within(Promise.all(items.map((t) => t.done)), ms, what);
}

/** One log line a {@linkcode RecordingLogger} received. */
export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  fields?: LogFields;
}

/** A logger that keeps every line (for asserting what the producer logged). */
export class RecordingLogger implements Logger {
  readonly lines: LogLine[] = [];
  debug(message: string, fields?: LogFields): void {
    this.lines.push({ level: "debug", message, fields });
  }
  info(message: string, fields?: LogFields): void {
    this.lines.push({ level: "info", message, fields });
  }
  warn(message: string, fields?: LogFields): void {
    this.lines.push({ level: "warn", message, fields });
  }
  error(message: string, fields?: LogFields): void {
    this.lines.push({ level: "error", message, fields });
  }
  matching(level: LogLine["level"], pattern: RegExp): LogLine[] {
    return this.lines.filter((l) => l.level === level && pattern.test(l.message));
  }
}

/** Sleeps `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Bytes of a UTF-8 string. */
export const utf8 = (s: string) => new TextEncoder().encode(s);

/** Hex of bytes (for map keys and messages). */
export const hexOf = (b: Uint8Array | null) => (b === null ? "null" : Buffer.from(b).toString("hex"));
