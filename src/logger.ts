/**
 * The pluggable logger. edgekafka is silent unless given one.
 *
 * @module
 */

/**
 * Structured context attached to a log line.
 *
 * @example Usage
 * ```ts
 * import type { LogFields, Logger } from "@edgekafka/producer";
 * const lines: string[] = [];
 * const log = (level: string) => (message: string, fields?: LogFields) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
 * const logger: Logger = { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
 * logger.info("Connected", { node: 1 });
 * console.assert(lines[0] === 'info Connected {"node":1}');
 * ```
 */
export type LogFields = Record<string, unknown>;

/**
 * What edgekafka logs through: four levels, a message, optional fields.
 * `console` fits as is.
 *
 * @example Logging to the console
 * ```ts
 * import { Producer } from "@edgekafka/producer";
 * const producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], logger: console });
 * await producer.close();
 * ```
 */
export interface Logger {
  /** Detail for debugging: connections opened, requests sent. */
  debug(message: string, fields?: LogFields): void;
  /** Lifecycle events: the producer starts or closes, a setting was adjusted. */
  info(message: string, fields?: LogFields): void;
  /** Something went wrong and was handled: a retry, a callback that threw. */
  warn(message: string, fields?: LogFields): void;
  /** Something went wrong that the producer cannot fix: a fatal broker error. */
  error(message: string, fields?: LogFields): void;
}

const nothing = (): void => {};

/**
 * A logger that drops everything (the default).
 *
 * @example Usage
 * ```ts
 * import { silentLogger } from "./logger.ts";
 * silentLogger.warn("not printed");
 * ```
 */
export const silentLogger: Logger = Object.freeze({ debug: nothing, info: nothing, warn: nothing, error: nothing });
