/**
 * The transaction manager against coordinator errors, AddPartitionsToTxn's
 * per-partition errors, offsets, and transactions v2 (KIP-890), over a
 * scripted in-memory cluster (support/txn_broker.ts): as Java's
 * `TransactionManager` handlers, NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE
 * find the coordinator again and retry, CONCURRENT_TRANSACTIONS and
 * COORDINATOR_LOAD_IN_PROGRESS retry with backoff at the same one, fencing
 * and authorization errors are fatal.
 */

import { afterEach, describe, expect, test } from "bun:test";
import { TimeoutError, TransactionStateError } from "../../src/errors.ts";
import { TopicAuthorizationError } from "../../src/protocol/api_error_classes.ts";
import { ProducerFencedError } from "../../src/protocol/api_error_classes_txn.ts";
import { ErrorCode } from "../../src/protocol/error_codes.ts";
import { append, type TxnHarness, txnHarness, until } from "./support/txn_broker.ts";

const open: TxnHarness[] = [];
afterEach(() => {
  for (const h of open.splice(0)) h.close();
});

function harness(options: Parameters<typeof txnHarness>[0] = {}): TxnHarness {
  const h = txnHarness(options);
  open.push(h);
  return h;
}

async function inTransaction(options: Parameters<typeof txnHarness>[0] = {}): Promise<TxnHarness> {
  const h = harness(options);
  await h.manager.initTransactions();
  h.manager.beginTransaction();
  return h;
}

async function failure(call: () => unknown): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a failure");
}

const nodes = (h: TxnHarness, api: string) => h.cluster.sent(api).map((r) => r.node);

describe("coordinator errors", () => {
  test("COORDINATOR_NOT_AVAILABLE from FindCoordinator: looked up again until found", async () => {
    const h = harness();
    h.cluster.script("FindCoordinator", { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }, { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS });
    await h.manager.initTransactions();
    expect(h.cluster.sent("FindCoordinator")).toHaveLength(3);
    expect(h.manager.state).toBe("READY");
  });

  for (const [name, code] of [["NOT_COORDINATOR", ErrorCode.NOT_COORDINATOR], ["COORDINATOR_NOT_AVAILABLE", ErrorCode.COORDINATOR_NOT_AVAILABLE]] as const) {
    test(`${name} from EndTxn: the coordinator is found again (it moved) and EndTxn retried there`, async () => {
      const h = await inTransaction();
      append(h, "t", 0);
      await until(() => h.allowed("t", 0), "t-0 to join");
      h.cluster.script("FindCoordinator", { nodeId: 3 });
      h.cluster.script("EndTxn", { errorCode: code });
      await h.manager.commitTransaction();
      expect(nodes(h, "EndTxn")).toEqual([1, 3]);
      expect(h.cluster.sent("FindCoordinator")).toHaveLength(2);
      expect(h.manager.state).toBe("READY");
    });
  }

  test("NOT_COORDINATOR from InitProducerId and AddPartitionsToTxn: re-found each time", async () => {
    const h = harness();
    h.cluster.script("FindCoordinator", { nodeId: 1 }, { nodeId: 2 }, { nodeId: 3 });
    h.cluster.script("InitProducerId", { errorCode: ErrorCode.NOT_COORDINATOR });
    h.cluster.script("AddPartitionsToTxn", { errorCode: ErrorCode.NOT_COORDINATOR });
    await h.manager.initTransactions();
    h.manager.beginTransaction();
    append(h, "t", 0);
    await until(() => h.allowed("t", 0), "t-0 to join");
    expect(nodes(h, "InitProducerId")).toEqual([1, 2]);
    expect(nodes(h, "AddPartitionsToTxn")).toEqual([2, 3]);
  });

  test("CONCURRENT_TRANSACTIONS: retried at the same coordinator after a backoff", async () => {
    const h = await inTransaction({ retryBackoffMs: 40 });
    append(h, "t", 0);
    await until(() => h.allowed("t", 0), "t-0 to join");
    h.cluster.script("EndTxn", { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS }, { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS });
    await h.manager.commitTransaction();
    const [first, second, third] = h.cluster.sent("EndTxn");
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(30); // 40 ms ± 20 %
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(60); // exponential: 80 ms ± 20 %
    expect(h.cluster.sent("FindCoordinator")).toHaveLength(1);
    expect(h.manager.state).toBe("READY");
  });

  test("retries end at max.block.ms with a TimeoutError carrying the last error; the commit can be resumed", async () => {
    const h = await inTransaction({ maxBlockMs: 150 });
    append(h, "t", 0);
    await until(() => h.allowed("t", 0), "t-0 to join");
    h.cluster.script("EndTxn", ...Array.from({ length: 100 }, () => ({ errorCode: ErrorCode.CONCURRENT_TRANSACTIONS })));
    const error = await failure(() => h.manager.commitTransaction());
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toStartWith('EndTxn (commit) did not complete before the deadline ("max.block.ms"): ');
    expect(h.manager.state).toBe("COMMITTING"); // a timeout is not an outcome: calling again resumes the commit
    h.cluster.unscript("EndTxn");
    await h.manager.commitTransaction();
    expect(h.manager.state).toBe("READY");
    expect(h.cluster.sent("EndTxn").every((r) => r.fields.committed === true)).toBe(true);
  });

  test("PRODUCER_FENCED from AddPartitionsToTxn is fatal, and the records waiting for it fail", async () => {
    const h = await inTransaction();
    h.cluster.script("AddPartitionsToTxn", { errorCode: ErrorCode.PRODUCER_FENCED });
    append(h, "t", 0);
    await until(() => h.manager.state === "FATAL_ERROR", "the fatal state");
    expect(h.failedUnsent[0]).toBeInstanceOf(ProducerFencedError);
    expect(h.allowed("t", 0)).toBe(false);
  });

  for (const [api, code] of [["AddOffsetsToTxn", ErrorCode.INVALID_PRODUCER_EPOCH], ["TxnOffsetCommit", ErrorCode.PRODUCER_FENCED]] as const) {
    test(`fencing from ${api} fails sendOffsetsToTransaction() with a fatal ProducerFencedError`, async () => {
      const h = await inTransaction();
      h.cluster.script(api, { errorCode: code });
      const error = await failure(() => h.manager.sendOffsetsToTransaction({ in: { 0: 1 } }, "g"));
      expect(error).toBeInstanceOf(ProducerFencedError);
      expect(error.message).toStartWith('Transactional id "txn" was fenced');
      expect(h.manager.state).toBe("FATAL_ERROR");
    });
  }
});

