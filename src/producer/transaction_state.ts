/**
 * The states of the transactional producer (`./transactions.ts` moves
 * between them) and the errors of a call made in the wrong one.
 *
 * @module
 */

import { type KafkaError, TransactionStateError } from "../errors.ts";

/** The states of a transactional producer. */
export type TransactionState =
  | "UNINITIALIZED" | "INITIALIZING" | "READY" | "IN_TRANSACTION"
  | "COMMITTING" | "ABORTING" | "ABORTABLE_ERROR" | "FATAL_ERROR";

/**
 * Why a record cannot be sent in `state`: the error that broke the
 * transaction if there is one, else what to call first.
 *
 * @example Usage
 * ```ts
 * import { notSendable } from "./transaction_state.ts";
 * console.assert(notSendable("READY", null).message.includes("call beginTransaction() first"));
 * ```
 */
export function notSendable(state: TransactionState, lastError: KafkaError | null): KafkaError {
  if (lastError !== null) return lastError;
  return new TransactionStateError(
    state === "READY"
      ? "Cannot send a record outside a transaction: call beginTransaction() first"
      : state === "UNINITIALIZED"
      ? "Cannot send a record before initTransactions() completed"
      : `Cannot send a record while the transaction is in state "${state}"`,
  );
}

/**
 * Throws unless `state` is one of `states`: the fatal error in FATAL_ERROR,
 * else a `TransactionStateError` naming `method` and the state.
 *
 * @example Usage
 * ```ts
 * import { requireState } from "./transaction_state.ts";
 * requireState("READY", ["READY"], "beginTransaction", null); // allowed: no throw
 * ```
 */
export function requireState(state: TransactionState, states: readonly TransactionState[], method: string, lastError: KafkaError | null): void {
  if (states.includes(state)) return;
  if (state === "FATAL_ERROR" && lastError !== null) throw lastError;
  throw new TransactionStateError(`Cannot call ${method}() in transaction state "${state}"`);
}
