/**
 * A record failing inside a transaction, on transaction.version=2 and =1 clusters,
 * compared step by step with Java's KafkaProducer in the same situations
 * (tests/helpers/JavaTxnProbe.java, run live against the same cluster):
 *
 * - client side, before append: a record over `max.request.size` — `send()` fails
 *   with `RecordTooLargeError`. Java's `KafkaProducer.doSend` catches that
 *   `ApiException` and calls `TransactionManager.maybeTransitionToErrorState`, so the
 *   transaction becomes abortable: `commitTransaction()` fails (cause
 *   RecordTooLargeException), `abortTransaction()` works, the next transaction
 *   works. edgekafka must do the same — a commit that succeeds would commit a
 *   transaction the application believes incomplete.
 * - broker side: a record over the topic's `max.message.bytes` — the broker
 *   rejects the batch (MESSAGE_TOO_LARGE): abortable as well; the other records of
 *   the transaction (to another topic) were written and are aborted.
 * - a serializer failure is not an `ApiException` in Java (SerializationException is
 *   thrown to the caller): the transaction stays healthy and commits the other records.
 *
 * Readers: kcat read_committed (only the later, healthy transaction) and
 * read_uncommitted (the aborted records were written).
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ApiError, Producer, RecordTooLargeError, SerializationError } from "../../mod.ts";
import { within } from "../helpers/engine.ts";
import { cluster, type ClusterOptions, createTopic, kcatRead, text, uniqueTopic } from "../helpers/kafka.ts";
import { describeError, javaTxnProbe, outcomeOf } from "../helpers/transactions.ts";

const producers: Producer[] = [];
afterAll(async () => {
  await Promise.all(producers.map((p) => p.close({ timeoutMs: 5_000 }).catch(() => {})));
});

type Options = ConstructorParameters<typeof Producer>[0];

async function txnProducer(bootstrap: string, tag: string, warm: string[], options: Partial<Options> = {}): Promise<Producer> {
  const p = new Producer({
    bootstrapServers: bootstrap,
    transactionalId: uniqueTopic(`txn-fail-${tag}`),
    maxBlockMs: 20_000,
    requestTimeoutMs: 15_000,
    deliveryTimeoutMs: 30_000,
    ...options,
  } as Options);
  producers.push(p);
  await within(p.initTransactions(), 60_000, "initTransactions");
  for (const t of warm) await within(p.partitionsFor(t), 30_000, "partitionsFor");
  return p;
}

/** Runs the steps in order, recording "ok" or the error ("Class<Cause>"). */
async function run(steps: Array<[string, () => unknown]>): Promise<{ outcome: Record<string, string>; errors: Record<string, unknown> }> {
  const outcome: Record<string, string> = {};
  const errors: Record<string, unknown> = {};
  for (const [name, fn] of steps) {
    const r = await outcomeOf(fn, 60_000);
    outcome[name] = describeError(r.error);
    errors[name] = r.error;
  }
  return { outcome, errors };
}

/** Whether `e` or one of its causes is an instance of `cls`. */
function hasCause(e: unknown, cls: abstract new (...args: never[]) => Error): boolean {
  for (let x = e; x instanceof Error; x = (x as Error & { cause?: unknown }).cause) if (x instanceof cls) return true;
  return false;
}

const values = (bootstrap: string, topic: string, isolation: "read_committed" | "read_uncommitted") =>
  kcatRead(bootstrap, topic, { isolation }).map((r) => (r.value !== null && r.value.length > 100 ? `<${r.value.length} bytes>` : text(r.value)));

const CLUSTERS: Array<{ name: string; tv: 1 | 2; o: ClusterOptions }> = [
  { name: "transaction.version=2", tv: 2, o: {} },
  { name: "transaction.version=1", tv: 1, o: { transactionVersion: 1 } },
];

