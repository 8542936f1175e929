/**
 * A secret configuration value (a private key, a key password), as Java's
 * `org.apache.kafka.common.config.types.Password`: it prints as `[hidden]`
 * everywhere a value can leak — `String()`, template strings, `JSON.stringify`,
 * `console.log`/`inspect` on Node, Bun and Deno — and only
 * {@linkcode Password.value} gives the text.
 *
 * @module
 */

/** What every printed form of a {@linkcode Password} shows. */
export const HIDDEN = "[hidden]";

/** The text of each password; a WeakMap, so no property of the object holds it. */
const secrets = new WeakMap<Password, string>();

/**
 * A secret that never prints its value.
 *
 * @example Usage
 * ```ts
 * import { Password } from "@edgekafka/producer";
 * const key = new Password("-----BEGIN PRIVATE KEY-----...");
 * console.assert(`${key}` === "[hidden]" && JSON.stringify({ key }) === '{"key":"[hidden]"}');
 * console.assert(key.value().startsWith("-----BEGIN"));
 * ```
 */
export class Password {
  /**
   * Wraps a secret.
   *
   * @param value The secret text; only {@linkcode Password.value} gives it back.
   */
  constructor(value: string) {
    secrets.set(this, value);
    Object.freeze(this);
  }

  /** The secret text (give it only to the runtime's TLS stack). */
  value(): string {
    return secrets.get(this)!;
  }

  /** `[hidden]`. */
  toString(): string {
    return HIDDEN;
  }

  /** `[hidden]`, for `JSON.stringify`. */
  toJSON(): string {
    return HIDDEN;
  }

  /** `[hidden]`, for Node's and Bun's `util.inspect` (and so `console.log`). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return HIDDEN;
  }

  /** `[hidden]`, for Deno's `Deno.inspect` (and so `console.log`). */
  [Symbol.for("Deno.customInspect")](): string {
    return HIDDEN;
  }
}
