/**
 * Requests to coordinators (the transaction coordinator of a
 * `transactional.id`, the group coordinator of a consumer group): find the
 * coordinator with FindCoordinator, send, and on coordinator errors
 * (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE) find it again and retry; on
 * COORDINATOR_LOAD_IN_PROGRESS and CONCURRENT_TRANSACTIONS retry with backoff
 * — all within a deadline, as Java's `TransactionManager` handlers do.
 *
 * @module
 */

import { backoffMs } from "../backoff.ts";
import { type ApiError, type KafkaError, TimeoutError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { BrokerNode, Metadata } from "../metadata.ts";
import type { NetworkClient } from "../network/client.ts";
import type { Api } from "../protocol/api.ts";
import { apiError } from "../protocol/api_errors.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import { CoordinatorKeyType, FindCoordinator } from "../protocol/find_coordinator.ts";

/** Coordinator errors after which the coordinator must be looked up again. */
const REFIND = new Set<number>([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE]);
/** Errors to retry with backoff at the same coordinator. */
const RETRY = new Set<number>([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.CONCURRENT_TRANSACTIONS]);

/** Settings of a {@linkcode Coordinators}. */
export interface CoordinatorsOptions {
  client: NetworkClient;
  metadata: Metadata;
  logger: Logger;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  /** Wakes the sender (it opens connections and sends metadata requests). */
  wakeup: () => void;
}

/** What a request's response says, for the retry loop. */
export interface Outcome<T> {
  /** The error code that decides retrying (NONE when it succeeded). */
  errorCode: number;
  /** The value to return on success. */
  value?: T;
  /** The broker's message for errors. */
  message?: string | null;
}

/** Why `KeyType` is looked up. */
export type CoordinatorKind = "transaction" | "group";

/**
 * Finds coordinators and sends them requests with Java's retry rules.
 *
 * @example Ending a transaction
 * ```ts ignore
 * await coordinators.request("transaction", txnId, EndTxn, request, (r) => ({ errorCode: r.errorCode }), deadline);
 * ```
 */
export class Coordinators {
  readonly #o: CoordinatorsOptions;
  /** Known coordinators by kind and key. */
  readonly #known = new Map<string, BrokerNode>();

  constructor(options: CoordinatorsOptions) {
    this.#o = options;
  }

  /** Forgets a coordinator (it moved). */
  forget(kind: CoordinatorKind, key: string): void {
    this.#known.delete(`${kind}\0${key}`);
  }

  /** The coordinator of `key`, if known. */
  known(kind: CoordinatorKind, key: string): BrokerNode | undefined {
    return this.#known.get(`${kind}\0${key}`);
  }

  /**
   * Sends `request` to the coordinator of `key` until `interpret` reports
   * success, a non-retriable error (thrown as an `ApiError`), or `deadline`.
   */
  async request<Req, Res, T>(
    kind: CoordinatorKind,
    key: string,
    api: Api<Req, Res>,
    request: Req | ((version: number) => Req),
    interpret: (response: Res) => Outcome<T>,
    deadline: number,
    what: string,
    options: { maxVersion?: number } = {},
  ): Promise<T> {
    let attempt = 0;
    let last: KafkaError | null = null;
    for (;;) {
      if (Date.now() >= deadline) {
        throw new TimeoutError(`${what} did not complete before the deadline ("max.block.ms")${last ? `: ${last.message}` : ""}`, { cause: last });
      }
      try {
        const node = await this.#coordinator(kind, key, deadline);
        const conn = await this.#o.client.connectTo(node);
        const version = conn.version(api as Api<unknown, unknown>, options.maxVersion);
        const body = typeof request === "function" ? (request as (v: number) => Req)(version) : request;
        const response = await this.#o.client.send(node.id, api, body, { version, deadline });
        const outcome = interpret(response);
        if (outcome.errorCode === ErrorCode.NONE) return outcome.value as T;
        const error = apiError(outcome.errorCode, outcome.message ?? null, what);
        if (REFIND.has(outcome.errorCode)) this.forget(kind, key);
        else if (!RETRY.has(outcome.errorCode) && !error.retriable) throw error;
        last = error;
      } catch (error) {
        if (isApiError(error) && !error.retriable) throw error;
        if (!isRetriable(error)) throw error;
        last = error as KafkaError;
        this.forget(kind, key);
      }
      const wait = Math.min(backoffMs(attempt++, this.#o.retryBackoffMs, this.#o.retryBackoffMaxMs), Math.max(0, deadline - Date.now()));
      this.#o.logger.debug("Retrying coordinator request", { what, attempt, error: last?.message });
      await sleep(wait);
    }
  }

  async #coordinator(kind: CoordinatorKind, key: string, deadline: number): Promise<BrokerNode> {
    const cached = this.known(kind, key);
    if (cached !== undefined) return cached;
    const o = this.#o;
    const keyType = kind === "transaction" ? CoordinatorKeyType.TRANSACTION : CoordinatorKeyType.GROUP;
    let attempt = 0;
    for (;;) {
      const node = o.client.leastLoadedNode(o.metadata.nodes, Date.now()) ??
        o.client.leastLoadedNode(o.metadata.bootstrapNodes, Date.now());
      let last: unknown = null;
      if (node !== null) {
        try {
          await o.client.connectTo(node);
          const response = await o.client.send(node.id, FindCoordinator, { keyType, coordinatorKeys: [key] }, { deadline });
          const r = response.coordinators[0];
          if (r !== undefined && r.errorCode === ErrorCode.NONE) {
            const found: BrokerNode = { id: r.nodeId, host: r.host, port: r.port, rack: null };
            this.#known.set(`${kind}\0${key}`, found);
            return found;
          }
          const code = r?.errorCode ?? ErrorCode.COORDINATOR_NOT_AVAILABLE;
          const error = apiError(code, r?.errorMessage ?? null, `FindCoordinator for ${kind} "${key}"`);
          if (!error.retriable) throw error;
          last = error;
        } catch (error) {
          if (!isRetriable(error)) throw error;
          last = error;
        }
      }
      if (Date.now() >= deadline) {
        throw new TimeoutError(`Could not find the ${kind} coordinator of "${key}" before the deadline ("max.block.ms")`, { cause: last });
      }
      o.wakeup();
      await sleep(Math.min(backoffMs(attempt++, o.retryBackoffMs, o.retryBackoffMaxMs), Math.max(0, deadline - Date.now())));
    }
  }
}

function isApiError(e: unknown): e is ApiError {
  return typeof e === "object" && e !== null && "errorName" in e;
}

function isRetriable(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as KafkaError).retriable === true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
