/**
 * Hardening, defect 1: `close()` while a transaction commits (its EndTxn held
 * back on the wire) waits for or times out the commit, then releases
 * everything; a second `close()` resolves too. Defect 9: `commitTransaction()`
 * waits for a `sendOffsetsToTransaction()` under way. Real broker; requests
 * are held back by a wrapping `connect`.
 */

import { describe, expect, test } from "bun:test";
import { autoConnect } from "../../runtime/auto.ts";
import { type Connect, Producer } from "../../mod.ts";
import { within } from "../helpers/engine.ts";
import { cluster, createTopic, uniqueTopic } from "../helpers/kafka.ts";

const END_TXN = 26;

/** A transactional producer with test-friendly timeouts; `options` adds to or replaces them. */
function txnProducer(bootstrap: string, tag: string, options: Partial<ConstructorParameters<typeof Producer>[0]> = {}): Producer {
  return new Producer({
    bootstrapServers: bootstrap,
    transactionalId: uniqueTopic(tag),
    maxBlockMs: 20_000,
    requestTimeoutMs: 15_000,
    deliveryTimeoutMs: 30_000,
    ...options,
  });
}

/** Whether a written chunk holds a request frame of `apiKey` (frames: size, apiKey, …). */
function hasApi(chunk: Uint8Array, apiKey: number): boolean {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  for (let at = 0; at + 6 <= chunk.length;) {
    if (view.getInt16(at + 4) === apiKey) return true;
    at += 4 + view.getInt32(at);
  }
  return false;
}

/** A `connect` that holds every write carrying a request of `apiKey` (EndTxn by default) until `release()`. */
function holdingEndTxn(apiKey = END_TXN): { connect: Connect; held: Promise<void>; release(): void } {
  let release!: () => void;
  let heldNow!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const held = new Promise<void>((r) => (heldNow = r));
  const connect: Connect = async (options, handlers) => {
    const inner = await autoConnect(options, handlers);
    return {
      write: async (chunk) => {
        if (hasApi(chunk, apiKey)) {
          heldNow();
          await gate;
        }
        return inner.write(chunk);
      },
      close: () => inner.close(),
    };
  };
  return { connect, held, release };
}

describe("defect 1: close() while a transaction commits", () => {
  test("waits for the commit within its timeout, then releases everything; a second close() resolves", async () => {
    const bootstrap = cluster();
    const topic = createTopic(uniqueTopic("defect-1"), 1);
    const hold = holdingEndTxn();
    const p = txnProducer(bootstrap, "defect-1-txn", { connect: hold.connect });
    try {
      await within(p.initTransactions(), 60_000, "initTransactions");
      p.beginTransaction();
      await within(p.send({ topic, value: "v" }), 30_000, "the send");
      const commit = p.commitTransaction().then(() => "committed", (e: unknown) => e);
      await within(hold.held, 20_000, "the EndTxn write");
      // The commit cannot finish while its EndTxn is held: close() gives it 1 s, then releases all.
      const closing = p.close({ timeoutMs: 1_000 }).then(() => "closed", (e: unknown) => e);
      expect(await within(closing, 10_000, "close()")).toBe("closed");
      expect(await within(p.close(), 5_000, "a second close()")).toBeUndefined();
      hold.release();
      await within(commit, 10_000, "the commit to settle");
    } finally {
      hold.release();
    }
  }, 120_000);
});

const TXN_OFFSET_COMMIT = 28;

/**
 * A `connect` that, once a TxnOffsetCommit was written on a connection, holds
 * what that connection receives until `release()` (so the offsets stay
 * unanswered), lets every write through, and notes whether an EndTxn was written.
 */
function holdingOffsetAnswers(): { connect: Connect; held: Promise<void>; release(): void; endTxnWritten(): boolean } {
  let released = false;
  let endTxn = false;
  let heldNow!: () => void;
  const held = new Promise<void>((r) => (heldNow = r));
  const flushers: Array<() => void> = [];
  const connect: Connect = async (options, handlers) => {
    let holding = false;
    const backlog: Uint8Array[] = [];
    const inner = await autoConnect(options, {
      onData: (chunk) => {
        if (holding && !released) backlog.push(chunk.slice());
        else handlers.onData(chunk);
      },
      onClose: (error) => handlers.onClose(error),
    });
    flushers.push(() => {
      for (const chunk of backlog.splice(0)) handlers.onData(chunk);
    });
    return {
      write: (chunk) => {
        if (hasApi(chunk, END_TXN)) endTxn = true;
        if (hasApi(chunk, TXN_OFFSET_COMMIT)) {
          holding = true;
          heldNow();
        }
        return inner.write(chunk);
      },
      close: () => inner.close(),
    };
  };
  return {
    connect,
    held,
    release: () => {
      released = true;
      for (const flush of flushers) flush();
    },
    endTxnWritten: () => endTxn,
  };
}

