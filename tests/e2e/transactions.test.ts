/**
 * Transactions against real brokers, on a transaction.version=2 cluster (Kafka 4's
 * default, KIP-890) and on a transaction.version=1 cluster, checked with readers
 * that share no code with the producer:
 *
 * - 200 transactions (fixed seed) over a 6-partition topic, ~30 % aborted, some
 *   committing consumer-group offsets of an input topic with
 *   `sendOffsetsToTransaction`, some aborted before their records were even
 *   sent, a few with offsets only or with nothing at all. Then:
 *   - kcat `read_committed` sees exactly the records of committed transactions
 *     (set equality), per partition in send order, at the offsets `send()`
 *     reported — never a record of an aborted transaction;
 *   - Kafka's ConsoleConsumer (`--isolation-level read_committed`) agrees;
 *   - kcat `read_uncommitted` also sees every aborted record whose `send()`
 *     resolved (they were written, then aborted — not dropped), and none whose
 *     `send()` was rejected by the abort;
 *   - the group's committed offsets (ConsumerGroupCommand) are those of the
 *     last *committed* transaction that sent offsets for each partition (the
 *     last transaction of the run sends higher offsets and aborts);
 *   - the wire protocol (requests seen through a `connect` tap): TV2 → Produce
 *     v12, no AddPartitionsToTxn/AddOffsetsToTxn, EndTxn v5 and TxnOffsetCommit
 *     v5; TV1 → Produce ≤ v11, AddPartitionsToTxn and AddOffsetsToTxn, EndTxn ≤ v4
 *     and TxnOffsetCommit ≤ v4 (Java's `EndTxnRequest.Builder` and
 *     `TxnOffsetCommitRequest.Builder` cap them so without transactions v2).
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ProducerRecord, Producer, type RecordMetadata } from "../../mod.ts";
import { TransactionAbortedError } from "../../src/errors.ts";
import { within } from "../helpers/engine.ts";
import { cluster, type ClusterOptions, createTopic, kcatRead, text, uniqueTopic } from "../helpers/kafka.ts";
import { API, consoleConsume, groupOffsets, pollUntil, seededRandom, WireTap } from "../helpers/transactions.ts";

const TRANSACTIONS = 200;
const OUT_PARTITIONS = 6;
const IN_PARTITIONS = 4;
const SEED = 0x7a11;

/** One record of the plan. */
interface PlannedRecord {
  key: string;
  value: string;
  /** Explicit partition, or undefined for the key's (murmur2) partition. */
  partition?: number;
}

/** One transaction of the plan. */
interface PlannedTxn {
  index: number;
  records: PlannedRecord[];
  /** Input-topic partition → next offset, or null when no offsets are sent. */
  offsets: Record<number, number> | null;
  abort: boolean;
  /** Abort right after issuing the sends, without waiting for them (some may never be written). */
  abortEarly: boolean;
}

/** The deterministic plan: the same for both clusters (keys carry the cluster's tag). */
function plan(tag: string): PlannedTxn[] {
  const rnd = seededRandom(SEED);
  const txns: PlannedTxn[] = [];
  for (let i = 0; i < TRANSACTIONS; i++) {
    const last = i === TRANSACTIONS - 1;
    const r = rnd();
    // 4 %: no records (then half of them send offsets only, half are empty).
    const n = r < 0.04 ? 0 : 1 + Math.floor(rnd() * 5);
    const records: PlannedRecord[] = [];
    for (let j = 0; j < n; j++) {
      const explicit = rnd() < 0.25;
      const record: PlannedRecord = { key: `${tag}-t${i}-r${j}`, value: `txn=${i} rec=${j} ${"x".repeat(Math.floor(rnd() * 40))}` };
      if (explicit) record.partition = Math.floor(rnd() * OUT_PARTITIONS);
      records.push(record);
    }
    let offsets: Record<number, number> | null = null;
    if (last || rnd() < 0.35 || (n === 0 && r < 0.02)) {
      offsets = {};
      for (let p = 0; p < IN_PARTITIONS; p++) {
        // Offsets grow with the transaction index, so a stale or aborted commit is visible.
        if (last || rnd() < 0.6) offsets[p] = 1000 + i * 10 + p;
      }
      if (Object.keys(offsets).length === 0) offsets[Math.floor(rnd() * IN_PARTITIONS)] = 1000 + i * 10;
    }
    // The last transaction sends offsets for every partition and aborts: they must not win.
    const abort = last || rnd() < 0.3;
    const abortEarly = abort && !last && rnd() < 0.3;
    txns.push({ index: i, records, offsets, abort, abortEarly });
  }
  return txns;
}

function describeTxn(t: PlannedTxn): string {
  return `[${t.records.length} records, ${t.offsets === null ? "no offsets" : "offsets"}, ${t.abort ? (t.abortEarly ? "abort early" : "abort") : "commit"}]`;
}

