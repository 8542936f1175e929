/**
 * End-to-end produce scenario, run unchanged under Bun, Deno and Node (from
 * `dist/`, see `tests/helpers/runtimes.ts`) by `tests/e2e/runtimes.test.ts`,
 * which reads the topic back with kcat and compares byte for byte.
 *
 * ```sh
 * bun tests/e2e/scenarios/produce.ts --bootstrap 127.0.0.1:9092 --topic t --missing-topic nope
 * deno run --allow-net=127.0.0.1 --allow-read=. tests/e2e/scenarios/produce.ts --bootstrap … --topic … --missing-topic …
 * ```
 *
 * Options: `--seed N` (default 7), `--burst N` records in the concurrent
 * burst (default 2000), `--big-kib N` size of the large value (default 900),
 * `--keyed N` keyed records sent concurrently (default 24),
 * `--max-block-ms N` for the missing topic (default 3000).
 *
 * In two phases — one producer with `compressionType: "none"`, then one with
 * `"gzip"` — it sends the same deterministic set of records to `--topic`:
 * string/binary/empty/null keys and values, tombstones, headers as an object
 * and as pairs (duplicate keys, null and empty values), records pinned to
 * each of 3 partitions with explicit timestamps (each sent alone, then all
 * again concurrently), keyed records across partitions, a large random
 * value, and a burst sent concurrently (half with promises, half with
 * callbacks) then `flush()`ed. Meanwhile a third producer
 * (`await using`, short `maxBlockMs`) sends to `--missing-topic`, which must
 * fail with a `MetadataTimeoutError` naming the topic.
 *
 * Prints one JSON line: every record as sent (strings as `{"s":…}`, bytes as
 * `{"b":base64}`, null as null) with the metadata `send()` returned (offset
 * as a decimal string) or its error; the missing-topic errors; timings. Exits
 * 0 when the scenario ran (the test judges the result), 1 if it crashed.
 *
 * @module
 */

import {
  ClosedError,
  KafkaError,
  MetadataTimeoutError,
  Producer,
  TimeoutError,
} from "../../../mod.ts";
import type { Bytes, Headers, ProducerRecord, RecordMetadata } from "../../../mod.ts";

/** A key, value or header value as printed: null, a string, or base64 bytes. */
export type Encoded = null | { s: string } | { b: string };

export interface SentRecord {
  phase: "none" | "gzip";
  /** Position in the phase's send order. */
  seq: number;
  label: string;
  /** "promise" or "callback" form of `send()`. */
  form: "promise" | "callback";
  key: Encoded;
  value: Encoded;
  /** Headers in the order they go on the wire (object entries in key order). */
  headers: Array<[string, Encoded]>;
  headersForm: "object" | "pairs" | "none";
  /** The partition the record asked for (null: the partitioner picks). */
  partition: number | null;
  /** The timestamp the record asked for (null: now). */
  timestamp: number | null;
  md: { topic: string; partition: number; offset: string; timestamp: number } | null;
  error: ErrorInfo | null;
}

export interface ErrorInfo {
  className: string;
  name: string;
  message: string;
  topic: unknown;
  partition: unknown;
  retriable: unknown;
  isMetadataTimeoutError: boolean;
  isTimeoutError: boolean;
  isKafkaError: boolean;
  isClosedError: boolean;
  /** ms from `send()` to the error. */
  afterMs: number;
}

export interface PhaseReport {
  compression: "none" | "gzip";
  ms: number;
  burst: number;
  /** Burst records settled when `flush()` resolved (all of them, if flush keeps its promise). */
  settledAtFlush: number;
  /** What a `send()` after `close()` did (plain phase only). */
  sendAfterClose: ErrorInfo | null;
}

export interface ScenarioReport {
  ok: boolean;
  runtime: string;
  topic: string;
  missingTopic: string;
  bigBytes: number;
  seed: number;
  phases: PhaseReport[];
  records: SentRecord[];
  missing: { promise: ErrorInfo | null; callback: ErrorInfo | null; resolved: unknown };
  ms: number;
  error?: string;
}

