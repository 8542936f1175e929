/**
 * Transactions, as Java's `TransactionManager` (transactional half): the state
 * machine, and when it sends which coordinator request (the requests
 * themselves are built in `transaction_requests.ts`).
 *
 * ```
 * UNINITIALIZED ─initTransactions→ READY ─beginTransaction→ IN_TRANSACTION ─commit→ COMMITTING ─EndTxn→ READY
 *                                               │  a record failed: ABORTABLE_ERROR ─abort→ ABORTING ─EndTxn→ READY
 *                                               └ fenced, unauthorized, unsupported: FATAL_ERROR (close the producer)
 * ```
 *
 * Transactions v1: a partition is added with AddPartitionsToTxn before its
 * first Produce (Produce is capped at v11); offsets need AddOffsetsToTxn before
 * TxnOffsetCommit. Transactions v2 (KIP-890, `transaction.version` ≥ 2, Kafka 4's
 * default): Produce v12 adds partitions implicitly, TxnOffsetCommit v5 needs no
 * AddOffsetsToTxn, and EndTxn v5 returns the producer id/epoch to use next.
 *
 * @module
 */

import { ApiError, type KafkaError, RecordTooLargeError, TimeoutError, TransactionAbortedError, TransactionStateError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { NetworkClient } from "../network/client.ts";
import type { ProducerBatch } from "./batch.ts";
import type { Coordinators } from "./coordinator.ts";
import { type Idempotence, isFatal } from "./idempotence.ts";
import type { SenderHooks } from "./sender_context.ts";
import { type GroupMetadata, isFencing, type TransactionOffsets, TransactionRequests } from "./transaction_requests.ts";
import { notSendable, requireState, type TransactionState } from "./transaction_state.ts";

// The parameter types of sendOffsetsToTransaction(), defined with the requests that carry them.
export type { GroupMetadata, TransactionOffsets };

export type { TransactionState };

/** What the transaction manager needs from the producer. */
export interface TransactionContext {
  transactionalId: string;
  transactionTimeoutMs: number;
  maxBlockMs: number;
  idempotence: Idempotence;
  coordinators: Coordinators;
  client: NetworkClient;
  logger: Logger;
  wakeup: () => void;
  /** Resolves when every record sent so far has settled (flush). */
  settleAll: () => Promise<void>;
  /** Fails records not yet sent (queued in the pipeline or the accumulator). */
  failUnsent: (error: KafkaError) => void;
}

/**
 * The transactional state machine of one producer.
 *
 * @example Driven by the producer
 * ```ts ignore
 * await manager.initTransactions();
 * manager.beginTransaction();
 * // sends …
 * await manager.commitTransaction();
 * ```
 */
export class TransactionManager implements SenderHooks {
  /** The producer's parts this manager drives; never changes. */
  readonly #c: TransactionContext;
  /** Builds and sends the coordinator requests; holds no state. */
  readonly #requests: TransactionRequests;
  /** Where the transaction is: every public method checks it, only this class moves it. */
  #state: TransactionState = "UNINITIALIZED";
  /** Why the producer is in ABORTABLE_ERROR or FATAL_ERROR. */
  #lastError: KafkaError | null = null;
  /** Transactions v2 for the current transaction (decided at begin). */
  #v2 = false;
  /** Partitions in the transaction (v1: after AddPartitionsToTxn; v2: at first send). */
  readonly #added = new Set<string>();
  /** Partitions waiting for AddPartitionsToTxn (v1). */
  readonly #pending = new Set<string>();
  /** An AddPartitionsToTxn is under way (v1): at most one at a time, set and cleared only by #addPartitions. */
  #addInFlight = false;
  /** The AddPartitionsToTxn under way (v1): an abort waits for it before deciding on EndTxn. */
  #adding: Promise<void> | null = null;
  /** Whether the transaction wrote anything (records or offsets) — else EndTxn is not needed. */
  #started = false;
  /** The commit/abort/init under way, so a call repeated after a timeout resumes it. */
  #operation: Promise<void> | null = null;
  /** sendOffsetsToTransaction() calls not settled yet; commit and abort wait for them. Changed only there. */
  readonly #offsetsUnderWay = new Set<Promise<void>>();
  /** A v1 abort must bump the epoch afterwards (sequences of a partition were lost). */
  #bumpAfterAbort = false;

  constructor(context: TransactionContext) {
    this.#c = context;
    this.#requests = new TransactionRequests(context);
    context.idempotence.partitionAllowed = (b) => this.#added.has(key(b.topic, b.partition));
  }

  /** The current state (see the module's diagram). */
  get state(): TransactionState {
    return this.#state;
  }

  /** Whether transactions v2 (KIP-890) are in use. */
  get isV2(): boolean {
    return this.#v2;
  }

  /** Gets the producer id (fencing older producers with this id) and readies transactions. */
  initTransactions(): Promise<void> {
    if (this.#state === "INITIALIZING" && this.#operation) return this.#operation;
    this.#require(["UNINITIALIZED", "INITIALIZING"], "initTransactions");
    this.#state = "INITIALIZING";
    return this.#run(async () => {
      await this.#initProducerId(Date.now() + this.#c.maxBlockMs, false);
      this.#v2 = this.#detectV2();
      this.#c.logger.info("Transactions ready", { transactionalId: this.#c.transactionalId, transactionVersion: this.#v2 ? 2 : 1 });
      this.#state = "READY";
    });
  }

  /** Starts a transaction (local only: nothing is sent until the first record). */
  beginTransaction(): void {
    this.#require(["READY"], "beginTransaction");
    this.#added.clear();
    this.#pending.clear();
    this.#started = false;
    this.#v2 = this.#detectV2();
    this.#state = "IN_TRANSACTION";
  }

  /** Called by send(): a record may only join an open transaction. */
  checkSend(): void {
    if (this.#state !== "IN_TRANSACTION") this.#throwNotSendable();
  }

  /**
   * Called for every record before it is appended: the partition joins the
   * transaction. A record accepted by send() while the transaction was open may
   * get here later (after waiting for metadata or memory), once the commit has
   * started: it still belongs to the transaction the commit flushes.
   */
  beforeAppend(topic: string, partition: number): void {
    if (this.#state !== "IN_TRANSACTION" && this.#state !== "COMMITTING") this.#throwNotSendable();
    const k = key(topic, partition);
    if (this.#added.has(k)) return;
    // As Java's `transactionStarted`: v2 starts with the first record; v1 once AddPartitionsToTxn succeeded.
    if (this.#v2) {
      this.#added.add(k);
      this.#started = true;
    } else if (!this.#pending.has(k)) {
      this.#pending.add(k);
      this.#c.wakeup();
    }
  }

  #throwNotSendable(): never {
    throw notSendable(this.#state, this.#lastError);
  }

  /** Adds consumed offsets to the transaction (committed with it). */
  sendOffsetsToTransaction(offsets: TransactionOffsets, group: GroupMetadata): Promise<void> {
    this.#require(["IN_TRANSACTION"], "sendOffsetsToTransaction");
    const g = typeof group === "string" ? { groupId: group } : group;
    const c = this.#c;
    const deadline = Date.now() + c.maxBlockMs;
    const sending = this.#guard(async () => {
      const producer = c.idempotence.producerIdAndEpoch;
      try {
        if (this.#v2) this.#started = true;
        else {
          await this.#requests.addOffsets({ producer, groupId: g.groupId, deadline });
          this.#started = true;
        }
        await this.#requests.commitOffsets({ producer, offsets, group: g, v2: this.#v2, deadline });
      } catch (error) {
        // Unlike a commit, offsets that timed out are not resumed: committing the transaction without
        // them would lose them (the input would be read again), so it can only be aborted now.
        if (error instanceof TimeoutError) this.#abortable(error);
        throw error;
      }
    });
    // commit/abort wait for it: ending the transaction first could commit it without these offsets.
    this.#offsetsUnderWay.add(sending);
    void sending.finally(() => this.#offsetsUnderWay.delete(sending)).catch(() => {});
    return sending;
  }

  /** Sends everything, then commits. Fails (and the transaction must be aborted) if any record failed. */
  commitTransaction(): Promise<void> {
    if (this.#state === "COMMITTING" && this.#operation) return this.#operation;
    if (this.#state === "ABORTABLE_ERROR") {
      return Promise.reject(new TransactionStateError(
        `Cannot commit: a previous transactional operation failed (${this.#lastError?.message}); abort the transaction`,
        { cause: this.#lastError },
      ));
    }
    // COMMITTING without an operation: an earlier call timed out; resume it.
    this.#require(["IN_TRANSACTION", "COMMITTING"], "commitTransaction");
    this.#state = "COMMITTING";
    return this.#run(async () => {
      await this.#c.settleAll();
      await Promise.allSettled([...this.#offsetsUnderWay]);
      if (this.#state !== "COMMITTING") throw this.#lastError ?? new TransactionStateError("The commit was interrupted");
      // As Java: nothing reached the coordinator (no partition, no offsets) → no EndTxn.
      if (this.#started) await this.#endTxn(true, Date.now() + this.#c.maxBlockMs);
      this.#state = "READY";
    });
  }

  /** Fails what is not sent yet, waits for what is in flight, then aborts. */
  abortTransaction(): Promise<void> {
    if (this.#state === "ABORTING" && this.#operation) return this.#operation;
    this.#require(["IN_TRANSACTION", "ABORTABLE_ERROR", "ABORTING"], "abortTransaction");
    this.#state = "ABORTING";
    return this.#run(async () => {
      this.#c.failUnsent(new TransactionAbortedError("The record was not sent: its transaction was aborted"));
      await this.#c.settleAll();
      await Promise.allSettled([...this.#offsetsUnderWay]);
      await this.#adding; // an AddPartitionsToTxn under way decides whether the transaction started (never rejects)
      const deadline = Date.now() + this.#c.maxBlockMs;
      if (this.#started) await this.#endTxn(false, deadline);
      if (this.#bumpAfterAbort || this.#c.idempotence.epochBumpRequired) await this.#initProducerId(deadline, true);
      this.#lastError = null;
      this.#state = "READY";
    });
  }

  /**
   * What `close()` does with the current transaction: an open one is aborted
   * (as Java), a commit under way is waited for (it cannot be aborted once
   * EndTxn may have reached the coordinator; a commit that timed out earlier
   * is resumed), an abort under way is waited for. Never throws synchronously.
   */
  finishOnClose(): Promise<void> {
    return Promise.resolve().then(() => {
      switch (this.#state) {
        case "IN_TRANSACTION":
        case "ABORTABLE_ERROR":
        case "ABORTING":
          return this.abortTransaction();
        case "COMMITTING":
          return this.commitTransaction();
        default:
          return undefined;
      }
    });
  }

  /** Whether a transaction is open (close() aborts it). */
  get inTransaction(): boolean {
    return this.#state === "IN_TRANSACTION" || this.#state === "ABORTABLE_ERROR" || this.#state === "COMMITTING";
  }

  // SenderHooks

  beforeDrain(_now: number): boolean {
    // COMMITTING too: records sent just before commit() still need their partitions added.
    if (!this.#v2 && this.#pending.size > 0 && !this.#addInFlight && (this.#state === "IN_TRANSACTION" || this.#state === "COMMITTING")) {
      this.#adding = this.#addPartitions().finally(() => (this.#adding = null));
    }
    if (this.#state === "ABORTABLE_ERROR") {
      // As Java's abortUndrainedBatches: the transaction can only be aborted now, so records not
      // sent yet must not be written and reported as delivered.
      this.#c.failUnsent(new TransactionAbortedError(
        `The record was not sent: its transaction must be aborted (${this.#lastError?.message ?? "an earlier operation failed"})`,
        { cause: this.#lastError ?? undefined },
      ));
    }
    return this.#state !== "FATAL_ERROR";
  }

  produceVersionCap(_nodeId: number): number {
    return this.#v2 ? 12 : 11;
  }

  onBatchFailed(_batch: ProducerBatch, error: Error): void {
    this.#recordFailed(error as KafkaError);
  }

  /**
   * A record failed in send(), before reaching a batch. As Java's
   * `KafkaProducer.doSend` (ApiException → `maybeTransitionToErrorState`): broker
   * errors, timeouts (metadata, buffer memory) and RecordTooLarge make the
   * transaction abortable; client-side input errors (serialization, bad partition),
   * state errors and aborted records do not.
   */
  onSendError(error: Error): void {
    if (error instanceof ApiError || error instanceof TimeoutError || error instanceof RecordTooLargeError) this.#recordFailed(error);
  }

  /** A record of the transaction failed: a fatal error ends the producer, any other makes the transaction abortable. */
  #recordFailed(error: KafkaError): void {
    if (isFatal(error)) this.#fatal(error);
    else if (this.#state === "IN_TRANSACTION" || this.#state === "COMMITTING") this.#abortable(error);
  }

  onAbortableError(error: KafkaError): void {
    this.#bumpAfterAbort = true;
    this.#abortable(error);
  }

  // internals

  async #initProducerId(deadline: number, bump: boolean): Promise<void> {
    const c = this.#c;
    const next = await this.#requests.initProducerId({ bump: bump ? c.idempotence.producerIdAndEpoch : null, deadline });
    c.idempotence.resetProducerId();
    c.idempotence.setProducerIdAndEpoch(next);
    this.#bumpAfterAbort = false;
    c.logger.info("Transactional producer ready", { transactionalId: c.transactionalId, producerId: String(next.producerId), epoch: next.epoch });
  }

  async #endTxn(commit: boolean, deadline: number): Promise<void> {
    const c = this.#c;
    const next = await this.#requests.endTxn({ producer: c.idempotence.producerIdAndEpoch, commit, v2: this.#v2, deadline });
    // EndTxn v5 (transactions v2): the epoch moves on with every transaction.
    if (next !== null) c.idempotence.setProducerIdAndEpoch(next);
    this.#added.clear();
  }

  async #addPartitions(): Promise<void> {
    const c = this.#c;
    const batch = [...this.#pending];
    this.#addInFlight = true;
    const partitions = batch.map((k) => {
      const [topic, p] = k.split("\0") as [string, string];
      return { topic, partition: Number(p) };
    });
    try {
      await this.#requests.addPartitions({ producer: c.idempotence.producerIdAndEpoch, partitions, deadline: Date.now() + c.maxBlockMs });
      for (const k of batch) {
        this.#pending.delete(k);
        this.#added.add(k);
      }
      this.#started = true;
    } catch (error) {
      const e = error as KafkaError;
      if (isFatal(e) || isFencing(e)) this.#fatal(e);
      else this.#abortable(e);
      // Records for partitions that could not be added will never be sent: fail them.
      c.failUnsent(e);
    } finally {
      this.#addInFlight = false;
      c.wakeup();
    }
  }

  #detectV2(): boolean {
    return this.#requests.supportsV2() ?? this.#v2;
  }

  /** Runs a state-changing operation; repeated calls share it until it settles. */
  #run(op: () => Promise<void>): Promise<void> {
    const p = this.#guard(op).finally(() => {
      if (this.#operation === p) this.#operation = null;
    });
    this.#operation = p;
    return p;
  }

  /** Runs an operation; errors move the state machine (fatal or abortable) before they reach the caller. */
  async #guard(op: () => Promise<void>): Promise<void> {
    try {
      await op();
    } catch (error) {
      const e = error as KafkaError;
      if (isFatal(e) || isFencing(e)) this.#fatal(e);
      else if (!e.retriable && this.#state !== "ABORTING" && this.#state !== "INITIALIZING") this.#abortable(e);
      throw this.#lastError ?? e;
    }
  }

  #fatal(error: KafkaError): void {
    if (this.#state === "FATAL_ERROR") return;
    this.#state = "FATAL_ERROR";
    this.#lastError = error;
    this.#c.idempotence.fatalError ??= error;
    this.#c.logger.error("Transactional producer failed fatally: close it", { error: error.message });
    this.#c.wakeup();
  }

  #abortable(error: KafkaError): void {
    if (this.#state === "FATAL_ERROR" || this.#state === "ABORTING") return;
    this.#state = "ABORTABLE_ERROR";
    this.#lastError = error;
  }

  #require(states: TransactionState[], method: string): void {
    requireState(this.#state, states, method, this.#lastError);
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\0${partition}`;
}

