/**
 * The transaction manager's state machine (src/producer/transactions.ts)
 * over a scripted in-memory cluster (support/txn_broker.ts), no broker:
 * UNINITIALIZED → READY → IN_TRANSACTION → COMMITTING → READY, abort,
 * ABORTABLE_ERROR (only abort allowed), fencing and the other fatal errors.
 * Coordinator errors and transactions v2 are in transactions_coordinator.test.ts.
 */

import { afterEach, describe, expect, test } from "bun:test";
import { TransactionAbortedError, TransactionStateError } from "../../src/errors.ts";
import { TransactionalIdAuthorizationError, UnknownTopicOrPartitionError } from "../../src/protocol/api_error_classes.ts";
import { InvalidTxnStateError, ProducerFencedError } from "../../src/protocol/api_error_classes_txn.ts";
import { apiError } from "../../src/protocol/api_errors.ts";
import { ErrorCode } from "../../src/protocol/error_codes.ts";
import type { ProducerBatch } from "../../src/producer/batch.ts";
import { outcome } from "./support/memory_socket.ts";
import { append, held, type TxnHarness, txnHarness, until } from "./support/txn_broker.ts";

const open: TxnHarness[] = [];
afterEach(() => {
  for (const h of open.splice(0)) h.close();
});

/** A harness whose manager went through initTransactions(). */
async function ready(options: Parameters<typeof txnHarness>[0] = {}): Promise<TxnHarness> {
  const h = txnHarness(options);
  open.push(h);
  await h.manager.initTransactions();
  return h;
}

/** A ready harness in a transaction with `t`-0 added (AddPartitionsToTxn done). */
async function inTransaction(options: Parameters<typeof txnHarness>[0] = {}): Promise<TxnHarness> {
  const h = await ready(options);
  h.manager.beginTransaction();
  append(h, "t", 0);
  await until(() => h.allowed("t", 0), "t-0 to join the transaction");
  return h;
}

const aBatch = { topic: "t", partition: 0 } as ProducerBatch;

/** The error `call` throws or rejects with (the manager throws synchronously on a state check). */
async function failure(call: () => unknown): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a failure");
}