const g = globalThis as unknown as {
  Deno?: { args: string[]; exitCode: number };
  Bun?: unknown;
  process?: { argv: string[]; exitCode?: number };
};
const runtime = g.Deno ? "deno" : g.Bun ? "bun" : "node";
const args = parseArgs(g.Deno?.args ?? g.process!.argv.slice(2));
const bootstrap = args.bootstrap;
const topic = args.topic;
const missingTopic = args["missing-topic"];
if (!bootstrap || !topic || !missingTopic) {
  throw new Error("Usage: produce.ts --bootstrap HOST:PORT --topic T --missing-topic M [--seed N] [--burst N] [--big-kib N] [--keyed N] [--max-block-ms N]");
}
const seed = Number(args.seed ?? 7);
const burst = Number(args.burst ?? 2000);
const bigBytes = Number(args["big-kib"] ?? 900) * 1024;
const keyed = Number(args.keyed ?? 24);
const maxBlockMs = Number(args["max-block-ms"] ?? 3000);
const PARTITIONS = 3;
const T0 = 1_700_000_000_000;

const started = performance.now();
const report: ScenarioReport = {
  ok: false,
  runtime,
  topic,
  missingTopic,
  bigBytes,
  seed,
  phases: [],
  records: [],
  missing: { promise: null, callback: null, resolved: null },
  ms: 0,
};

try {
  // The missing topic waits maxBlockMs: run it alongside the real work.
  const missing = sendToMissingTopic();
  for (const compression of ["none", "gzip"] as const) await runPhase(compression);
  report.missing = await missing;
  report.ok = true;
} catch (error) {
  report.error = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error);
}
report.ms = Math.round(performance.now() - started);
console.log(JSON.stringify(report));
if (!report.ok) {
  if (g.Deno) g.Deno.exitCode = 1;
  else g.process!.exitCode = 1;
}
// No process.exit(): the process must end by itself once the producers are
// closed (a leaked socket or timer would keep it alive and time the test out).

interface Planned {
  label: string;
  record: ProducerRecord;
  form: "promise" | "callback";
}

async function runPhase(compression: "none" | "gzip"): Promise<void> {
  const t = performance.now();
  const plan = planRecords();
  const out: SentRecord[] = plan.map((p, seq) => describeRecord(compression, seq, p));
  const phase: PhaseReport = { compression, ms: 0, burst, settledAtFlush: -1, sendAfterClose: null };
  const options = {
    bootstrapServers: bootstrap!,
    clientId: `e2e-${runtime}-${compression}`,
    compressionType: compression,
  };

  const run = async (producer: Producer) => {
    const sendOne = (i: number): Promise<void> => {
      const { record, form } = plan[i]!;
      const sentAt = performance.now();
      const settle = (error: unknown, md: RecordMetadata | null) => {
        if (md) out[i]!.md = { topic: md.topic, partition: md.partition, offset: md.offset.toString(), timestamp: md.timestamp };
        if (error) out[i]!.error = errorInfo(error, sentAt);
      };
      if (form === "callback") {
        return new Promise<void>((resolve) => {
          producer.send(record, (error, md) => {
            settle(error, md);
            resolve();
          });
        });
      }
      return producer.send(record).then((md) => settle(null, md), (error) => settle(error, null));
    };
    const groups = groupPlan(plan);
    // One at a time: each record awaited before the next.
    for (const i of groups.sequential) await sendOne(i);
    // Keyed records across partitions and the big value, all in flight together.
    await Promise.all(groups.concurrent.map(sendOne));
    // The burst: every send() issued at once, then flush() must settle them all.
    let settled = 0;
    const pending = groups.burst.map((i) => sendOne(i).then(() => void settled++));
    await producer.flush();
    // Let the promise reactions queued by the last batch's completion run.
    await Promise.resolve();
    phase.settledAtFlush = settled;
    await Promise.all(pending);
  };

  if (compression === "none") {
    const producer = new Producer(options);
    await run(producer);
    await producer.close();
    const at = performance.now();
    try {
      await producer.send({ topic: topic!, value: "after close" });
    } catch (error) {
      phase.sendAfterClose = errorInfo(error, at);
    }
  } else {
    await using producer = new Producer(options);
    await run(producer);
  }
  phase.ms = Math.round(performance.now() - t);
  report.phases.push(phase);
  report.records.push(...out);
}

