/**
 * The SASL part of the configuration (`security.protocol` SASL_PLAINTEXT or
 * SASL_SSL), as Java's: `sasl.mechanism`, `sasl.jaas.config` (parsed by
 * `config_jaas.ts`), the OIDC client credentials of KIP-768
 * (`sasl.oauthbearer.token.endpoint.url`,
 * `sasl.oauthbearer.client.credentials.client.id` / `.client.secret`,
 * `sasl.oauthbearer.scope`), and edgekafka's `sasl` option
 * (`{ mechanism, username, password }` or `{ mechanism: "OAUTHBEARER", token }`).
 * {@linkcode resolveSasl} checks them against each other and gives the
 * resolved `SaslSettings`. Passwords and secrets become
 * {@linkcode Password}s at once; no message quotes them.
 *
 * @module
 */

import { ConfigError } from "./errors.ts";
import { Password } from "./password.ts";
import { Invalid, type Parse } from "./config_parsers.ts";
import { isLoginModule, type JaasEntry, LOGIN_MODULES, parseJaas } from "./config_jaas.ts";
import { SASL_MECHANISMS, type SaslMechanismName } from "./security/mechanism.ts";
import type { OAuthBearerTokenProvider } from "./security/oauthbearer.ts";
import { clientCredentialsProvider } from "./security/oidc.ts";
import type { SaslSettings } from "./security/settings.ts";

/** Java keys of the SASL settings, in table order (`sasl` is edgekafka's own). */
export const SASL_KEYS = [
  "sasl.mechanism",
  "sasl.jaas.config",
  "sasl.oauthbearer.token.endpoint.url",
  "sasl.oauthbearer.client.credentials.client.id",
  "sasl.oauthbearer.client.credentials.client.secret",
  "sasl.oauthbearer.scope",
  "sasl",
] as const;

/**
 * The `sasl` option: a user name and password, or an OAUTHBEARER token provider.
 *
 * @example Usage
 * ```ts
 * import type { SaslOption } from "@edgekafka/producer";
 * const scram: SaslOption = { mechanism: "SCRAM-SHA-512", username: "alice", password: "alice-secret" };
 * const oauth: SaslOption = { mechanism: "OAUTHBEARER", token: async () => ({ value: "eyJ…", lifetimeMs: Date.now() + 3_600_000 }) };
 * console.assert(scram.mechanism === "SCRAM-SHA-512" && oauth.mechanism === "OAUTHBEARER");
 * ```
 */
export type SaslOption =
  | { mechanism: "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512"; username: string; password: string | Password }
  | { mechanism: "OAUTHBEARER"; token: OAuthBearerTokenProvider };

const UNSUPPORTED_MECHANISMS: Record<string, string> = {
  GSSAPI: "it has no Kerberos; use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER",
  AWS_MSK_IAM: "use OAUTHBEARER with a token provider that signs MSK IAM tokens (see the README)",
};

function mechanismName(value: unknown, name: string): SaslMechanismName {
  const text = typeof value === "string" ? value.trim().toUpperCase() : undefined;
  if ((SASL_MECHANISMS as readonly string[]).includes(text ?? "")) return text as SaslMechanismName;
  const reason = UNSUPPORTED_MECHANISMS[text ?? ""] ?? `it speaks ${SASL_MECHANISMS.join(", ")}`;
  throw new Invalid(`Value "${typeof value === "string" ? value : String(value)}" of "${name}" is not supported by edgekafka: ${reason}`, true);
}

/**
 * `sasl.mechanism`: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER (any case), or null.
 *
 * @example Usage
 * ```ts
 * import { saslMechanism } from "./config_sasl.ts";
 * console.assert(saslMechanism("scram-sha-512", "sasl.mechanism", []) === "SCRAM-SHA-512");
 * ```
 */
export const saslMechanism: Parse = (value, name) => (value === null ? null : mechanismName(value, name));

/**
 * `sasl.jaas.config`: checked now, kept as a {@linkcode Password} (it holds one).
 *
 * @example Usage
 * ```ts
 * import { saslJaasConfig } from "./config_sasl.ts";
 * const v = saslJaasConfig('org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="b";', "sasl.jaas.config", []);
 * console.assert(String(v) === "[hidden]");
 * ```
 */
export const saslJaasConfig: Parse = (value, name) => {
  if (value === null) return null;
  const text = value instanceof Password ? value.value() : value;
  if (typeof text !== "string") throw new Invalid(`Invalid value for "${name}": expected a string`, true);
  parseJaas(text);
  return value instanceof Password ? value : new Password(text);
};