describe("transaction states", () => {
  test("init → READY with a producer id from the transaction coordinator", async () => {
    const h = txnHarness();
    open.push(h);
    expect(h.manager.state).toBe("UNINITIALIZED");
    const init = h.manager.initTransactions();
    expect(h.manager.state).toBe("INITIALIZING");
    expect(h.manager.initTransactions()).toBe(init); // a repeated call shares the one under way
    await init;
    expect(h.manager.state).toBe("READY");
    expect(h.cluster.sent("FindCoordinator")[0]!.fields).toEqual({ keyType: 1, keys: ["txn"] });
    expect(h.cluster.sent("InitProducerId")[0]!.fields).toMatchObject({ transactionalId: "txn", timeoutMs: 60_000, producerId: -1n, epoch: -1 });
    expect(h.idempotence.producerIdAndEpoch).toEqual({ producerId: 1000n, epoch: 0 });
    expect(() => h.manager.initTransactions()).toThrow(TransactionStateError);
  });

  test("begin → IN_TRANSACTION → commit → COMMITTING → EndTxn(commit) → READY", async () => {
    const h = await ready();
    h.manager.beginTransaction();
    expect(h.manager.state).toBe("IN_TRANSACTION");
    expect(h.manager.inTransaction).toBe(true);
    h.manager.checkSend();
    append(h, "t", 0);
    append(h, "t", 1);
    expect(h.allowed("t", 0)).toBe(false); // the gate holds batches until AddPartitionsToTxn succeeded
    await until(() => h.allowed("t", 0) && h.allowed("t", 1), "both partitions to join");
    // One AddPartitionsToTxn at a time: t-1 waited for the one adding t-0.
    expect(h.cluster.sent("AddPartitionsToTxn").map((r) => r.fields)).toEqual([
      { transactionalId: "txn", producerId: 1000n, epoch: 0, topics: [{ name: "t", partitions: [0] }] },
      { transactionalId: "txn", producerId: 1000n, epoch: 0, topics: [{ name: "t", partitions: [1] }] },
    ]);
    const end = held();
    h.cluster.script("EndTxn", end.reply);
    const commit = h.manager.commitTransaction();
    expect(h.manager.state).toBe("COMMITTING");
    expect(h.manager.commitTransaction()).toBe(commit);
    expect(h.manager.inTransaction).toBe(true);
    await h.cluster.waitFor("EndTxn");
    end.release();
    await commit;
    expect(h.manager.state).toBe("READY");
    expect(h.cluster.sent("EndTxn")[0]!.fields).toEqual({ transactionalId: "txn", producerId: 1000n, epoch: 0, committed: true });
    // A new transaction adds its partitions again.
    h.manager.beginTransaction();
    expect(h.allowed("t", 0)).toBe(false);
  });

  test("a transaction that sent nothing commits and aborts without EndTxn", async () => {
    const h = await ready();
    h.manager.beginTransaction();
    await h.manager.commitTransaction();
    h.manager.beginTransaction();
    await h.manager.abortTransaction();
    expect(h.manager.state).toBe("READY");
    expect(h.cluster.sent("EndTxn")).toEqual([]);
  });

  test("abort fails unsent records, then sends EndTxn(abort) → READY", async () => {
    const h = await inTransaction();
    await h.manager.abortTransaction();
    expect(h.manager.state).toBe("READY");
    expect(h.failedUnsent.map((e) => e.constructor)).toEqual([TransactionAbortedError]);
    expect(h.cluster.sent("EndTxn")[0]!.fields).toMatchObject({ committed: false, epoch: 0 });
    expect(h.cluster.sent("InitProducerId").length).toBe(1); // no epoch bump needed
  });

  test("abort waits for an AddPartitionsToTxn under way, then ends the transaction it started", async () => {
    const h = await ready();
    h.manager.beginTransaction();
    const add = held();
    h.cluster.script("AddPartitionsToTxn", add.reply);
    append(h, "t", 0);
    await h.cluster.waitFor("AddPartitionsToTxn");
    const abort = h.manager.abortTransaction();
    expect(h.manager.state).toBe("ABORTING");
    add.release();
    await abort;
    expect(h.cluster.sent("EndTxn").map((r) => r.fields.committed)).toEqual([false]);
  });

  test("methods called in the wrong state throw TransactionStateError, naming the state", async () => {
    const h = txnHarness();
    open.push(h);
    expect(() => h.manager.beginTransaction()).toThrow('Cannot call beginTransaction() in transaction state "UNINITIALIZED"');
    expect(() => h.manager.checkSend()).toThrow("Cannot send a record before initTransactions() completed");
    await h.manager.initTransactions();
    expect(() => h.manager.checkSend()).toThrow("Cannot send a record outside a transaction: call beginTransaction() first");
    expect(() => h.manager.beforeAppend("t", 0)).toThrow(TransactionStateError);
    expect(() => h.manager.commitTransaction()).toThrow(TransactionStateError);
    expect(() => h.manager.abortTransaction()).toThrow(TransactionStateError);
    expect(() => h.manager.sendOffsetsToTransaction({ in: { 0: 1 } }, "g")).toThrow(TransactionStateError);
    h.manager.beginTransaction();
    expect(() => h.manager.beginTransaction()).toThrow('in transaction state "IN_TRANSACTION"');
  });

  test("a record appended after commit() started still joins the transaction the commit flushes", async () => {
    let flushed!: () => void;
    const h = await ready({ settleAll: () => new Promise<void>((r) => (flushed = r)) });
    h.manager.beginTransaction();
    h.manager.checkSend(); // accepted while open; it waited (for metadata, memory) until now
    const commit = h.manager.commitTransaction();
    expect(h.manager.state).toBe("COMMITTING");
    append(h, "t", 1);
    await until(() => h.allowed("t", 1), "t-1 to join while committing");
    flushed();
    await commit;
    expect(h.cluster.sent("EndTxn").map((r) => r.fields.committed)).toEqual([true]);
    expect(() => h.manager.beforeAppend("t", 2)).toThrow(TransactionStateError);
  });
});