describe("defect 9: commitTransaction() and a sendOffsetsToTransaction() under way", () => {
  test("the commit waits for the offsets to reach the coordinator before it ends the transaction", async () => {
    const bootstrap = cluster();
    const topic = createTopic(uniqueTopic("defect-9"), 1);
    const hold = holdingOffsetAnswers();
    const p = txnProducer(bootstrap, "defect-9-txn", { connect: hold.connect });
    try {
      await within(p.initTransactions(), 60_000, "initTransactions");
      p.beginTransaction();
      await within(p.send({ topic, value: "v" }), 30_000, "the send");
      const offsets = p.sendOffsetsToTransaction({ [topic]: { 0: 1n } }, uniqueTopic("defect-9-group"));
      await within(hold.held, 20_000, "the TxnOffsetCommit write");
      const commit = p.commitTransaction();
      await new Promise((r) => setTimeout(r, 1_500));
      // The offsets are unanswered: ending the transaction now could commit it without them.
      expect(hold.endTxnWritten()).toBe(false);
      hold.release();
      await within(offsets, 20_000, "sendOffsetsToTransaction");
      await within(commit, 20_000, "commitTransaction");
      expect(hold.endTxnWritten()).toBe(true);
    } finally {
      hold.release();
      await p.close({ timeoutMs: 5_000 }).catch(() => {});
    }
  }, 120_000);
});

describe("defect 13: batches queued when the transaction becomes abortable", () => {
  test("fail (as Java's abortUndrainedBatches) instead of being sent and reported as written", async () => {
    const bootstrap = cluster();
    const small = createTopic(uniqueTopic("defect-13-small"), 1, { configs: { "max.message.bytes": "2000" } });
    const other = createTopic(uniqueTopic("defect-13-other"), 1);
    const p = txnProducer(bootstrap, "defect-13-txn", {
      lingerMs: 0,
      // One request at a time: the record sent second waits while the first is in flight.
      maxInFlightRequestsPerConnection: 1,
    });
    try {
      await within(p.initTransactions(), 60_000, "initTransactions");
      await within(Promise.all([p.partitionsFor(small), p.partitionsFor(other)]), 30_000, "metadata");
      p.beginTransaction();
      // One record larger than the topic allows: MESSAGE_TOO_LARGE, and the transaction becomes abortable.
      const big = p.send({ topic: small, value: "x".repeat(5_000) }).then(() => "written", (e: unknown) => e);
      await new Promise((r) => setTimeout(r, 5)); // its request is written
      // Appended while that request is in flight: still queued when the failure comes back.
      const queued = p.send({ topic: other, value: "queued" }).then(() => "written", (e: unknown) => e);
      expect(await within(big, 20_000, "the oversized record")).toBeInstanceOf(Error);
      const outcome = await within(queued, 20_000, "the queued record");
      expect(outcome).toBeInstanceOf(Error);
      await within(p.abortTransaction(), 20_000, "abortTransaction");
    } finally {
      await p.close({ timeoutMs: 5_000 }).catch(() => {});
    }
  }, 120_000);
});

const PRODUCE = 0;

describe("defect 3: an abort while records wait for buffer memory", () => {
  test("gives every byte back: buffer-available-bytes returns to buffer.memory", async () => {
    const bootstrap = cluster();
    const topic = createTopic(uniqueTopic("defect-3"), 4);
    const hold = holdingEndTxn(PRODUCE);
    const bufferMemory = 64 * 1024;
    const p = txnProducer(bootstrap, "defect-3-txn", {
      connect: hold.connect,
      batchSize: 16 * 1024,
      bufferMemory,
      lingerMs: 0,
    });
    try {
      await within(p.initTransactions(), 60_000, "initTransactions");
      await within(p.partitionsFor(topic), 30_000, "metadata");
      p.beginTransaction();
      // Produce requests are held: the pool fills up and later records wait for memory.
      const sends = Array.from({ length: 400 }, (_, i) =>
        p.send({ topic, partition: i % 4, value: "x".repeat(900) }).then(() => "written", (e: unknown) => e));
      await within(hold.held, 20_000, "the first Produce write");
      await new Promise((r) => setTimeout(r, 200));
      expect(p.metrics()["buffer-available-bytes"]).toBeLessThan(bufferMemory);
      const abort = p.abortTransaction().catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 200));
      hold.release();
      await within(abort, 30_000, "abortTransaction");
      await within(Promise.all(sends), 30_000, "every send to settle");
      await new Promise((r) => setTimeout(r, 200));
      expect(p.metrics()["buffer-available-bytes"]).toBe(bufferMemory);
    } finally {
      hold.release();
      await p.close({ timeoutMs: 5_000 }).catch(() => {});
    }
  }, 120_000);
});