/** What happened to one planned record. */
interface Sent {
  txn: PlannedTxn;
  record: PlannedRecord;
  /** Order of the send() call over the whole run. */
  order: number;
  md?: RecordMetadata;
  error?: Error;
}

const CLUSTERS: Array<{ name: string; tv: 1 | 2; o: ClusterOptions }> = [
  { name: "transaction.version=2 (default single node)", tv: 2, o: {} },
  { name: "transaction.version=1", tv: 1, o: { transactionVersion: 1 } },
];

const producers: Producer[] = [];
afterAll(async () => {
  await Promise.all(producers.map((p) => p.close({ timeoutMs: 5_000 }).catch(() => {})));
});

for (const { name, tv, o } of CLUSTERS) {
  describe(`200 transactions, ~30 % aborted, with offsets — ${name}`, () => {
    let bootstrap = "";
    let out = "";
    let input = "";
    let group = "";
    const tap = new WireTap();
    const txns = plan(`tv${tv}`);
    const sent: Sent[] = [];
    /** How each transaction ended: committed, aborted (as planned, or after a failure), or skipped (the run stopped). */
    const ended = new Map<number, "committed" | "aborted" | "skipped">();
    /** Transactions that did not go as planned (the run stops after 3). */
    const failures: string[] = [];
    let runMs = 0;

    beforeAll(async () => {
      bootstrap = cluster(o);
      out = createTopic(uniqueTopic(`txn-out-tv${tv}`), OUT_PARTITIONS, o);
      input = createTopic(uniqueTopic(`txn-in-tv${tv}`), IN_PARTITIONS, o);
      group = uniqueTopic(`txn-group-tv${tv}`);
      const producer = new Producer({
        bootstrapServers: bootstrap,
        transactionalId: uniqueTopic(`txn-main-tv${tv}`),
        maxBlockMs: 30_000,
        // A record that never leaves fails within 20 s, so a stuck commit fails (and is reported) instead of hanging.
        requestTimeoutMs: 15_000,
        deliveryTimeoutMs: 20_000,
        connect: tap.connect,
      });
      producers.push(producer);
      const started = Date.now();
      await within(producer.initTransactions(), 60_000, "initTransactions");
      // Metadata first: records that wait for metadata when commit starts are a separate
      // case (tests/e2e/transactions_api.test.ts), not this scenario's subject.
      await within(producer.partitionsFor(out), 30_000, "partitionsFor");
      let order = 0;
      let stopped = false;
      for (const txn of txns) {
        if (stopped) {
          ended.set(txn.index, "skipped");
          continue;
        }
        try {
          await runTxn(txn);
          ended.set(txn.index, txn.abort ? "aborted" : "committed");
        } catch (error) {
          const e = error as Error;
          const previous = txns[txn.index - 1];
          failures.push(`transaction #${txn.index} ${describeTxn(txn)} (previous: ${previous ? describeTxn(previous) : "none"}): ${e.name}: ${e.message}` +
            (e.cause instanceof Error ? ` (cause: ${e.cause.name}: ${e.cause.message})` : ""));
          // As an application would: abort the failed transaction and go on.
          try {
            await within(producer.abortTransaction(), 45_000, `abortTransaction after the failure of #${txn.index}`);
            ended.set(txn.index, "aborted");
          } catch (abortError) {
            failures.push(`  then abortTransaction failed: ${(abortError as Error).name}: ${(abortError as Error).message}`);
            ended.set(txn.index, "skipped");
            stopped = true;
          }
          if (failures.length >= 3) stopped = true;
        }
      }
      async function runTxn(txn: PlannedTxn): Promise<void> {
        producer.beginTransaction();
        const pending: Array<Promise<void>> = [];
        for (const record of txn.records) {
          const s: Sent = { txn, record, order: order++ };
          sent.push(s);
          const r: ProducerRecord = { topic: out, key: record.key, value: record.value };
          if (record.partition !== undefined) r.partition = record.partition;
          pending.push(producer.send(r).then((md) => void (s.md = md), (e: Error) => void (s.error = e)));
        }
        if (txn.offsets !== null) {
          await within(producer.sendOffsetsToTransaction({ [input]: txn.offsets }, group), 45_000, `sendOffsetsToTransaction #${txn.index}`);
        }
        if (txn.abort) {
          if (!txn.abortEarly) await within(Promise.all(pending), 45_000, `sends of transaction #${txn.index}`);
          await within(producer.abortTransaction(), 45_000, `abortTransaction #${txn.index}`);
        } else {
          // No await on the sends: commitTransaction() flushes them (as Java's does).
          await within(producer.commitTransaction(), 45_000, `commitTransaction #${txn.index}`);
        }
        await within(Promise.all(pending), 45_000, `sends of transaction #${txn.index}`);
      }
      runMs = Date.now() - started;
      await within(producer.close(), 30_000, "close");
      console.log(`[tv${tv}] ${TRANSACTIONS} transactions (${[...ended.values()].filter((e) => e === "committed").length} committed, ` +
        `${[...ended.values()].filter((e) => e === "aborted").length} aborted, ${[...ended.values()].filter((e) => e === "skipped").length} skipped), ` +
        `${sent.length} records in ${runMs} ms; wire: ${JSON.stringify(tap.summary())}`);
    }, 240_000);

    const endedAs = (s: Sent) => ended.get(s.txn.index);
    const committed = () => sent.filter((s) => endedAs(s) === "committed");
    const abortedWritten = () => sent.filter((s) => endedAs(s) === "aborted" && s.md !== undefined);
    const abortedRejected = () => sent.filter((s) => endedAs(s) === "aborted" && s.md === undefined);

    test("every transaction ran and ended as planned (commit or abort), none failed", () => {
      expect(failures).toEqual([]);
      expect(txns.filter((t) => ended.get(t.index) === "skipped").map((t) => t.index)).toEqual([]);
    });

    test("the plan has what the scenario needs (commits, aborts, early aborts, offsets, empty transactions)", () => {
      const aborted = txns.filter((t) => t.abort).length;
      expect(aborted).toBeGreaterThan(TRANSACTIONS * 0.2);
      expect(aborted).toBeLessThan(TRANSACTIONS * 0.4);
      expect(txns.filter((t) => t.abortEarly).length).toBeGreaterThan(5);
      expect(txns.filter((t) => t.offsets !== null && !t.abort).length).toBeGreaterThan(20);
      expect(txns.filter((t) => t.offsets !== null && t.abort).length).toBeGreaterThan(5);
      expect(txns.filter((t) => t.records.length === 0).length).toBeGreaterThan(2);
    });

    test("every record of a committed transaction was acknowledged; aborted ones resolved or failed with TransactionAbortedError", () => {
      for (const s of committed()) {
        if (s.error) throw new Error(`record ${s.record.key} of committed transaction #${s.txn.index} failed: ${s.error.name}: ${s.error.message}`);
        expect(s.md).toBeDefined();
      }
      for (const s of sent.filter((s) => s.txn.abort && !s.txn.abortEarly && endedAs(s) === "aborted")) expect(s.error).toBeUndefined();
      // (Records of transactions aborted after a failure may have failed otherwise: that failure is reported above.)
      for (const s of abortedRejected().filter((s) => s.txn.abort)) {
        expect(s.txn.abortEarly).toBe(true);
        expect(s.error).toBeInstanceOf(TransactionAbortedError);
      }
      // Aborts must have written data, or the read_uncommitted check below proves nothing.
      expect(abortedWritten().length).toBeGreaterThan(50);
    });

    test("kcat read_committed: exactly the committed records, per partition in send order, at the offsets send() reported", () => {
      const read = kcatRead(bootstrap, out, { isolation: "read_committed" });
      const expected = committed();
      const byKey = new Map(expected.map((s) => [s.record.key, s]));
      const abortedKeys = new Set(sent.filter((s) => endedAs(s) !== "committed").map((s) => s.record.key));
      const leaked = read.filter((r) => abortedKeys.has(text(r.key)!)).map((r) => text(r.key));
      expect(leaked).toEqual([]);
      expect(read.map((r) => text(r.key)).sort()).toEqual(expected.map((s) => s.record.key).sort());
      for (const r of read) {
        const s = byKey.get(text(r.key)!)!;
        expect(text(r.value)).toBe(s.record.value);
        expect({ partition: r.partition, offset: r.offset }).toEqual({ partition: s.md!.partition, offset: Number(s.md!.offset) });
        if (s.record.partition !== undefined) expect(r.partition).toBe(s.record.partition);
      }
      for (let p = 0; p < OUT_PARTITIONS; p++) {
        const got = read.filter((r) => r.partition === p).map((r) => text(r.key));
        const want = expected.filter((s) => s.md!.partition === p).sort((a, b) => a.order - b.order).map((s) => s.record.key);
        expect(got).toEqual(want);
      }
    }, 120_000);

    test("kcat read_uncommitted: committed and aborted-but-written records, nothing that send() reported as not sent", () => {
      const read = kcatRead(bootstrap, out, { isolation: "read_uncommitted" });
      const written = [...committed(), ...abortedWritten()];
      expect(read.map((r) => text(r.key)).sort()).toEqual(written.map((s) => s.record.key).sort());
      const byKey = new Map(written.map((s) => [s.record.key, s]));
      for (const r of read) {
        const s = byKey.get(text(r.key)!)!;
        expect({ partition: r.partition, offset: r.offset }).toEqual({ partition: s.md!.partition, offset: Number(s.md!.offset) });
      }
      const rejected = new Set(abortedRejected().map((s) => s.record.key));
      expect(read.filter((r) => rejected.has(text(r.key)!))).toEqual([]);
      // Per partition, the log holds the records in send order (aborted ones in between).
      for (let p = 0; p < OUT_PARTITIONS; p++) {
        const got = read.filter((r) => r.partition === p).map((r) => text(r.key));
        const want = written.filter((s) => s.md!.partition === p).sort((a, b) => a.order - b.order).map((s) => s.record.key);
        expect(got).toEqual(want);
      }
    }, 120_000);

    test("Kafka's ConsoleConsumer (read_committed) reads the same committed records", () => {
      const read = consoleConsume(bootstrap, out, "read_committed", o);
      const got = read.map((r) => `${r.partition}/${r.offset}/${r.key}/${r.value}`).sort();
      const want = committed().map((s) => `${s.md!.partition}/${s.md!.offset}/${s.record.key}/${s.record.value}`).sort();
      expect(got).toEqual(want);
    }, 120_000);

    test("ConsumerGroupCommand: the group's offsets are those of the last committed transaction that sent offsets", async () => {
      const expected = new Map<string, number>();
      for (const t of txns) {
        if (t.offsets === null || ended.get(t.index) !== "committed") continue;
        for (const [p, off] of Object.entries(t.offsets)) expected.set(`${input}:${p}`, off);
      }
      // The last transaction sent higher offsets for every partition, then aborted.
      const lastTxn = txns[TRANSACTIONS - 1]!;
      expect(ended.get(lastTxn.index)).toBe("aborted");
      for (const [p, off] of Object.entries(lastTxn.offsets!)) expect(expected.get(`${input}:${p}`)).toBeLessThan(off);
      expect(expected.size).toBe(IN_PARTITIONS);
      // Transaction markers reach the group coordinator asynchronously after EndTxn: poll (bounded).
      let actual = new Map<string, number>();
      await pollUntil(() => {
        actual = groupOffsets(bootstrap, group, o);
        return JSON.stringify([...actual].sort()) === JSON.stringify([...expected].sort());
      }, 30_000, 1_000);
      expect(Object.fromEntries([...actual].sort())).toEqual(Object.fromEntries([...expected].sort()));
    }, 120_000);

    test(tv === 2 ? "wire: transactions v2 — Produce v12, no AddPartitionsToTxn/AddOffsetsToTxn, EndTxn v5, TxnOffsetCommit v5"
      : "wire: transactions v1 — Produce ≤ v11, AddPartitionsToTxn + AddOffsetsToTxn, EndTxn ≤ v4, TxnOffsetCommit ≤ v4", () => {
      const summary = JSON.stringify(tap.summary());
      const withRecords = txns.filter((t) => sent.some((s) => s.txn === t && s.md !== undefined)).length;
      const ran = txns.filter((t) => ended.get(t.index) !== "skipped");
      const withOffsets = ran.filter((t) => t.offsets !== null).length;
      // Transactions the coordinator saw (a record written or offsets sent) need an EndTxn.
      const seen = ran.filter((t) => t.offsets !== null || sent.some((s) => s.txn === t && s.md !== undefined)).length;
      expect(tap.of(API.Produce).length, summary).toBeGreaterThan(0);
      expect(tap.of(API.EndTxn).length, summary).toBeGreaterThanOrEqual(seen);
      expect(tap.of(API.TxnOffsetCommit).length, summary).toBeGreaterThanOrEqual(withOffsets);
      if (tv === 2) {
        expect(tap.versions(API.Produce), summary).toEqual([12]);
        expect(tap.of(API.AddPartitionsToTxn), summary).toEqual([]);
        expect(tap.of(API.AddOffsetsToTxn), summary).toEqual([]);
        expect(tap.versions(API.EndTxn), summary).toEqual([5]);
        expect(tap.versions(API.TxnOffsetCommit), summary).toEqual([5]);
      } else {
        expect(Math.max(...tap.versions(API.Produce)), summary).toBeLessThanOrEqual(11);
        // Every transaction that wrote a record added its partitions first.
        expect(tap.of(API.AddPartitionsToTxn).length, summary).toBeGreaterThanOrEqual(withRecords);
        expect(tap.of(API.AddOffsetsToTxn).length, summary).toBeGreaterThanOrEqual(withOffsets);
        expect(Math.max(...tap.versions(API.EndTxn)), summary).toBeLessThanOrEqual(4);
        expect(Math.max(...tap.versions(API.TxnOffsetCommit)), summary).toBeLessThanOrEqual(4);
      }
    });
  });
}
