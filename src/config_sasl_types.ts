/**
 * The SASL fields of `ProducerOptions` and `ResolvedConfig` (the keys of
 * `config_sasl.ts`), apart so `config.ts` stays one concept.
 *
 * @module
 */

import type { Password } from "./password.ts";
import type { SaslOption } from "./config_sasl.ts";
import type { SaslMechanismName } from "./security/mechanism.ts";
import type { SaslSettings } from "./security/settings.ts";

/**
 * The SASL options of a producer (with `securityProtocol` "SASL_SSL" or
 * "SASL_PLAINTEXT"); each also under its Java name.
 *
 * @example SCRAM with Java's keys, or the sasl option
 * ```ts
 * import type { SaslOptions } from "@edgekafka/producer";
 * const java: SaslOptions = { saslMechanism: "SCRAM-SHA-512",
 *   saslJaasConfig: 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="alice-secret";' };
 * const idiomatic: SaslOptions = { sasl: { mechanism: "SCRAM-SHA-512", username: "alice", password: "alice-secret" } };
 * console.assert(java.saslMechanism === idiomatic.sasl?.mechanism);
 * ```
 */
export interface SaslOptions {
  /** `sasl.mechanism` (default null): PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER. */
  saslMechanism?: SaslMechanismName | null;
  /** `sasl.jaas.config` (default null): `LoginModule required username="…" password="…";`, as Java. */
  saslJaasConfig?: string | Password | null;
  /** `sasl.oauthbearer.token.endpoint.url` (default null): the OIDC token endpoint (client credentials). */
  saslOauthbearerTokenEndpointUrl?: string | null;
  /** `sasl.oauthbearer.client.credentials.client.id` (default null): the OIDC client id. */
  saslOauthbearerClientCredentialsClientId?: string | null;
  /** `sasl.oauthbearer.client.credentials.client.secret` (default null): the OIDC client secret. */
  saslOauthbearerClientCredentialsClientSecret?: string | Password | null;
  /** `sasl.oauthbearer.scope` (default null): the scope asked for. */
  saslOauthbearerScope?: string | null;
  /** edgekafka's own (default null): `{ mechanism, username, password }` or `{ mechanism: "OAUTHBEARER", token }`. */
  sasl?: SaslOption | null;
}

/**
 * The SASL fields of a resolved configuration.
 *
 * @example Usage
 * ```ts
 * import { resolveConfig } from "./config.ts";
 * const c = resolveConfig({ bootstrapServers: "b:9094", securityProtocol: "SASL_SSL",
 *   sasl: { mechanism: "PLAIN", username: "key", password: "secret" } });
 * console.assert(c.sasl?.mechanism === "PLAIN" && !JSON.stringify(c.sasl).includes("secret"));
 * ```
 */
export interface ResolvedSaslConfig {
  /** `sasl.mechanism` as set (null if not). */
  readonly saslMechanism: SaslMechanismName | null;
  /** Printed as `[hidden]`. */
  readonly saslJaasConfig: Password | null;
  /** `sasl.oauthbearer.token.endpoint.url`. */
  readonly saslOauthbearerTokenEndpointUrl: string | null;
  /** `sasl.oauthbearer.client.credentials.client.id`. */
  readonly saslOauthbearerClientCredentialsClientId: string | null;
  /** Printed as `[hidden]`. */
  readonly saslOauthbearerClientCredentialsClientSecret: Password | null;
  /** `sasl.oauthbearer.scope`. */
  readonly saslOauthbearerScope: string | null;
  /** What connections authenticate with, from all the keys above; null unless SASL_SSL or SASL_PLAINTEXT. */
  readonly sasl: SaslSettings | null;
}
