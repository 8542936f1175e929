/**
 * The pluggable logger. edgekafka is silent unless given one.
 *
 * @module
 */

/** Structured context attached to a log line. */
export type LogFields = Record<string, unknown>;

/**
 * What edgekafka logs through: four levels, a message, optional fields.
 * `console` fits as is.
 *
 * @example Logging to the console
 * ```ts
 * import { Producer } from "../mod.ts";
 * const producer = new Producer({ bootstrapServers: ["127.0.0.1:9092"], logger: console });
 * await producer.close();
 * ```
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
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
