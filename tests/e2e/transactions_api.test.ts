/**
 * The transactional API's contract, against real brokers (transaction.version=2 and =1),
 * checked with kcat (read_committed and read_uncommitted):
 *
 * - `transaction(fn)` commits when `fn` resolves (returns its value), aborts and
 *   rethrows the very error when it throws — whether `fn` awaited its sends or not —
 *   and the producer is usable afterwards;
 * - state errors (`TransactionStateError`): send before `initTransactions()`, send
 *   outside a transaction, commit/abort/sendOffsets without `beginTransaction()`,
 *   `beginTransaction()` twice, `initTransactions()` twice; none of them poisons
 *   the next transaction;
 * - the promise-returning methods report state errors by rejecting, never by
 *   throwing synchronously (`producer.commitTransaction().catch(…)` must work);
 * - `close()` with an open transaction aborts it: read_committed sees none of its
 *   records, read_uncommitted sees them all, and a record committed afterwards to the
 *   same partition sits at offset N + 1 — behind N records and one control record
 *   (the abort marker) — and is readable with read_committed (an unfinished
 *   transaction would hold the last stable offset back);
 * - transactional methods of a producer without `transactional.id` fail with
 *   `TransactionStateError`;
 * - empty transactions commit and abort (nothing to send: no EndTxn, as Java);
 * - records sent just before `commitTransaction()` while the topic's metadata is
 *   still being fetched belong to the transaction and are committed (Java's send()
 *   blocks until the record is appended, so its commit always includes them).
 */

import { afterAll, describe, expect, test } from "bun:test";
import { Producer, type RecordMetadata } from "../../mod.ts";
import { TransactionAbortedError, TransactionStateError } from "../../src/errors.ts";
import { within } from "../helpers/engine.ts";
import { cluster, type ClusterOptions, createTopic, kcatRead, text, uniqueTopic } from "../helpers/kafka.ts";
import { describeError, outcomeOf } from "../helpers/transactions.ts";

const producers: Producer[] = [];
afterAll(async () => {
  await Promise.all(producers.map((p) => p.close({ timeoutMs: 5_000 }).catch(() => {})));
});

type Options = ConstructorParameters<typeof Producer>[0];

function producer(bootstrap: string, options: Partial<Options> = {}): Producer {
  const p = new Producer({ bootstrapServers: bootstrap, maxBlockMs: 20_000, requestTimeoutMs: 15_000, deliveryTimeoutMs: 30_000, ...options });
  producers.push(p);
  return p;
}

async function txnProducer(bootstrap: string, tag: string, warm?: string): Promise<Producer> {
  const p = producer(bootstrap, { transactionalId: uniqueTopic(`txn-api-${tag}`) });
  await within(p.initTransactions(), 60_000, "initTransactions");
  if (warm !== undefined) await within(p.partitionsFor(warm), 30_000, "partitionsFor");
  return p;
}

const committedValues = (bootstrap: string, topic: string) => kcatRead(bootstrap, topic, { isolation: "read_committed" }).map((r) => text(r.value));
const allValues = (bootstrap: string, topic: string) => kcatRead(bootstrap, topic, { isolation: "read_uncommitted" }).map((r) => text(r.value));

/** The promise's outcome, observed at once (a rejection is never unhandled). */
function settled<T>(p: Promise<T>): Promise<PromiseSettledResult<T>> {
  return p.then((value) => ({ status: "fulfilled", value }), (reason: unknown) => ({ status: "rejected", reason }));
}

const CLUSTERS: Array<{ name: string; tv: 1 | 2; o: ClusterOptions }> = [
  { name: "transaction.version=2", tv: 2, o: {} },
  { name: "transaction.version=1", tv: 1, o: { transactionVersion: 1 } },
];

