/**
 * What `tests/e2e/scenarios/hostile.ts` reports (one JSON line) and
 * `tests/e2e/hostile_broker.test.ts` judges.
 *
 * @module
 */

import type { Fault } from "../../helpers/hostile_connect.ts";

/** One round: a producer with its own settings and its own hostile transport. */
export interface RoundReport {
  name: string;
  seed: number;
  sends: number;
  /** Sends whose promise or callback settled, once each. */
  settled: number;
  succeeded: number;
  /** Error class names and how many sends failed with each. */
  errors: Record<string, number>;
  /** Failures with something other than a `KafkaError` (described; should be none). */
  untyped: string[];
  /** Successes whose record metadata does not describe the record (described; should be none). */
  badMetadata: string[];
  /** Indexes of the sends that succeeded (each record's value starts with "ROUND/INDEX/"). */
  acknowledged: number[];
  /** Whether a success means the broker has the record (acks is not 0). */
  durable: boolean;
  /** Sends settled more than once (a callback called twice). */
  settledTwice: number;
  /** Sends not settled when the round gave up waiting (nothing should be). */
  unsettled: number;
  /** The longest time from `send()` to its outcome, ms. */
  maxSettleMs: number;
  /** How long `flush()` after the last send took, ms (-1: it did not return in time; null: not called). */
  flushMs: number | null;
  /** How long `close()` took, ms (-1: it did not return in time). */
  closeMs: number;
  /** `buffer.memory` as configured, and `buffer-available-bytes` and `buffer-total-bytes` after close. */
  bufferMemory: number;
  availableBytes: number;
  totalBytes: number;
  /** What `send()` after `close()` rejected with. */
  sendAfterClose: string | null;
  /** Transactional rounds: how `initTransactions()`, commits and aborts went. */
  transactions: TransactionsReport | null;
  /** Sockets opened and closed through the hostile transport, response frames seen, faults applied. */
  opened: number;
  closed: number;
  frames: number;
  faults: Record<Fault, number>;
}

/** A transactional round's calls and how its transactions ended. */
export interface TransactionsReport {
  /** `initTransactions()` calls until one succeeded (each waits at most `max.block.ms`). */
  initAttempts: number;
  /** Whether one succeeded (else the round's sends fail at once, as they must before it). */
  ready: boolean;
  committed: number;
  aborted: number;
  /** Transactions neither committed nor aborted (the producer reached a fatal state). */
  abandoned: number;
  /** How each transaction ended, in order; transaction n holds the sends from n × `perTransaction`. */
  ended: Array<"committed" | "aborted" | "abandoned">;
  perTransaction: number;
  /** "call: error class" of failed `initTransactions()`, begins, commits and aborts, and how often. */
  errors: Record<string, number>;
  /** Transactional calls that did not return in time, or failed with something other than a `KafkaError`. */
  problems: string[];
}

/** The whole run: its rounds, the clean producer afterwards, and what escaped to the runtime. */
export interface HostileReport {
  ok: boolean;
  runtime: string;
  seed: number;
  rounds: RoundReport[];
  clean: { sends: number; succeeded: number; errors: string[]; closeMs: number };
  unhandledRejections: string[];
  uncaughtExceptions: string[];
  ms: number;
  error?: string;
}