describe("AddPartitionsToTxn per-partition errors", () => {
  test("the partition's real error is reported, not OPERATION_NOT_ATTEMPTED; the transaction is abortable", async () => {
    const h = await inTransaction();
    h.cluster.script("AddPartitionsToTxn", {
      errorCode: ErrorCode.OPERATION_NOT_ATTEMPTED,
      partitions: { "secret-0": ErrorCode.TOPIC_AUTHORIZATION_FAILED },
    });
    h.manager.beforeAppend("t", 0);
    append(h, "secret", 0);
    await until(() => h.manager.state === "ABORTABLE_ERROR", "the abortable state");
    expect(h.failedUnsent[0]).toBeInstanceOf(TopicAuthorizationError); // then each drain fails what is left: aborted
    expect(h.allowed("t", 0) || h.allowed("secret", 0)).toBe(false); // neither was added
    expect(() => h.manager.checkSend()).toThrow(TopicAuthorizationError);
    await h.manager.abortTransaction();
    expect(h.cluster.sent("EndTxn")).toEqual([]); // nothing reached the transaction
    expect(h.manager.state).toBe("READY");
  });

  test("a partition's CONCURRENT_TRANSACTIONS retries the request; then every partition is added", async () => {
    const h = await inTransaction();
    h.cluster.script("AddPartitionsToTxn", { partitions: { "t-1": ErrorCode.CONCURRENT_TRANSACTIONS } });
    h.manager.beforeAppend("t", 0);
    append(h, "t", 1);
    await until(() => h.allowed("t", 0) && h.allowed("t", 1), "both to join");
    expect(h.cluster.sent("AddPartitionsToTxn")).toHaveLength(2);
    expect(h.manager.state).toBe("IN_TRANSACTION");
  });

  test("a partition's INVALID_PRODUCER_EPOCH is fencing: fatal ProducerFencedError", async () => {
    const h = await inTransaction();
    h.cluster.script("AddPartitionsToTxn", { partitions: { "t-0": ErrorCode.INVALID_PRODUCER_EPOCH } });
    append(h, "t", 0);
    await until(() => h.manager.state === "FATAL_ERROR", "the fatal state");
    expect(h.failedUnsent[0]).toBeInstanceOf(ProducerFencedError);
    expect(h.failedUnsent[0]!.message).toContain('Transactional id "txn" was fenced');
  });
});