for (const { name, tv, o } of CLUSTERS) {
  describe(`transactional API — ${name}`, () => {
    test("transaction(fn): commits and returns fn's value; aborts and rethrows fn's error (sends awaited or not); usable after", async () => {
      const bootstrap = cluster(o);
      const topic = createTopic(uniqueTopic(`txn-api-fn-tv${tv}`), 3, o);
      const p = await txnProducer(bootstrap, `fn-tv${tv}`, topic);

      const result = await within(p.transaction(async (tx) => {
        expect(tx).toBe(p);
        const mds = await Promise.all([0, 1, 2].map((i) => tx.send({ topic, partition: i, value: `ok-${i}` })));
        return mds.map((m) => m.partition);
      }), 60_000, "committing transaction()");
      expect(result).toEqual([0, 1, 2]);

      // fn awaits its sends (they are written), then throws: aborted, the same error rethrown.
      const boom = new Error("boom after the sends");
      const thrown1 = await outcomeOf(() => p.transaction(async (tx) => {
        await Promise.all([0, 1, 2].map((i) => tx.send({ topic, partition: i, value: `aborted-written-${i}` })));
        throw boom;
      }));
      expect(thrown1.error).toBe(boom);

      // fn throws without awaiting its sends: aborted; each send rejects with TransactionAbortedError or was written (then aborted).
      const early: Array<Promise<PromiseSettledResult<RecordMetadata>>> = [];
      const boom2 = new TypeError("boom before the sends settled");
      const thrown2 = await outcomeOf(() => p.transaction((tx) => {
        for (let i = 0; i < 20; i++) early.push(settled(tx.send({ topic, partition: i % 3, value: `aborted-early-${i}` })));
        throw boom2;
      }));
      expect(thrown2.error).toBe(boom2);
      const earlyOutcomes = await within(Promise.all(early), 60_000, "sends of the early-aborted transaction");
      for (const r of earlyOutcomes) {
        if (r.status === "rejected") expect(r.reason, describeError(r.reason)).toBeInstanceOf(TransactionAbortedError);
      }
      const earlyWritten = earlyOutcomes.filter((r) => r.status === "fulfilled").length;

      // Usable afterwards.
      await within(p.transaction(async (tx) => void (await tx.send({ topic, partition: 0, value: "after" }))), 60_000, "transaction after aborts");

      expect(committedValues(bootstrap, topic).sort()).toEqual(["after", "ok-0", "ok-1", "ok-2"]);
      const all = allValues(bootstrap, topic);
      expect(all.filter((v) => v!.startsWith("aborted-written-")).sort()).toEqual(["aborted-written-0", "aborted-written-1", "aborted-written-2"]);
      expect(all.filter((v) => v!.startsWith("aborted-early-")).length).toBe(earlyWritten);
    }, 120_000);

    test("state errors: send before init / outside a transaction, commit/abort/sendOffsets without begin, begin twice, init twice", async () => {
      const bootstrap = cluster(o);
      const topic = createTopic(uniqueTopic(`txn-api-state-tv${tv}`), 1, o);
      const p = producer(bootstrap, { transactionalId: uniqueTopic(`txn-api-state-tv${tv}`) });
      const errors: Record<string, unknown> = {};
      errors["send before initTransactions"] = (await outcomeOf(() => p.send({ topic, value: "before-init" }))).error;
      errors["beginTransaction before initTransactions"] = (await outcomeOf(() => p.beginTransaction())).error;
      await within(p.initTransactions(), 60_000, "initTransactions");
      errors["initTransactions twice"] = (await outcomeOf(() => p.initTransactions())).error;
      errors["send outside a transaction"] = (await outcomeOf(() => p.send({ topic, value: "outside-1" }))).error;
      errors["commitTransaction without begin"] = (await outcomeOf(() => p.commitTransaction())).error;
      errors["abortTransaction without begin"] = (await outcomeOf(() => p.abortTransaction())).error;
      errors["sendOffsetsToTransaction without begin"] = (await outcomeOf(() => p.sendOffsetsToTransaction({ [topic]: { 0: 1 } }, "g"))).error;
      p.beginTransaction();
      errors["beginTransaction twice"] = (await outcomeOf(() => p.beginTransaction())).error;
      await within(p.send({ topic, value: "inside" }), 60_000, "send inside");
      await within(p.commitTransaction(), 60_000, "commit");
      errors["send after commit"] = (await outcomeOf(() => p.send({ topic, value: "outside-2" }))).error;
      errors["commitTransaction twice"] = (await outcomeOf(() => p.commitTransaction())).error;
      for (const [what, e] of Object.entries(errors)) {
        expect(e, `${what}: ${describeError(e)}`).toBeInstanceOf(TransactionStateError);
      }
      // None of this poisoned the producer.
      await within(p.transaction(async (tx) => void (await tx.send({ topic, value: "next" }))), 60_000, "next transaction");
      expect(committedValues(bootstrap, topic)).toEqual(["inside", "next"]);
      expect(allValues(bootstrap, topic)).toEqual(["inside", "next"]);
    }, 120_000);

    test("promise-returning transactional methods reject (never throw synchronously) on state errors", async () => {
      const bootstrap = cluster(o);
      const topic = createTopic(uniqueTopic(`txn-api-sync-tv${tv}`), 1, o);
      const p = producer(bootstrap, { transactionalId: uniqueTopic(`txn-api-sync-tv${tv}`) });
      const plain = producer(bootstrap);
      const calls: Record<string, () => unknown> = {
        "commitTransaction() before init": () => p.commitTransaction(),
        "abortTransaction() before init": () => p.abortTransaction(),
        "sendOffsetsToTransaction() before init": () => p.sendOffsetsToTransaction({ [topic]: { 0: 1 } }, "g"),
        "send() before init": () => p.send({ topic, value: "x" }),
        "non-transactional initTransactions()": () => plain.initTransactions(),
        "non-transactional commitTransaction()": () => plain.commitTransaction(),
        "non-transactional abortTransaction()": () => plain.abortTransaction(),
        "non-transactional sendOffsetsToTransaction()": () => plain.sendOffsetsToTransaction({ [topic]: { 0: 1 } }, "g"),
        "non-transactional transaction()": () => plain.transaction(() => 1),
      };
      const sync: string[] = [];
      for (const [what, call] of Object.entries(calls)) {
        const r = await outcomeOf(call);
        expect(r.error, `${what}: ${describeError(r.error)}`).toBeInstanceOf(TransactionStateError);
        if (r.sync) sync.push(what);
      }
      expect(sync, "these threw synchronously instead of returning a rejected promise").toEqual([]);
    }, 60_000);

    test("close() with an open transaction aborts it: no record readable committed, all written, an abort marker behind them", async () => {
      const bootstrap = cluster(o);
      const topic = createTopic(uniqueTopic(`txn-api-close-tv${tv}`), 1, o);
      const p = await txnProducer(bootstrap, `close-tv${tv}`, topic);
      const N = 7;
      p.beginTransaction();
      await within(Promise.all(Array.from({ length: N }, (_, i) => p.send({ topic, partition: 0, value: `open-${i}` }))), 60_000, "sends");
      await within(p.close(), 60_000, "close with an open transaction");
      expect((await outcomeOf(() => p.send({ topic, value: "after-close" }))).error).toBeDefined();

      expect(committedValues(bootstrap, topic)).toEqual([]);
      expect(allValues(bootstrap, topic)).toEqual(Array.from({ length: N }, (_, i) => `open-${i}`));
      // If the transaction were still open, the last stable offset would stay at 0 and
      // this committed record would not be readable with read_committed.
      const q = await txnProducer(bootstrap, `close-after-tv${tv}`, topic);
      let md: RecordMetadata | undefined;
      await within(q.transaction(async (tx) => void (md = await tx.send({ topic, partition: 0, value: "later" }))), 60_000, "later transaction");
      expect(Number(md!.offset), "N records + 1 abort marker before it").toBe(N + 1);
      const committed = kcatRead(bootstrap, topic, { isolation: "read_committed" });
      expect(committed.map((r) => [r.offset, text(r.value)])).toEqual([[N + 1, "later"]]);
    }, 120_000);

    test("close() right after sends in an open transaction (not awaited): nothing readable committed", async () => {
      const bootstrap = cluster(o);
      const topic = createTopic(uniqueTopic(`txn-api-close2-tv${tv}`), 2, o);
      const p = await txnProducer(bootstrap, `close2-tv${tv}`, topic);
      p.beginTransaction();
      const sends = Array.from({ length: 50 }, (_, i) => settled(p.send({ topic, partition: i % 2, value: `open-${i}` })));
      await within(p.close(), 60_000, "close with an open transaction");
      const outcomes = await within(Promise.all(sends), 60_000, "sends");
      const written = outcomes.filter((r) => r.status === "fulfilled").length;
      const q = await txnProducer(bootstrap, `close2-after-tv${tv}`, topic);
      await within(q.transaction(async (tx) => {
        await Promise.all([tx.send({ topic, partition: 0, value: "later-0" }), tx.send({ topic, partition: 1, value: "later-1" })]);
      }), 60_000, "later transaction");
      expect(committedValues(bootstrap, topic).sort()).toEqual(["later-0", "later-1"]);
      expect(allValues(bootstrap, topic).filter((v) => v!.startsWith("open-")).length).toBe(written);
    }, 120_000);

    test("transactional methods of a non-transactional producer fail with TransactionStateError; it still sends", async () => {
      const bootstrap = cluster(o);
      const topic = createTopic(uniqueTopic(`txn-api-plain-tv${tv}`), 1, o);
      const plain = producer(bootstrap);
      let called = false;
      const calls: Record<string, () => unknown> = {
        initTransactions: () => plain.initTransactions(),
        beginTransaction: () => plain.beginTransaction(),
        sendOffsetsToTransaction: () => plain.sendOffsetsToTransaction({ [topic]: { 0: 1 } }, { groupId: "g", generationId: 1, memberId: "m" }),
        commitTransaction: () => plain.commitTransaction(),
        abortTransaction: () => plain.abortTransaction(),
        transaction: () => plain.transaction(() => void (called = true)),
      };
      for (const [what, call] of Object.entries(calls)) {
        const r = await outcomeOf(call);
        expect(r.error, `${what}: ${describeError(r.error)}`).toBeInstanceOf(TransactionStateError);
      }
      expect(called, "transaction(fn) must not run fn").toBe(false);
      await within(plain.send({ topic, value: "plain" }), 60_000, "plain send");
      expect(committedValues(bootstrap, topic)).toEqual(["plain"]);
    }, 60_000);

    test("empty transactions commit and abort (first transaction of a producer, and after others)", async () => {
      const bootstrap = cluster(o);
      const topic = createTopic(uniqueTopic(`txn-api-empty-tv${tv}`), 1, o);
      const p = await txnProducer(bootstrap, `empty-tv${tv}`, topic);
      const results: Record<string, string> = {};
      const step = async (what: string, fn: () => Promise<unknown>) => {
        const r = await outcomeOf(fn);
        results[what] = describeError(r.error);
        // After a failure, get back to READY for the next step (abort is local without a started transaction).
        if (r.error !== undefined) await outcomeOf(() => p.abortTransaction());
      };
      const empty = (end: "commit" | "abort") => async () => {
        p.beginTransaction();
        await (end === "commit" ? p.commitTransaction() : p.abortTransaction());
      };
      await step("empty commit as the first transaction", empty("commit"));
      await step("empty abort", empty("abort"));
      await step("a transaction with a record", () => p.transaction(async (tx) => void (await tx.send({ topic, value: "r1" }))));
      await step("empty commit after a committed one", empty("commit"));
      await step("a transaction after empty ones", () => p.transaction(async (tx) => void (await tx.send({ topic, value: "r2" }))));
      await step("abort with a record", async () => {
        p.beginTransaction();
        await p.send({ topic, value: "aborted" });
        await p.abortTransaction();
      });
      await step("empty commit after an aborted one", empty("commit"));
      await step("empty abort after an aborted one", empty("abort"));
      expect(results).toEqual({
        "empty commit as the first transaction": "ok",
        "empty abort": "ok",
        "a transaction with a record": "ok",
        "empty commit after a committed one": "ok",
        "a transaction after empty ones": "ok",
        "abort with a record": "ok",
        "empty commit after an aborted one": "ok",
        "empty abort after an aborted one": "ok",
      });
      expect(committedValues(bootstrap, topic)).toEqual(["r1", "r2"]);
    }, 120_000);

    test("records sent just before commitTransaction(), while the topic's metadata is unknown, are committed with it", async () => {
      const bootstrap = cluster(o);
      const topic = createTopic(uniqueTopic(`txn-api-nometa-tv${tv}`), 3, o);
      // No partitionsFor(): the producer has never seen this topic.
      const p = await txnProducer(bootstrap, `nometa-tv${tv}`);
      p.beginTransaction();
      const sends = Array.from({ length: 6 }, (_, i) => settled(p.send({ topic, key: `k${i}`, value: `v${i}` })));
      const commit = await outcomeOf(() => p.commitTransaction());
      const outcomes = await within(Promise.all(sends), 60_000, "sends");
      const failed = outcomes.flatMap((r) => (r.status === "rejected" ? [describeError(r.reason)] : []));
      expect({ commit: describeError(commit.error), failedSends: failed }).toEqual({ commit: "ok", failedSends: [] });
      expect(committedValues(bootstrap, topic).sort()).toEqual(["v0", "v1", "v2", "v3", "v4", "v5"]);
    }, 120_000);
  });
}
