/**
 * What every SASL mechanism of `src/security/` is: a name (as SaslHandshake
 * sends it) and an exchange of tokens with the broker. The network layer
 * (`network/authenticate.ts`) carries each token in a SaslAuthenticate
 * request; a mechanism only builds and checks tokens.
 *
 * @module
 */

/**
 * The SASL mechanisms edgekafka speaks.
 *
 * @example Usage
 * ```ts
 * import { SASL_MECHANISMS } from "./mechanism.ts";
 * console.assert(SASL_MECHANISMS.includes("SCRAM-SHA-512"));
 * ```
 */
export const SASL_MECHANISMS: readonly SaslMechanismName[] = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"];

/** A SASL mechanism edgekafka speaks. */
export type SaslMechanismName = "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512" | "OAUTHBEARER";

/**
 * Carries one client token to the broker and resolves with the broker's
 * answer; rejects when the broker reports an error.
 */
export type SaslSend = (token: Uint8Array) => Promise<Uint8Array>;

/**
 * A SASL mechanism's client side.
 *
 * @example A mechanism that sends one empty token
 * ```ts
 * import type { SaslMechanism } from "./mechanism.ts";
 * const m: SaslMechanism = { name: "PLAIN", authenticate: async (send) => { await send(new Uint8Array(0)); } };
 * await m.authenticate(async () => new Uint8Array(0));
 * ```
 */
export interface SaslMechanism {
  /** The mechanism's name, as sent in SaslHandshake. */
  readonly name: SaslMechanismName;
  /** Runs the whole exchange; rejects with a {@linkcode SaslFailure} when the client finds the broker's answer wrong. */
  authenticate(send: SaslSend): Promise<void>;
}

/**
 * What a mechanism found wrong (a server signature that does not verify, a
 * nonce that does not extend the client's); `network/authenticate.ts` turns
 * it into a `SaslAuthenticationError`. The message never holds a secret.
 *
 * @example Usage
 * ```ts
 * import { SaslFailure } from "./mechanism.ts";
 * console.assert(new SaslFailure("The server signature does not verify").name === "SaslFailure");
 * ```
 */
export class SaslFailure extends Error {
  /**
   * Builds the failure.
   *
   * @param message What was wrong, in sentence case, without secrets.
   * @param options The cause, if any.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SaslFailure";
  }
}

const encoder = new TextEncoder();

/**
 * UTF-8 bytes of a string.
 *
 * @example Usage
 * ```ts
 * import { utf8 } from "./mechanism.ts";
 * console.assert(utf8("é").length === 2);
 * ```
 */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
