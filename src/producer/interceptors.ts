/**
 * Producer interceptors, as Java's `ProducerInterceptors`: each may replace a
 * record before it is sent and observes every outcome. An interceptor that
 * throws is logged and skipped; it never breaks a send.
 *
 * @module
 */

import type { Logger } from "../logger.ts";
import type { ProducerRecord } from "../serde.ts";
import type { RecordMetadata } from "./batch.ts";

/**
 * Hooks into sends. All methods are optional.
 *
 * @example Counting acknowledgements
 * ```ts
 * import type { ProducerInterceptor } from "./interceptors.ts";
 * let acked = 0;
 * const counter: ProducerInterceptor = { onAcknowledgement: (md, error) => { if (!error) acked++; } };
 * counter.onAcknowledgement?.({ topic: "t", partition: 0, offset: 0n, timestamp: 0 }, null);
 * console.assert(acked === 1);
 * ```
 */
export interface ProducerInterceptor<K = unknown, V = unknown> {
  /** Called before the record is serialized; may return a replacement. */
  onSend?(record: ProducerRecord<K, V>): ProducerRecord<K, V> | void;
  /** Called when a record was acknowledged, or failed after it was accepted. */
  onAcknowledgement?(metadata: RecordMetadata | null, error: Error | null): void;
  /** Called when `send()` fails before the record is queued (bad record, timeout). */
  onSendError?(record: ProducerRecord<K, V>, error: Error): void;
  /** Called by `close()`. */
  close?(): void;
}

/**
 * A chain of interceptors with error isolation.
 *
 * @example Usage
 * ```ts
 * import { Interceptors } from "./interceptors.ts";
 * import { silentLogger } from "../logger.ts";
 * const chain = new Interceptors([{ onSend: (r) => ({ ...r, value: "replaced" }) }], silentLogger);
 * console.assert(chain.onSend({ topic: "t", value: "v" }).value === "replaced");
 * ```
 */
export class Interceptors<K, V> {
  readonly #list: ReadonlyArray<ProducerInterceptor<K, V>>;
  readonly #logger: Logger;

  constructor(list: ReadonlyArray<ProducerInterceptor<K, V>>, logger: Logger) {
    this.#list = list;
    this.#logger = logger;
  }

  /** Whether there are any interceptors. */
  get isEmpty(): boolean {
    return this.#list.length === 0;
  }

  onSend(record: ProducerRecord<K, V>): ProducerRecord<K, V> {
    let current = record;
    for (const i of this.#list) {
      if (!i.onSend) continue;
      try {
        current = i.onSend(current) ?? current;
      } catch (error) {
        this.#logger.warn("Interceptor onSend threw; record passed on unchanged", { error: String(error) });
      }
    }
    return current;
  }

  onAcknowledgement(metadata: RecordMetadata | null, error: Error | null): void {
    for (const i of this.#list) {
      try {
        i.onAcknowledgement?.(metadata, error);
      } catch (e) {
        this.#logger.warn("Interceptor onAcknowledgement threw", { error: String(e) });
      }
    }
  }

  onSendError(record: ProducerRecord<K, V>, error: Error): void {
    for (const i of this.#list) {
      try {
        i.onSendError?.(record, error);
        i.onAcknowledgement?.(null, error);
      } catch (e) {
        this.#logger.warn("Interceptor onSendError threw", { error: String(e) });
      }
    }
  }

  close(): void {
    for (const i of this.#list) {
      try {
        i.close?.();
      } catch (e) {
        this.#logger.warn("Interceptor close threw", { error: String(e) });
      }
    }
  }
}