describe("offsets in a transaction", () => {
  test("v1: AddOffsetsToTxn to the transaction coordinator, then TxnOffsetCommit v4 to the group's", async () => {
    const h = await inTransaction({ maxVersions: { 28: 5 } }); // the broker speaks v5, but not transactions v2
    h.cluster.script("FindCoordinator", { nodeId: 2 }); // the group's coordinator
    await h.manager.sendOffsetsToTransaction({ in: { 0: 42n } }, { groupId: "g", generationId: 3, memberId: "m" });
    expect(h.cluster.sent("AddOffsetsToTxn")[0]!.fields).toEqual({ transactionalId: "txn", producerId: 1000n, epoch: 0, groupId: "g" });
    expect(h.cluster.sent("FindCoordinator")[1]!.fields).toEqual({ keyType: 0, keys: ["g"] });
    const commit = h.cluster.sent("TxnOffsetCommit")[0]!;
    expect([commit.node, commit.version, commit.fields.groupId]).toEqual([2, 4, "g"]);
    await h.manager.commitTransaction();
    expect(h.cluster.sent("EndTxn")).toHaveLength(1); // the offsets alone started the transaction
  });

  test("a partition error of TxnOffsetCommit fails the call and makes the transaction abortable", async () => {
    const h = await inTransaction();
    h.cluster.script("TxnOffsetCommit", { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
    expect(await failure(() => h.manager.sendOffsetsToTransaction({ in: { 0: 1 } }, "g"))).toBeInstanceOf(TopicAuthorizationError);
    expect(h.manager.state).toBe("ABORTABLE_ERROR");
  });

  test("offsets that timed out cannot be committed without: the transaction must be aborted", async () => {
    const h = await inTransaction({ maxBlockMs: 100 });
    append(h, "t", 0);
    await until(() => h.allowed("t", 0), "t-0 to join");
    h.cluster.script("TxnOffsetCommit", ...Array.from({ length: 100 }, () => ({ errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS })));
    const error = await failure(() => h.manager.sendOffsetsToTransaction({ in: { 0: 7 } }, "g"));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(h.manager.state).toBe("ABORTABLE_ERROR");
    expect(await failure(() => h.manager.commitTransaction())).toBeInstanceOf(TransactionStateError);
    await h.manager.abortTransaction();
    expect(h.cluster.sent("EndTxn").map((r) => r.fields.committed)).toEqual([false]);
  });

  test("commit waits for offsets under way before EndTxn", async () => {
    const h = await inTransaction();
    h.cluster.script("TxnOffsetCommit", { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS });
    const offsets = h.manager.sendOffsetsToTransaction({ in: { 0: 7 } }, "g");
    await h.manager.commitTransaction();
    await offsets;
    const order = h.cluster.requests.map((r) => r.api).filter((a) => a === "TxnOffsetCommit" || a === "EndTxn");
    expect(order).toEqual(["TxnOffsetCommit", "TxnOffsetCommit", "EndTxn"]);
  });
});

describe("transactions v2 (KIP-890)", () => {
  test("detected from the coordinator's finalized transaction.version, Produce v12 and EndTxn v5", async () => {
    const v2 = await inTransaction({ v2: true });
    expect(v2.manager.isV2).toBe(true);
    expect(v2.manager.produceVersionCap(1)).toBe(12);
    const olderApis: Array<Record<number, number>> = [{ 26: 4 }, { 0: 11 }]; // the feature alone is not enough
    for (const maxVersions of olderApis) {
      const h = await inTransaction({ v2: true, maxVersions });
      expect([h.manager.isV2, h.manager.produceVersionCap(1)]).toEqual([false, 11]);
    }
  });

  test("partitions join with their first record: no AddPartitionsToTxn", async () => {
    const h = await inTransaction({ v2: true });
    append(h, "t", 0);
    expect(h.allowed("t", 0)).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
    expect(h.cluster.sent("AddPartitionsToTxn")).toEqual([]);
  });

  test("EndTxn v5 hands out the epoch of the next transaction, commit and abort alike", async () => {
    const h = await inTransaction({ v2: true });
    append(h, "t", 0);
    await h.manager.commitTransaction();
    expect(h.cluster.sent("EndTxn")[0]!.version).toBe(5);
    expect(h.idempotence.producerIdAndEpoch).toEqual({ producerId: 1000n, epoch: 1 });
    h.manager.beginTransaction();
    append(h, "t", 0);
    await h.manager.abortTransaction();
    expect(h.cluster.sent("EndTxn").map((r) => [r.fields.epoch, r.fields.committed])).toEqual([[0, true], [1, false]]);
    expect(h.idempotence.producerIdAndEpoch).toEqual({ producerId: 1000n, epoch: 2 });
  });

  test("offsets: TxnOffsetCommit v5 without AddOffsetsToTxn", async () => {
    const h = await inTransaction({ v2: true });
    await h.manager.sendOffsetsToTransaction({ in: { 0: 42n } }, "g");
    expect(h.cluster.sent("AddOffsetsToTxn")).toEqual([]);
    expect(h.cluster.sent("TxnOffsetCommit")[0]!.version).toBe(5);
    await h.manager.commitTransaction();
    expect(h.cluster.sent("EndTxn")).toHaveLength(1);
  });
});