for (const { name, tv, o } of CLUSTERS) {
  describe(`a record failing inside a transaction — ${name}`, () => {
    let bootstrap = "";
    let java = new Map<string, string>();
    const javaStep = (mode: string, step: string) => java.get(`${mode}:${step}`) ?? "missing";

    beforeAll(() => {
      bootstrap = cluster(o);
    }, 180_000);

    test("Java's KafkaProducer, the reference (toolarge, brokerfail, serfail)", () => {
      const topic = createTopic(uniqueTopic(`txn-fail-java-tv${tv}`), 1, o);
      const small = createTopic(uniqueTopic(`txn-fail-java-small-tv${tv}`), 1, { ...o, configs: { "max.message.bytes": "1000" } });
      java = javaTxnProbe("toolarge,brokerfail,serfail", bootstrap, topic, uniqueTopic(`txn-fail-java-tv${tv}`), o, small);
      console.log(`[tv${tv}] Java: ${JSON.stringify(Object.fromEntries(java))}`);
      // What the assertions below rely on (this cluster, this Kafka version):
      expect(javaStep("toolarge", "send-big")).toBe("RecordTooLargeException");
      expect(javaStep("toolarge", "commit")).not.toBe("ok");
      expect(javaStep("toolarge", "commit")).toContain("RecordTooLargeException");
      expect(javaStep("toolarge", "abort")).toBe("ok");
      expect(javaStep("toolarge", "commit2")).toBe("ok");
      expect(javaStep("brokerfail", "send-big")).toBe("RecordTooLargeException");
      expect(javaStep("brokerfail", "commit")).not.toBe("ok");
      expect(javaStep("brokerfail", "abort")).toBe("ok");
      expect(javaStep("brokerfail", "commit2")).toBe("ok");
      expect(javaStep("serfail", "send-boom")).toBe("SerializationException");
      expect(javaStep("serfail", "commit")).toBe("ok");
    }, 180_000);

    test("over max.request.size: send() fails with RecordTooLargeError and the transaction becomes abortable (as Java)", async () => {
      const t = createTopic(uniqueTopic(`txn-fail-toolarge-tv${tv}`), 1, o);
      const p = await txnProducer(bootstrap, `toolarge-tv${tv}`, [t], { maxRequestSize: 2000 });
      const { outcome, errors } = await run([
        ["begin", () => p.beginTransaction()],
        ["send-small", () => p.send({ topic: t, partition: 0, value: "small" })],
        ["send-big", () => p.send({ topic: t, partition: 0, value: new Uint8Array(5000) })],
        ["commit", () => p.commitTransaction()],
        ["abort", () => p.abortTransaction()],
        ["begin2", () => p.beginTransaction()],
        ["send2", () => p.send({ topic: t, partition: 0, value: "after" })],
        ["commit2", () => p.commitTransaction()],
      ]);
      console.log(`[tv${tv}] toolarge, ours: ${JSON.stringify(outcome)}`);
      expect(errors["send-big"]).toBeInstanceOf(RecordTooLargeError);
      const summary: Record<string, string> = {
        ...outcome,
        commit: outcome.commit === "ok" ? "ok (NOT as Java)" : hasCause(errors.commit, RecordTooLargeError) ? "failed: RecordTooLarge" : outcome.commit!,
      };
      expect(summary).toEqual({
        begin: "ok",
        "send-small": "ok",
        "send-big": "RecordTooLargeError",
        commit: "failed: RecordTooLarge",
        abort: "ok",
        begin2: "ok",
        send2: "ok",
        commit2: "ok",
      });
      expect(values(bootstrap, t, "read_committed")).toEqual(["after"]);
      expect(values(bootstrap, t, "read_uncommitted"), "the small record was written, then aborted; the big one never").toEqual(["small", "after"]);
    }, 120_000);

    test("over the topic's max.message.bytes: the broker fails the batch, commit fails, abort works, the next transaction works (as Java)", async () => {
      const t = createTopic(uniqueTopic(`txn-fail-broker-tv${tv}`), 1, o);
      const tiny = createTopic(uniqueTopic(`txn-fail-broker-small-tv${tv}`), 1, { ...o, configs: { "max.message.bytes": "1000" } });
      const p = await txnProducer(bootstrap, `broker-tv${tv}`, [t, tiny]);
      const { outcome, errors } = await run([
        ["begin", () => p.beginTransaction()],
        ["send-ok", () => p.send({ topic: t, partition: 0, value: "ok" })],
        ["send-big", () => p.send({ topic: tiny, partition: 0, value: new Uint8Array(5000) })],
        ["commit", () => p.commitTransaction()],
        ["abort", () => p.abortTransaction()],
        ["begin2", () => p.beginTransaction()],
        ["send2", () => p.send({ topic: t, partition: 0, value: "after" })],
        ["send2-tiny", () => p.send({ topic: tiny, partition: 0, value: "fits" })],
        ["commit2", () => p.commitTransaction()],
      ]);
      console.log(`[tv${tv}] brokerfail, ours: ${JSON.stringify(outcome)}`);
      const big = errors["send-big"] as ApiError;
      expect(big, describeError(big)).toBeInstanceOf(ApiError);
      expect(big.errorName).toBe("MESSAGE_TOO_LARGE");
      expect(errors.commit, "commit after a failed record").toBeDefined();
      expect(hasCause(errors.commit, ApiError) && (errors.commit as Error).message.length > 0).toBe(true);
      const summary: Record<string, string> = { ...outcome, "send-big": "failed", commit: "failed" };
      expect(summary).toEqual({
        begin: "ok",
        "send-ok": "ok",
        "send-big": "failed",
        commit: "failed",
        abort: "ok",
        begin2: "ok",
        send2: "ok",
        "send2-tiny": "ok",
        commit2: "ok",
      });
      expect(values(bootstrap, t, "read_committed")).toEqual(["after"]);
      expect(values(bootstrap, tiny, "read_committed")).toEqual(["fits"]);
      expect(values(bootstrap, t, "read_uncommitted"), "the first transaction's record was written, then aborted").toEqual(["ok", "after"]);
    }, 120_000);

    test("a serializer failure is thrown to the caller and does not poison the transaction (as Java)", async () => {
      const t = createTopic(uniqueTopic(`txn-fail-ser-tv${tv}`), 1, o);
      const p = await txnProducer(bootstrap, `ser-tv${tv}`, [t], {
        valueSerializer: (value: unknown) => {
          if (value === "boom") throw new Error("cannot serialize boom");
          return new TextEncoder().encode(String(value));
        },
      });
      const { outcome, errors } = await run([
        ["begin", () => p.beginTransaction()],
        ["send-ok1", () => p.send({ topic: t, partition: 0, value: "ok1" })],
        ["send-boom", () => p.send({ topic: t, partition: 0, value: "boom" })],
        ["send-ok2", () => p.send({ topic: t, partition: 0, value: "ok2" })],
        ["commit", () => p.commitTransaction()],
      ]);
      console.log(`[tv${tv}] serfail, ours: ${JSON.stringify(outcome)}`);
      expect(errors["send-boom"]).toBeInstanceOf(SerializationError);
      const summary: Record<string, string> = { ...outcome, "send-boom": "failed" };
      expect(summary).toEqual({ begin: "ok", "send-ok1": "ok", "send-boom": "failed", "send-ok2": "ok", commit: "ok" });
      expect(values(bootstrap, t, "read_committed")).toEqual(["ok1", "ok2"]);
    }, 120_000);
  });
}
