/**
 * Producer interceptors, as Java's `ProducerInterceptors`: each may replace a
 * record before it is sent and observes every outcome. An interceptor that
 * throws is logged and skipped; it never breaks a send.
 *
 * @module
 */

import type { Logger } from "../logger.ts";
import type { ProducerRecord, RecordMetadata } from "../serde.ts";
import type { ProducerInterceptor } from "../extensions.ts";

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