describe("ABORTABLE_ERROR: only abort is allowed", () => {
  async function abortable(): Promise<TxnHarness> {
    const h = await inTransaction();
    h.manager.onBatchFailed(aBatch, apiError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null, 'Topic-partition "t-0"'));
    expect(h.manager.state).toBe("ABORTABLE_ERROR");
    return h;
  }

  test("a failed batch makes the transaction abortable: commit, begin, offsets and sends are refused", async () => {
    const h = await abortable();
    const reason = await failure(() => h.manager.commitTransaction());
    expect(reason).toBeInstanceOf(TransactionStateError);
    expect(reason.message).toStartWith("Cannot commit: a previous transactional operation failed (Topic-partition");
    expect(reason.cause).toBeInstanceOf(UnknownTopicOrPartitionError);
    expect(() => h.manager.beginTransaction()).toThrow(TransactionStateError);
    expect(() => h.manager.sendOffsetsToTransaction({ in: { 0: 1 } }, "g")).toThrow(TransactionStateError);
    expect(() => h.manager.checkSend()).toThrow(UnknownTopicOrPartitionError);
    expect(() => h.manager.beforeAppend("t", 0)).toThrow(UnknownTopicOrPartitionError);
    expect(h.manager.state).toBe("ABORTABLE_ERROR");
    expect(h.cluster.sent("EndTxn")).toEqual([]);
  });

  test("records not sent yet fail at the next drain instead of being written", async () => {
    const h = await abortable();
    expect(h.manager.beforeDrain(Date.now())).toBe(true);
    expect(h.failedUnsent).toHaveLength(1);
    expect(h.failedUnsent[0]).toBeInstanceOf(TransactionAbortedError);
    expect(h.failedUnsent[0]!.message).toContain("its transaction must be aborted");
  });

  test("abort brings it back to READY, and the next transaction commits", async () => {
    const h = await abortable();
    await h.manager.abortTransaction();
    expect(h.manager.state).toBe("READY");
    h.manager.beginTransaction();
    h.manager.checkSend();
    append(h, "t", 0);
    await until(() => h.allowed("t", 0), "t-0 to join again");
    await h.manager.commitTransaction();
    expect(h.cluster.sent("EndTxn").map((r) => r.fields.committed)).toEqual([false, true]);
  });

  test("a send refused for a timeout makes it abortable; a bad input does not", async () => {
    const h = await inTransaction();
    h.manager.onSendError(new TypeError("not a record"));
    expect(h.manager.state).toBe("IN_TRANSACTION");
    h.manager.onSendError(apiError(ErrorCode.INVALID_TXN_STATE));
    expect(h.manager.state).toBe("ABORTABLE_ERROR");
    expect(() => h.manager.checkSend()).toThrow(InvalidTxnStateError);
  });

  test("lost sequences: the abort bumps the epoch with InitProducerId (KIP-360)", async () => {
    const h = await inTransaction();
    h.manager.onAbortableError(apiError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
    expect(h.manager.state).toBe("ABORTABLE_ERROR");
    await h.manager.abortTransaction();
    const [, bump] = h.cluster.sent("InitProducerId");
    expect(bump!.fields).toMatchObject({ producerId: 1000n, epoch: 0 });
    expect(h.idempotence.producerIdAndEpoch).toEqual({ producerId: 1000n, epoch: 1 });
    expect(h.manager.state).toBe("READY");
  });
});

describe("fatal errors", () => {
  async function expectFatal(h: TxnHarness, error: unknown, type: new (...a: never[]) => Error): Promise<void> {
    expect(error).toBeInstanceOf(type);
    expect(h.manager.state).toBe("FATAL_ERROR");
    expect(h.manager.beforeDrain(Date.now())).toBe(false); // nothing more is produced
    expect(h.idempotence.fatalError).toBe(error as never);
    expect(() => h.manager.beginTransaction()).toThrow(error as Error);
    expect(() => h.manager.abortTransaction()).toThrow(error as Error);
    expect(() => h.manager.checkSend()).toThrow(error as Error);
    expect((await outcome(h.manager.finishOnClose())).status).toBe("fulfilled"); // close() still works
  }

  test("PRODUCER_FENCED on EndTxn: the commit fails with ProducerFencedError naming the transactional id", async () => {
    const h = await inTransaction();
    h.cluster.script("EndTxn", { errorCode: ErrorCode.PRODUCER_FENCED });
    const error = await failure(() => h.manager.commitTransaction());
    expect(error.message).toStartWith('Transactional id "txn" was fenced: a newer producer with the same transactional id exists');
    await expectFatal(h, error, ProducerFencedError);
  });

  test("INVALID_PRODUCER_EPOCH on EndTxn is fencing too", async () => {
    const h = await inTransaction();
    h.cluster.script("EndTxn", { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    const error = await failure(() => h.manager.abortTransaction());
    expect(error.message).toContain("(INVALID_PRODUCER_EPOCH)");
    await expectFatal(h, error, ProducerFencedError);
  });

  test("PRODUCER_FENCED on InitProducerId fails initTransactions for good", async () => {
    const h = txnHarness();
    open.push(h);
    h.cluster.script("InitProducerId", { errorCode: ErrorCode.PRODUCER_FENCED });
    const error = await failure(() => h.manager.initTransactions());
    await expectFatal(h, error, ProducerFencedError);
    expect(() => h.manager.initTransactions()).toThrow(error);
  });

  test("TRANSACTIONAL_ID_AUTHORIZATION_FAILED is fatal, from InitProducerId or FindCoordinator", async () => {
    for (const api of ["InitProducerId", "FindCoordinator"]) {
      const h = txnHarness();
      open.push(h);
      h.cluster.script(api, { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED });
      const error = await failure(() => h.manager.initTransactions());
      await expectFatal(h, error, TransactionalIdAuthorizationError);
      expect(h.cluster.sent(api)).toHaveLength(1); // not retried
    }
  });

  test("a fatal batch error (fenced while producing) ends the transaction for good", async () => {
    const h = await inTransaction();
    const error = apiError(ErrorCode.PRODUCER_FENCED);
    h.manager.onBatchFailed(aBatch, error);
    await expectFatal(h, error, ProducerFencedError);
    expect(await failure(() => h.manager.commitTransaction())).toBe(error);
  });
});