/** The deterministic record set (same bytes in every phase and runtime for a seed). */
function planRecords(): Planned[] {
  const rng = mulberry32(seed);
  const bytes = (n: number) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = rng() >>> 24;
    return b;
  };
  const utf8 = (s: string) => new TextEncoder().encode(s);
  const plan: Planned[] = [];
  const add = (label: string, record: Omit<ProducerRecord, "topic">, form: "promise" | "callback" = "promise") =>
    plan.push({ label, record: { topic: topic!, ...record }, form });

  // --- sent one at a time -------------------------------------------------
  add("str-key/str-value", { key: "alpha", value: "hello, kafka" });
  add("bin-key/bin-value", { key: Uint8Array.of(0x00, 0xff, 0x80, 0x7f, 0x0a, 0x00), value: bytes(64) });
  add("null-key/str-value", { key: null, value: "explicitly no key" });
  add("absent-key/str-value", { value: "key property absent" }, "callback");
  add("empty-str-key", { key: "", value: "empty string key" });
  add("empty-bytes-key", { key: new Uint8Array(0), value: "empty bytes key" });
  add("empty-str-value", { key: "e1", value: "" });
  add("empty-bytes-value", { key: "e2", value: new Uint8Array(0) }, "callback");
  add("tombstone/null-value", { key: "gone", value: null });
  add("tombstone/absent-value", { key: "gone2" });
  add("null-key/null-value", { key: null, value: null });
  add("bin-key/empty-bytes-value", { key: bytes(8), value: new Uint8Array(0) });
  add("utf8", { key: "ключ-🔑", value: "значение ✓ 🎉 \u0000 end" });
  add("headers-object", {
    key: "h-obj",
    value: "headers as an object",
    headers: { "content-type": "text/plain; charset=utf-8", trace: utf8("trace-123"), unicode: "ключ 🔑", empty: "" },
  });
  add("headers-pairs", {
    key: "h-pairs",
    value: bytes(32),
    headers: [["dup", "1"], ["dup", "2"], ["null-value", null], ["empty", ""], ["dup", utf8("3")], ["empty-bytes", new Uint8Array(0)], ["ü", "ö"]],
  }, "callback");
  add("headers-empty-array", { key: "h-none", value: "no headers", headers: [] });
  add("headers-on-tombstone", { key: "h-tomb", value: null, headers: [["reason", "deleted"], ["reason", null]] });
  for (let p = 0; p < PARTITIONS; p++) {
    add(`explicit-partition-${p}`, { key: "pinned", value: `pinned to ${p}`, partition: p, timestamp: T0 + p });
    add(`explicit-partition-${p}/null-key`, { value: bytes(3), partition: p, timestamp: new Date(T0 + 100 + p) }, "callback");
  }
  add("explicit-timestamp", { key: "old", value: "from 2023", timestamp: T0 - 1 });
  add("timestamp-zero", { key: "epoch", value: "at the epoch", timestamp: 0 });

  // --- sent concurrently --------------------------------------------------
  // The same records again, all in flight together: batched with others, so
  // with gzip they travel in compressed batches (a batch of one small record
  // does not shrink, and is sent uncompressed).
  for (const single of plan.slice()) plan.push({ ...single, label: `batched/${single.label}` });
  for (let i = 0; i < keyed; i++) {
    // Every third one is back-dated, so batches mix timestamps (negative deltas).
    const timestamp = i % 3 === 2 ? T0 + i : undefined;
    add(`keyed-${i}`, { key: `user-${i}`, value: `event ${i} of user-${i}`, ...(timestamp === undefined ? {} : { timestamp }) }, i % 2 ? "callback" : "promise");
  }
  add("big", { key: "big", value: bytes(bigBytes), headers: [["size", String(bigBytes)]] });

  // --- the burst ----------------------------------------------------------
  for (let i = 0; i < burst; i++) {
    const form = i % 2 ? "callback" : "promise";
    switch (i % 4) {
      case 0:
        add(`burst-${i}`, { key: `burst-${i % 37}`, value: `burst record ${i}` }, form);
        break;
      case 1:
        add(`burst-${i}`, { value: `unkeyed burst record ${i}` }, form);
        break;
      case 2:
        add(`burst-${i}`, { key: Uint8Array.of(i >>> 24, i >>> 16, i >>> 8, i), value: bytes((i * 7) % 200) }, form);
        break;
      default:
        add(`burst-${i}`, { key: null, value: i % 8 === 3 ? "" : null, headers: [["i", String(i)], ["i", null]] }, form);
    }
  }
  return plan;
}

