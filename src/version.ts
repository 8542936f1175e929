/**
 * This library's version, sent to brokers as `ClientSoftwareVersion`.
 *
 * @example Usage
 * ```ts
 * import { VERSION } from "@edgekafka/producer";
 * console.assert(/^\d+\.\d+\.\d+$/.test(VERSION));
 * ```
 */
export const VERSION = "0.1.0";
