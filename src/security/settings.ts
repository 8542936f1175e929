/**
 * The resolved SASL settings of a producer (what `config_sasl.ts` makes of
 * `sasl.mechanism`, `sasl.jaas.config`, the OIDC keys or the `sasl` option),
 * and the mechanism they build. The password is a {@linkcode Password}: it
 * prints as `[hidden]` wherever the configuration is shown.
 *
 * @module
 */

import type { Password } from "../password.ts";
import type { SaslMechanism } from "./mechanism.ts";
import { OAuthBearerMechanism, type OAuthBearerTokenProvider, TokenCache } from "./oauthbearer.ts";
import { PlainMechanism } from "./plain.ts";
import { ScramMechanism } from "./scram.ts";

/**
 * SASL with a user name and password (PLAIN, SCRAM).
 *
 * @example Usage
 * ```ts
 * import { Password } from "@edgekafka/producer";
 * import type { SaslPasswordSettings } from "@edgekafka/producer";
 * const s: SaslPasswordSettings = { mechanism: "SCRAM-SHA-512", username: "alice", password: new Password("alice-secret") };
 * console.assert(JSON.stringify(s).includes("[hidden]"));
 * ```
 */
export interface SaslPasswordSettings {
  /** The mechanism. */
  readonly mechanism: "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";
  /** The user name. */
  readonly username: string;
  /** The password (printed as `[hidden]`). */
  readonly password: Password;
}

/**
 * SASL OAUTHBEARER with a token provider (a function, or the OIDC client).
 *
 * @example Usage
 * ```ts
 * import type { SaslOAuthBearerSettings } from "@edgekafka/producer";
 * const s: SaslOAuthBearerSettings = { mechanism: "OAUTHBEARER", token: async () => ({ value: "t", lifetimeMs: Date.now() + 60_000 }) };
 * console.assert(typeof s.token === "function");
 * ```
 */
export interface SaslOAuthBearerSettings {
  /** The mechanism. */
  readonly mechanism: "OAUTHBEARER";
  /** Gives tokens; they are cached and refreshed once 80 % of their lifetime has passed. */
  readonly token: OAuthBearerTokenProvider;
}

/** The resolved SASL settings. */
export type SaslSettings = SaslPasswordSettings | SaslOAuthBearerSettings;

/**
 * Builds what each new connection authenticates with: one mechanism object
 * per connection, sharing one token cache (OAUTHBEARER).
 *
 * @example Usage
 * ```ts
 * import { Password } from "@edgekafka/producer";
 * import { mechanismFactory } from "./settings.ts";
 * const make = mechanismFactory({ mechanism: "PLAIN", username: "alice", password: new Password("x") });
 * console.assert(make().name === "PLAIN");
 * ```
 */
export function mechanismFactory(settings: SaslSettings): () => SaslMechanism {
  if (settings.mechanism === "OAUTHBEARER") {
    const cache = new TokenCache(settings.token);
    return () => new OAuthBearerMechanism(cache);
  }
  const { mechanism, username, password } = settings;
  if (mechanism === "PLAIN") return () => new PlainMechanism(username, password);
  return () => new ScramMechanism(mechanism, username, password);
}