/**
 * An http(s) URL, or null (`sasl.oauthbearer.token.endpoint.url`).
 *
 * @example Usage
 * ```ts
 * import { httpUrl } from "./config_sasl.ts";
 * console.assert(httpUrl("https://idp.example.com/token", "x", []) === "https://idp.example.com/token");
 * ```
 */
export const httpUrl: Parse = (value) => {
  if (value === null) return null;
  if (typeof value === "string" && /^https?:\/\/[^\s]+$/i.test(value.trim()) && URL.canParse(value.trim())) return value.trim();
  throw new Invalid("expected an http:// or https:// URL");
};

/**
 * The `sasl` option; the password becomes a {@linkcode Password}.
 *
 * @example Usage
 * ```ts
 * import { saslOption } from "./config_sasl.ts";
 * const s = saslOption({ mechanism: "PLAIN", username: "u", password: "p" }, "sasl", []) as { password: unknown };
 * console.assert(String(s.password) === "[hidden]");
 * ```
 */
export const saslOption: Parse = (value, name) => {
  if (value === null) return null;
  const o = value as Record<string, unknown>;
  if (typeof o !== "object" || Array.isArray(o)) {
    throw new Invalid(`Invalid value for "${name}": expected { mechanism, username, password } or { mechanism: "OAUTHBEARER", token }`, true);
  }
  if (typeof o.mechanism !== "string") {
    throw new Invalid(`Invalid value for "${name}": expected a mechanism (${SASL_MECHANISMS.join(", ")})`, true);
  }
  const mechanism = mechanismName(o.mechanism, `${name}.mechanism`);
  const extra = Object.keys(o).filter((k) => !["mechanism", "username", "password", "token"].includes(k));
  if (extra.length > 0) throw new Invalid(`Invalid value for "${name}": unknown field "${extra[0]}"`, true);
  if (mechanism === "OAUTHBEARER") {
    if (typeof o.token !== "function") {
      throw new Invalid(`Invalid value for "${name}": OAUTHBEARER needs token, an async function giving { value, lifetimeMs }`, true);
    }
    return Object.freeze({ mechanism, token: o.token });
  }
  if (typeof o.username !== "string" || o.username === "") throw new Invalid(`Invalid value for "${name}": ${mechanism} needs username, a string`, true);
  const password = o.password instanceof Password ? o.password : typeof o.password === "string" ? new Password(o.password) : null;
  if (password === null) throw new Invalid(`Invalid value for "${name}": ${mechanism} needs password, a string`, true);
  return Object.freeze({ mechanism, username: o.username, password });
};

/** The resolved SASL keys, by camelCase name, as `config.ts` holds them. */
export interface SaslValues {
  securityProtocol: string;
  saslMechanism: SaslMechanismName | null;
  saslJaasConfig: Password | null;
  saslOauthbearerTokenEndpointUrl: string | null;
  saslOauthbearerClientCredentialsClientId: string | null;
  saslOauthbearerClientCredentialsClientSecret: Password | null;
  saslOauthbearerScope: string | null;
  sasl: SaslSettings | null;
}

const MODULE_OF: Record<SaslMechanismName, string> = {
  PLAIN: LOGIN_MODULES.PLAIN,
  "SCRAM-SHA-256": LOGIN_MODULES.SCRAM,
  "SCRAM-SHA-512": LOGIN_MODULES.SCRAM,
  OAUTHBEARER: LOGIN_MODULES.OAUTHBEARER,
};

/**
 * Checks the SASL keys against each other and returns the settings the
 * connections authenticate with: null unless `security.protocol` is SASL_*
 * (SASL keys set anyway are ignored, with a note, as Java does).
 * `explicit` holds the Java names of the keys set (`sasl` for the option).
 *
 * @example Usage
 * ```ts
 * import { Password } from "@edgekafka/producer";
 * import { resolveSasl } from "./config_sasl.ts";
 * const s = resolveSasl({ securityProtocol: "SASL_SSL", saslMechanism: "SCRAM-SHA-512", saslOauthbearerTokenEndpointUrl: null,
 *   saslJaasConfig: new Password('org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="x";'),
 *   saslOauthbearerClientCredentialsClientId: null, saslOauthbearerClientCredentialsClientSecret: null, saslOauthbearerScope: null, sasl: null },
 *   new Set(["security.protocol", "sasl.mechanism", "sasl.jaas.config"]), []);
 * console.assert(s?.mechanism === "SCRAM-SHA-512" && "username" in s && s.username === "alice");
 * ```
 */
