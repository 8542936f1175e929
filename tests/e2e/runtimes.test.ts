/**
 * The foundation, end to end: records encoded by edgekafka and sent over its
 * own socket adapter from each of Bun, Deno and Node (the built `dist/`)
 * land in a real Apache Kafka 4.x broker, and kcat (librdkafka) reads them
 * back byte for byte.
 *
 * Per runtime: a fresh 3-partition topic, `tests/e2e/scenarios/produce.ts`
 * run under that runtime (see `tests/helpers/runtimes.ts`), then:
 * - kcat reads exactly the records sent — no more, no fewer — each at the
 *   partition and offset `send()` returned, with the same key and value bytes
 *   (null distinct from empty), the same headers in order (duplicates, null
 *   and empty values) and the same timestamp;
 * - per partition, offsets follow send order and are contiguous from 0;
 *   keyed records sit where Java's partitioner (`Utils.murmur2`, run by
 *   `tests/kafka/Murmur2Vectors.java`) puts them, pinned ones where asked;
 * - the broker's own log (Kafka's `DumpLogSegments`) holds the gzip phase in
 *   gzip batches (except batches gzip cannot shrink, which edgekafka sends
 *   plain — checked by gzipping the stored bytes with zlib), every kind of
 *   record at least once in a gzip batch, the plain phase uncompressed,
 *   every batch CRC-valid, with idempotent producer ids and gap-free sequences;
 * - a send to a topic that does not exist fails after `maxBlockMs` with a
 *   `MetadataTimeoutError` naming it, through the promise and the callback.
 * The comparison itself is checked against corrupted copies of a real read.
 */

