/**
 * SASL PLAIN (RFC 4616): one message, `authzid NUL authcid NUL password`,
 * with an empty authorization id as Java's `PlainSaslClient` sends it. Only
 * over TLS is the password safe on the wire.
 *
 * @module
 */

import type { Password } from "../password.ts";
import { type SaslMechanism, type SaslSend, utf8 } from "./mechanism.ts";

/**
 * The PLAIN mechanism for one user.
 *
 * @example The message sent
 * ```ts
 * import { Password } from "@edgekafka/producer";
 * import { PlainMechanism } from "./plain.ts";
 * let sent = "";
 * await new PlainMechanism("alice", new Password("alice-secret")).authenticate(async (t) => {
 *   sent = new TextDecoder().decode(t);
 *   return new Uint8Array(0);
 * });
 * console.assert(sent === "\u0000alice\u0000alice-secret");
 * ```
 */
export class PlainMechanism implements SaslMechanism {
  readonly name = "PLAIN";
  readonly #username: string;
  readonly #password: Password;

  /**
   * Builds the mechanism.
   *
   * @param username The user name (authentication id).
   * @param password The user's password.
   */
  constructor(username: string, password: Password) {
    this.#username = username;
    this.#password = password;
  }

  /** Sends the one message; the broker's answer (empty) ends the exchange. */
  async authenticate(send: SaslSend): Promise<void> {
    await send(utf8(`\u0000${this.#username}\u0000${this.#password.value()}`));
  }
}