export function resolveSasl(values: SaslValues, explicit: ReadonlySet<string>, notes: string[]): SaslSettings | null {
  const protocol = values.securityProtocol;
  if (protocol !== "SASL_SSL" && protocol !== "SASL_PLAINTEXT") {
    const set = SASL_KEYS.filter((key) => explicit.has(key));
    if (set.length > 0) notes.push(`${set.join(", ")} ${set.length === 1 ? "is" : "are"} ignored: security.protocol is "${protocol}"`);
    return null;
  }
  const option = values.sasl;
  if (option !== null && values.saslMechanism !== null && option.mechanism !== values.saslMechanism) {
    throw new ConfigError("sasl.mechanism", `Conflicting SASL mechanisms: "sasl.mechanism" is "${values.saslMechanism}" and "sasl" says "${option.mechanism}"`);
  }
  const mechanism = option?.mechanism ?? values.saslMechanism;
  if (mechanism === null) {
    throw new ConfigError(
      "sasl.mechanism",
      `security.protocol "${protocol}" needs "sasl.mechanism" (${SASL_MECHANISMS.join(", ")}; Java's default, GSSAPI, is not supported)`,
    );
  }
  const jaas = values.saslJaasConfig === null ? null : parseJaas(values.saslJaasConfig.value());
  if (jaas !== null && !isLoginModule(jaas.loginModule, MODULE_OF[mechanism])) {
    throw new ConfigError(
      "sasl.jaas.config",
      `"sasl.jaas.config" names login module "${jaas.loginModule}", which does not do ${mechanism}: use ${MODULE_OF[mechanism]}`,
    );
  }
  if (option !== null) {
    if (jaas !== null) notes.push(`sasl.jaas.config is ignored: the sasl option gives the ${mechanism} credentials`);
    return option;
  }
  if (mechanism === "OAUTHBEARER") return resolveOAuthBearer(values, jaas);
  const username = jaas?.options.get("username");
  const password = jaas?.options.get("password");
  if (username === undefined || password === undefined) {
    const module = MODULE_OF[mechanism];
    throw new ConfigError(
      "sasl.jaas.config",
      `sasl.mechanism "${mechanism}" needs a user name and password: set "sasl.jaas.config" to ` +
        `'${module} required username="…" password="…";', or the option sasl: { mechanism, username, password }`,
    );
  }
  return Object.freeze({ mechanism, username, password: new Password(password) });
}

/** OAUTHBEARER without a token function: the OIDC client credentials, from the keys or the JAAS options. */
function resolveOAuthBearer(values: SaslValues, jaas: JaasEntry | null): SaslSettings {
  const url = values.saslOauthbearerTokenEndpointUrl;
  const clientId = values.saslOauthbearerClientCredentialsClientId ?? jaas?.options.get("clientId") ?? null;
  const jaasSecret = jaas?.options.get("clientSecret");
  const clientSecret = values.saslOauthbearerClientCredentialsClientSecret ?? (jaasSecret === undefined ? null : new Password(jaasSecret));
  const scope = values.saslOauthbearerScope ?? jaas?.options.get("scope") ?? null;
  if (url === null) {
    throw new ConfigError(
      "sasl.oauthbearer.token.endpoint.url",
      `sasl.mechanism "OAUTHBEARER" needs a token: set "sasl.oauthbearer.token.endpoint.url" (with the client id and secret), ` +
        `or the option sasl: { mechanism: "OAUTHBEARER", token }`,
    );
  }
  if (clientId === null || clientId === "") {
    throw new ConfigError("sasl.oauthbearer.client.credentials.client.id", `"sasl.oauthbearer.token.endpoint.url" is set but no client id: set "sasl.oauthbearer.client.credentials.client.id" (or the JAAS option clientId)`);
  }
  if (clientSecret === null) {
    throw new ConfigError("sasl.oauthbearer.client.credentials.client.secret", `"sasl.oauthbearer.token.endpoint.url" is set but no client secret: set "sasl.oauthbearer.client.credentials.client.secret" (or the JAAS option clientSecret)`);
  }
  const extensions: Record<string, string> = {};
  for (const [key, value] of jaas?.options ?? []) if (key.startsWith("extension_")) extensions[key.slice("extension_".length)] = value;
  const fetchToken = clientCredentialsProvider({ tokenEndpointUrl: url, clientId, clientSecret, scope });
  const token: OAuthBearerTokenProvider = Object.keys(extensions).length === 0
    ? fetchToken
    : async () => ({ ...(await fetchToken()), extensions });
  return Object.freeze({ mechanism: "OAUTHBEARER", token });
}