import { beforeAll, describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { cluster, createTopic, kafkaSh, kcatRead, type KcatRecord, uniqueTopic } from "../helpers/kafka.ts";
import { dumpBatches, readStoredBatch } from "../helpers/log_segments.ts";
import { ensureDist, type RunResult, runScript, type Runtime, RUNTIMES } from "../helpers/runtimes.ts";
import type { Encoded, ErrorInfo, ScenarioReport, SentRecord } from "./scenarios/produce.ts";

const SCENARIO = "tests/e2e/scenarios/produce.ts";
const PARTITIONS = 3;
const BURST = 2000;
const BIG_BYTES = 900 * 1024;
const MAX_BLOCK_MS = 3000;
const PHASES = ["none", "gzip"] as const;
/** Bytes of a record batch header (baseOffset … recordsCount). */
const BATCH_HEADER = 61;

let bootstrap = "";

beforeAll(async () => {
  bootstrap = cluster();
  await ensureDist();
}, 240_000);

interface Outcome {
  runtime: Runtime;
  topic: string;
  missingTopic: string;
  run: RunResult;
  report: ScenarioReport;
  read: KcatRecord[];
  startedAt: number;
  endedAt: number;
}

const outcomes = new Map<Runtime, Promise<Outcome>>();

/** Runs the scenario once per runtime (shared by that runtime's tests) and reads the topic back. */
function outcome(runtime: Runtime): Promise<Outcome> {
  let o = outcomes.get(runtime);
  if (!o) {
    o = (async () => {
      const topic = createTopic(uniqueTopic(`e2e-${runtime}`), PARTITIONS);
      const missingTopic = uniqueTopic(`e2e-${runtime}-missing`);
      const startedAt = Date.now();
      const run = await runScript(runtime, SCENARIO, [
        "--bootstrap", bootstrap,
        "--topic", topic,
        "--missing-topic", missingTopic,
        "--burst", String(BURST),
        "--big-kib", String(BIG_BYTES / 1024),
        "--max-block-ms", String(MAX_BLOCK_MS),
      ], { timeoutMs: 60_000 });
      const endedAt = Date.now();
      const report = run.json as ScenarioReport | null;
      if (run.code !== 0 || !report?.ok) {
        throw new Error(
          `${run.command.join(" ")} failed (exit ${run.code}${run.timedOut ? ", timed out" : ""}):\n` +
            `${report?.error ?? run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`,
        );
      }
      const read = kcatRead(bootstrap, topic);
      console.log(`${runtime}: scenario ${run.ms} ms (${report.phases.map((p) => `${p.compression} ${p.ms} ms`).join(", ")}), ${read.length} records read back`);
      return { runtime, topic, missingTopic, run, report, read, startedAt, endedAt };
    })();
    outcomes.set(runtime, o);
  }
  return o;
}

for (const runtime of RUNTIMES) {
  describe(`${runtime}: produce to a real broker, read back with kcat`, () => {
    test("the scenario runs, every send succeeds, flush() settles the burst, close() ends the process", async () => {
      const { report, run } = await outcome(runtime);
      expect(report.runtime).toBe(runtime);
      expect(run.stderr).toBe(""); // no warnings, no unhandled rejections
      expect(report.records.filter((r) => r.error !== null || r.md === null).map(brief)).toEqual([]);
      // Both phases, each the same planned set.
      const perPhase = PHASES.map((p) => report.records.filter((r) => r.phase === p));
      expect(perPhase[0]!.length).toBeGreaterThan(BURST);
      expect(perPhase[1]!.map((r) => [r.label, r.key, r.value, r.headers])).toEqual(perPhase[0]!.map((r) => [r.label, r.key, r.value, r.headers]));
      expect(report.phases.map((p) => [p.compression, p.burst, p.settledAtFlush])).toEqual([["none", BURST, BURST], ["gzip", BURST, BURST]]);
      expect(report.phases[0]!.sendAfterClose).toMatchObject({ className: "ClosedError", isClosedError: true, isKafkaError: true });
      // The set covers what it claims to.
      const labels = new Set(perPhase[0]!.map((r) => r.label));
      for (const l of ["bin-key/bin-value", "null-key/null-value", "empty-str-value", "empty-bytes-value", "headers-object", "headers-pairs", "big"]) {
        expect(labels.has(l)).toBe(true);
      }
      const big = perPhase[0]!.find((r) => r.label === "big")!;
      const bigValue = decode(big.value)!;
      expect(bigValue.length).toBe(BIG_BYTES);
      expect(new Set(bigValue).size).toBe(256); // random bytes, not a constant fill
    }, 120_000);

    test("kcat reads back exactly the records sent, byte for byte, where send() said they landed", async () => {
      const { report, read } = await outcome(runtime);
      const expected = expectedRecords(report);
      expect(compare(expected, read)).toEqual([]);
      expect(read.length).toBe(expected.length);
    }, 120_000);

    test("per partition, offsets follow send order from 0 without gaps; partitions are Java's or the asked ones", async () => {
      const { report, startedAt, endedAt } = await outcome(runtime);
      const expected = expectedRecords(report);
      const order: string[] = [];
      for (let p = 0; p < PARTITIONS; p++) {
        // Send order: phase "none" before "gzip" (sequential producers), then seq.
        const offsets = expected.filter((e) => e.partition === p).map((e) => e.offset);
        offsets.forEach((o, i) => o !== i && order.push(`partition ${p}: record #${i} in send order is at offset ${o}`));
      }

      const keys = [...new Set(report.records.filter((r) => r.partition === null && r.key !== null && "s" in r.key).map((r) => (r.key as { s: string }).s))];
      const java = javaPartitions(keys);
      const problems: string[] = [];
      for (const r of report.records) {
        if (r.partition !== null) {
          if (r.md!.partition !== r.partition) problems.push(`${brief(r)}: asked for partition ${r.partition}, got ${r.md!.partition}`);
        } else if (r.key !== null && "s" in r.key) {
          const want = java.get(r.key.s);
          if (r.md!.partition !== want) problems.push(`${brief(r)}: Java puts key ${JSON.stringify(r.key.s)} in partition ${want}, got ${r.md!.partition}`);
        }
        // Timestamps: the one asked for, else the send time.
        if (r.timestamp !== null) {
          if (r.md!.timestamp !== r.timestamp) problems.push(`${brief(r)}: timestamp ${r.md!.timestamp}, sent ${r.timestamp}`);
        } else if (r.md!.timestamp < startedAt - 1000 || r.md!.timestamp > endedAt + 1000) {
          problems.push(`${brief(r)}: timestamp ${r.md!.timestamp} outside the run (${startedAt}–${endedAt})`);
        }
      }
      expect({ order: order.slice(0, 10), placement: problems.slice(0, 10) }).toEqual({ order: [], placement: [] });
      expect(new Set(expected.map((e) => e.partition)).size).toBe(PARTITIONS);
      expect(java.size).toBeGreaterThan(50); // alpha, "", e1, user-*, burst-*, ...
    }, 120_000);

    test("the broker stores the gzip phase in gzip batches, the rest uncompressed, CRC-valid, with gap-free sequences", async () => {
      const { report, topic } = await outcome(runtime);
      const batches = dumpBatches(topic);
      if (batches === null) return console.warn(`${runtime}: broker data not on this machine (KAFKA_BOOTSTRAP); DumpLogSegments check skipped`);
      const phaseAt = new Map<string, string>();
      for (const r of report.records) phaseAt.set(`${r.md!.partition}:${r.md!.offset}`, r.phase);
      const problems: string[] = [];
      const chains = new Map<string, { producerId: number; next: number }>();
      const producerIds = new Map<string, Set<number>>();
      const gzipped = new Set<string>();
      const inGzip = new Set<string>();
      let total = 0;
      for (const b of batches) {
        total += b.count;
        const phases = new Set<string | undefined>();
        for (let o = b.baseOffset; o <= b.lastOffset; o++) phases.add(phaseAt.get(`${b.partition}:${o}`));
        const where = `batch ${b.partition}:${b.baseOffset}-${b.lastOffset}`;
        if (phases.size !== 1 || phases.has(undefined)) {
          problems.push(`${where} holds records of phases ${[...phases].join(",")}`);
          continue;
        }
        const phase = [...phases][0]!;
        if (b.compresscodec === "gzip") {
          gzipped.add(b.partition + ":" + b.baseOffset);
          for (let o = b.baseOffset; o <= b.lastOffset; o++) inGzip.add(`${b.partition}:${o}`);
        }
        if (phase === "none" && b.compresscodec !== "none") problems.push(`${where} (phase none) is stored with codec ${b.compresscodec}`);
        if (phase === "gzip" && b.compresscodec !== "gzip") {
          // edgekafka sends a batch uncompressed when gzip does not shrink it
          // (src/producer/batch.ts seal()); allowed only if zlib cannot shrink it either.
          const records = readStoredBatch(b).subarray(BATCH_HEADER);
          const zipped = gzipSync(records, { level: 6 }).length;
          if (b.compresscodec !== "none" || zipped < records.length - 8) {
            problems.push(`${where} (phase gzip) is stored with codec ${b.compresscodec}; zlib shrinks its ${records.length} bytes of records to ${zipped}`);
          }
        }
        if (!b.isvalid) problems.push(`${where} fails its CRC`);
        if (b.producerId < 0 || b.producerEpoch < 0 || b.isTransactional) problems.push(`${where} is not idempotent (pid ${b.producerId}/${b.producerEpoch})`);
        if (b.lastSequence - b.baseSequence !== b.lastOffset - b.baseOffset) problems.push(`${where}: sequences ${b.baseSequence}-${b.lastSequence}`);
        const chainKey = `${b.partition}:${phase}`;
        const chain = chains.get(chainKey) ?? { producerId: b.producerId, next: 0 };
        if (b.producerId !== chain.producerId) problems.push(`${where}: producer id ${b.producerId}, earlier ${chain.producerId}`);
        if (b.baseSequence !== chain.next) problems.push(`${where}: base sequence ${b.baseSequence}, expected ${chain.next}`);
        chains.set(chainKey, { producerId: b.producerId, next: b.lastSequence + 1 });
        producerIds.set(phase, (producerIds.get(phase) ?? new Set()).add(b.producerId));
      }
      expect(problems.slice(0, 20)).toEqual([]);
      expect(total).toBe(report.records.length);
      // Each phase is one idempotent producer: one producer id each, two in all.
      const ids = PHASES.map((p) => [...(producerIds.get(p) ?? [])]);
      expect(ids.map((i) => i.length)).toEqual([1, 1]);
      expect(ids[0]![0]).not.toBe(ids[1]![0]);
      // The 900 KiB record is stored whole, in a batch of its own, in both phases.
      expect(batches.filter((b) => b.count === 1 && b.size > BIG_BYTES).length).toBe(2);
      // Every kind of record of the set went through a gzip batch at least once
      // (the big random value never shrinks, so it stays uncompressed).
      const kinds = new Set(report.records.filter((r) => r.phase === "gzip").map((r) => kind(r.label)));
      const zipped = new Set(report.records.filter((r) => inGzip.has(`${r.md!.partition}:${r.md!.offset}`)).map((r) => kind(r.label)));
      expect([...kinds].filter((k) => !zipped.has(k) && k !== "big")).toEqual([]);
      expect(gzipped.size).toBeGreaterThan(3);
    }, 120_000);

    test("a send to a topic that does not exist fails with MetadataTimeoutError naming it", async () => {
      const { report, missingTopic } = await outcome(runtime);
      expect(report.missing.resolved).toBeNull();
      for (const e of [report.missing.promise, report.missing.callback]) {
        expect(e).toMatchObject({
          className: "MetadataTimeoutError",
          name: "MetadataTimeoutError",
          topic: missingTopic,
          partition: null,
          retriable: true,
          isMetadataTimeoutError: true,
          isTimeoutError: true,
          isKafkaError: true,
        } satisfies Partial<ErrorInfo>);
        expect(e!.message).toContain(`"${missingTopic}"`);
        expect(e!.afterMs).toBeGreaterThanOrEqual(MAX_BLOCK_MS - 50);
        expect(e!.afterMs).toBeLessThan(MAX_BLOCK_MS + 5000);
      }
    }, 120_000);
  });
}

describe("the comparison catches what it must", () => {
  test("corrupted copies of a real read are all reported", async () => {
    const { report, read } = await outcome("bun");
    const expected = expectedRecords(report);
    expect(compare(expected, read)).toEqual([]);
    const at = (label: string, phase = "none") => {
      const e = expected.find((x) => x.label === label && x.phase === phase)!;
      return read.findIndex((r) => r.partition === e.partition && r.offset === e.offset);
    };
    const copy = () => read.map((r) => ({ ...r, headers: r.headers.map((h) => [...h] as [string, string | null]) }));
    const mutations: Record<string, (rs: KcatRecord[]) => void> = {
      "one bit of the big gzip value": (rs) => {
        const r = rs[at("big", "gzip")]!;
        r.value = r.value!.slice();
        r.value[123_456] = r.value[123_456]! ^ 1;
      },
      "the last byte of a binary key": (rs) => {
        const r = rs[at("bin-key/bin-value")]!;
        r.key = r.key!.slice();
        r.key[r.key.length - 1] = r.key[r.key.length - 1]! ^ 0x80;
      },
      "empty value read as null": (rs) => void (rs[at("empty-bytes-value")]!.value = null),
      "tombstone read as empty": (rs) => void (rs[at("tombstone/null-value")]!.value = new Uint8Array(0)),
      "empty key read as null": (rs) => void (rs[at("empty-str-key")]!.key = null),
      "duplicate headers swapped": (rs) => {
        const h = rs[at("headers-pairs")]!.headers;
        [h[1], h[4]] = [h[4]!, h[1]!];
      },
      "null header read as empty": (rs) => void (rs[at("headers-pairs")]!.headers[2]![1] = ""),
      "a header missing": (rs) => void rs[at("headers-object")]!.headers.pop(),
      "timestamp off by one": (rs) => void rs[at("explicit-partition-1")]!.timestamp++,
      "a record missing": (rs) => void rs.splice(at("burst-1999", "gzip"), 1),
      "an extra record": (rs) => void rs.push({ ...rs[0]!, offset: 99_999 }),
      "two records swapped": (rs) => {
        const [i, j] = [at("keyed-0"), at("keyed-3")];
        [rs[i]!.value, rs[j]!.value] = [rs[j]!.value, rs[i]!.value];
      },
    };
    const missed: string[] = [];
    for (const [name, mutate] of Object.entries(mutations)) {
      const rs = copy();
      mutate(rs);
      if (compare(expected, rs).length === 0) missed.push(name);
    }
    expect(missed).toEqual([]);
  }, 120_000);
});

// --- expectations ------------------------------------------------------------

interface Expected {
  phase: string;
  seq: number;
  label: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Array<[string, string | null]>;
}

/** The records as sent, at the positions send() returned, in send order (phase, then seq). */
function expectedRecords(report: ScenarioReport): Expected[] {
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  return report.records
    .filter((r) => r.md !== null)
    .sort((a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase) || a.seq - b.seq)
    .map((r) => ({
      phase: r.phase,
      seq: r.seq,
      label: r.label,
      partition: r.md!.partition,
      offset: Number(r.md!.offset),
      timestamp: r.md!.timestamp,
      key: decode(r.key),
      value: decode(r.value),
      // kcat prints header values as text; the scenario's byte header values are UTF-8.
      headers: r.headers.map(([k, v]) => [k, v === null ? null : utf8.decode(decode(v)!)]),
    }));
}

/** Every difference between what was sent and what kcat read, as readable lines. */
function compare(expected: Expected[], actual: KcatRecord[]): string[] {
  const problems: string[] = [];
  const byPosition = new Map<string, KcatRecord>();
  for (const a of actual) {
    const pos = `${a.partition}:${a.offset}`;
    if (byPosition.has(pos)) problems.push(`kcat read ${pos} twice`);
    byPosition.set(pos, a);
  }
  const claimed = new Set<string>();
  for (const e of expected) {
    const pos = `${e.partition}:${e.offset}`;
    const where = `${e.phase}#${e.seq} ${e.label} at ${pos}`;
    if (claimed.has(pos)) problems.push(`${where}: another record was also reported at ${pos}`);
    claimed.add(pos);
    const a = byPosition.get(pos);
    if (!a) {
      problems.push(`${where}: not in the topic`);
      continue;
    }
    const key = bytesDiff(e.key, a.key);
    if (key) problems.push(`${where}: key ${key}`);
    const value = bytesDiff(e.value, a.value);
    if (value) problems.push(`${where}: value ${value}`);
    if (JSON.stringify(e.headers) !== JSON.stringify(a.headers)) {
      problems.push(`${where}: headers ${JSON.stringify(a.headers)}, sent ${JSON.stringify(e.headers)}`);
    }
    if (e.timestamp !== a.timestamp) problems.push(`${where}: timestamp ${a.timestamp}, send() returned ${e.timestamp}`);
  }
  for (const a of actual) {
    if (!claimed.has(`${a.partition}:${a.offset}`)) problems.push(`kcat read a record nobody sent at ${a.partition}:${a.offset}`);
  }
  return problems;
}

/** Why two byte strings differ (null ≠ empty), or null if they are equal. */
function bytesDiff(sent: Uint8Array | null, read: Uint8Array | null): string | null {
  if (sent === null || read === null) return sent === read ? null : `is ${read === null ? "null" : `${read.length} bytes`}, sent ${sent === null ? "null" : `${sent.length} bytes`}`;
  if (sent.length !== read.length) return `is ${read.length} bytes, sent ${sent.length}`;
  for (let i = 0; i < sent.length; i++) {
    if (sent[i] !== read[i]) return `differs at byte ${i} of ${sent.length}: 0x${read[i]!.toString(16)}, sent 0x${sent[i]!.toString(16)}`;
  }
  return null;
}

function decode(v: Encoded): Uint8Array | null {
  if (v === null) return null;
  return "s" in v ? new TextEncoder().encode(v.s) : new Uint8Array(Buffer.from(v.b, "base64"));
}

/** The record's kind: its label without the "batched/" prefix or burst number. */
function kind(label: string): string {
  return label.replace(/^batched\//, "").replace(/^(burst|keyed)-\d+$/, "$1");
}

function brief(r: SentRecord): string {
  return `${r.phase}#${r.seq} ${r.label}${r.error ? ` (${r.error.className}: ${r.error.message})` : ""}`;
}

const javaCache = new Map<string, number>();

/** Partition (of 3) Java's `Utils.murmur2` gives each key, from `tests/kafka/Murmur2Vectors.java`. */
function javaPartitions(keys: string[]): Map<string, number> {
  const missing = keys.filter((k) => !javaCache.has(k));
  if (missing.length > 0) {
    const out = kafkaSh(["java", "tests/kafka/Murmur2Vectors.java", "--no-builtin", ...missing]);
    for (const line of out.split("\n")) {
      if (!line.trim()) continue;
      const v = JSON.parse(line) as { key: string; p: Record<string, number> };
      javaCache.set(v.key, v.p[String(PARTITIONS)]!);
    }
  }
  return new Map(keys.map((k) => [k, javaCache.get(k)!]));
}