/** Indexes of the plan by how they are sent. */
function groupPlan(plan: Planned[]): { sequential: number[]; concurrent: number[]; burst: number[] } {
  const groups = { sequential: [] as number[], concurrent: [] as number[], burst: [] as number[] };
  plan.forEach((p, i) => {
    if (p.label.startsWith("burst-")) groups.burst.push(i);
    else if (p.label.startsWith("keyed-") || p.label.startsWith("batched/") || p.label === "big") groups.concurrent.push(i);
    else groups.sequential.push(i);
  });
  return groups;
}

function describeRecord(phase: "none" | "gzip", seq: number, { label, record, form }: Planned): SentRecord {
  const h = record.headers as Headers | undefined;
  const headers: Array<[string, Encoded]> = h === undefined
    ? []
    : Array.isArray(h)
    ? (h as ReadonlyArray<readonly [string, Bytes]>).map(([k, v]) => [k, encode(v)])
    : Object.entries(h as Record<string, string | Uint8Array>).map(([k, v]) => [k, encode(v)]);
  const ts = record.timestamp;
  return {
    phase,
    seq,
    label,
    form,
    key: encode(record.key ?? null),
    value: encode(record.value ?? null),
    headers,
    headersForm: h === undefined ? "none" : Array.isArray(h) ? "pairs" : "object",
    partition: record.partition ?? null,
    timestamp: ts === undefined ? null : ts instanceof Date ? ts.getTime() : ts,
    md: null,
    error: null,
  };
}

/** A third producer, `await using`, sends to a topic that does not exist. */
async function sendToMissingTopic(): Promise<ScenarioReport["missing"]> {
  await using producer = new Producer({ bootstrapServers: bootstrap!, clientId: `e2e-${runtime}-missing`, maxBlockMs });
  // Typed: with an untyped record variable, TypeScript picks the promise
  // overload of send() first and leaves the callback's parameters `any`.
  const record: ProducerRecord = { topic: missingTopic!, key: "k", value: "never delivered" };
  const at = performance.now();
  const viaCallback = new Promise<ErrorInfo | null>((resolve) =>
    producer.send(record, (error) => resolve(error ? errorInfo(error, at) : null))
  );
  const result: ScenarioReport["missing"] = { promise: null, callback: null, resolved: null };
  try {
    const md = await producer.send(record);
    result.resolved = { ...md, offset: md.offset.toString() };
  } catch (error) {
    result.promise = errorInfo(error, at);
  }
  result.callback = await viaCallback;
  return result;
}

function errorInfo(error: unknown, since: number): ErrorInfo {
  const e = error as Record<string, unknown> & Error;
  return {
    className: (error as object)?.constructor?.name ?? typeof error,
    name: String(e?.name),
    message: String(e?.message ?? error),
    topic: e?.topic ?? null,
    partition: e?.partition ?? null,
    retriable: e?.retriable ?? null,
    isMetadataTimeoutError: error instanceof MetadataTimeoutError,
    isTimeoutError: error instanceof TimeoutError,
    isKafkaError: error instanceof KafkaError,
    isClosedError: error instanceof ClosedError,
    afterMs: Math.round(performance.now() - since),
  };
}

function encode(v: Bytes | undefined): Encoded {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return { s: v };
  let binary = "";
  for (let i = 0; i < v.length; i += 0x8000) binary += String.fromCharCode(...v.subarray(i, i + 0x8000));
  return { b: btoa(binary) };
}

/** A small seeded PRNG (Mulberry32): the next uint32. */
function mulberry32(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0);
  };
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
