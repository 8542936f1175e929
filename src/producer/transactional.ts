/**
 * The transactional half of `Producer`'s API, as Java's `KafkaProducer`
 * has it: `initTransactions`, `beginTransaction`, `sendOffsetsToTransaction`,
 * `commitTransaction`, `abortTransaction`, and `transaction()` around them.
 * `Producer` extends it (it keeps `producer.ts` to one concept per file);
 * the state machine is `transactions.ts`.
 *
 * @module
 */

import { TransactionStateError } from "../errors.ts";
import type { ProducerEngine } from "./engine.ts";
import { closedError } from "./pipeline.ts";
import type { GroupMetadata, TransactionManager, TransactionOffsets } from "./transactions.ts";

/**
 * The transaction methods of every `Producer`; not constructed on
 * its own. Without `transactional.id` they throw `TransactionStateError`.
 *
 * @example Usage
 * ```ts
 * import { Producer, TransactionalApi } from "@edgekafka/producer";
 * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
 * console.assert(producer instanceof TransactionalApi);
 * ```
 */
export class TransactionalApi {
  readonly #engine: ProducerEngine;

  /** Used by `Producer`'s constructor. */
  protected constructor(engine: ProducerEngine) {
    this.#engine = engine;
  }

  /**
   * Gets the producer id for `transactional.id`, fencing any older producer
   * with the same id, and finishes what it left open. Call once, first.
   *
   * @example Usage
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], transactionalId: "orders-writer-1" });
   * await producer.initTransactions(); // an older "orders-writer-1" is now fenced
   * ```
   *
   * @example Without `transactional.id` it throws
   * ```ts
   * import { Producer, TransactionStateError } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"] });
   * const error = await producer.initTransactions().catch((e) => e);
   * console.assert(error instanceof TransactionStateError);
   * ```
   */
  async initTransactions(): Promise<void> {
    return this.#txn("initTransactions").initTransactions();
  }

  /**
   * Starts a transaction: records sent until commit or abort belong to it.
   *
   * @example Usage
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], transactionalId: "orders-writer-1" });
   * await producer.initTransactions();
   * producer.beginTransaction();
   * await producer.send({ topic: "orders", key: "order-1", value: "created" });
   * await producer.commitTransaction();
   * ```
   */
  beginTransaction(): void {
    this.#txn("beginTransaction").beginTransaction();
  }

  /**
   * Commits consumed offsets with the transaction (consume-transform-produce):
   * `offsets[topic][partition]` is the next offset to consume.
   *
   * @example Usage
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], transactionalId: "enricher-1" });
   * await producer.initTransactions();
   * producer.beginTransaction();
   * await producer.send({ topic: "orders-enriched", key: "order-1", value: "enriched" });
   * // The input record was orders-0 at offset 41: the group goes on from 42 once this commits.
   * await producer.sendOffsetsToTransaction({ orders: { 0: 42n } }, "enricher-group");
   * await producer.commitTransaction();
   * ```
   */
  async sendOffsetsToTransaction(offsets: TransactionOffsets, groupMetadata: GroupMetadata): Promise<void> {
    return this.#txn("sendOffsetsToTransaction").sendOffsetsToTransaction(offsets, groupMetadata);
  }

  /**
   * Sends every record of the transaction, then commits it.
   *
   * @example Usage
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], transactionalId: "orders-writer-1" });
   * await producer.initTransactions();
   * producer.beginTransaction();
   * producer.send({ topic: "orders", value: "a" }, () => {});
   * producer.send({ topic: "orders", value: "b" }, () => {});
   * await producer.commitTransaction(); // both records are delivered first, then committed
   * ```
   */
  async commitTransaction(): Promise<void> {
    return this.#txn("commitTransaction").commitTransaction();
  }

  /**
   * Aborts the transaction: unsent records fail, sent ones are discarded by readers.
   *
   * @example Usage
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], transactionalId: "orders-writer-1" });
   * await producer.initTransactions();
   * producer.beginTransaction();
   * try {
   *   await producer.send({ topic: "orders", value: "a" });
   *   throw new Error("the order is invalid");
   * } catch {
   *   await producer.abortTransaction(); // read_committed consumers never see "a"
   * }
   * ```
   */
  async abortTransaction(): Promise<void> {
    return this.#txn("abortTransaction").abortTransaction();
  }

  /**
   * Runs `fn` in a transaction: commits if it resolves, aborts (and rethrows)
   * if it throws or the commit fails.
   *
   * @example Usage
   * ```ts ignore
   * import { Producer } from "@edgekafka/producer";
   * await using producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], transactionalId: "enricher-1" });
   * await producer.initTransactions();
   * await producer.transaction(async (tx) => {
   *   await tx.send({ topic: "out", value: "v" });
   *   await tx.sendOffsetsToTransaction({ in: { 0: 42n } }, "my-group");
   * });
   * ```
   */
  async transaction<T>(fn: (tx: this) => Promise<T> | T): Promise<T> {
    this.beginTransaction();
    let result: T;
    try {
      result = await fn(this);
      await this.commitTransaction();
    } catch (error) {
      const state = this.#engine.transactions!.state;
      if (state === "IN_TRANSACTION" || state === "ABORTABLE_ERROR" || state === "COMMITTING") {
        await this.abortTransaction().catch((e) => this.#engine.logger.warn("Abort after a failed transaction failed", { error: String(e) }));
      }
      throw error;
    }
    return result;
  }

  #txn(method: string): TransactionManager {
    if (this.#engine.closed) throw closedError();
    const transactions = this.#engine.transactions;
    if (transactions === null) {
      throw new TransactionStateError(
        `Cannot call ${method}(): transactions need the "transactional.id" configuration (and idempotence)`,
      );
    }
    return transactions;
  }
}
