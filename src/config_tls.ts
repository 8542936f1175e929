/**
 * The TLS part of the configuration (`security.protocol` SSL or SASL_SSL), as Java's
 * PEM settings: `ssl.truststore.certificates` or `ssl.truststore.location`
 * for the CAs to trust, `ssl.keystore.certificate.chain` +
 * `ssl.keystore.key` (+ `ssl.key.password`) for a client certificate, and
 * `ssl.endpoint.identification.algorithm`. The parsers of those keys, the
 * checks across them, and the {@linkcode TlsOptions} the socket adapters get.
 *
 * Private keys and passwords become {@linkcode Password}s at once: no
 * message, note or printed configuration shows them.
 *
 * @module
 */

import { ConfigError } from "./errors.ts";
import { Password } from "./password.ts";
import type { TlsOptions } from "./socket.ts";
import { Invalid, type Parse } from "./config_parsers.ts";

/** Java keys of the TLS settings, in table order. */
export const TLS_KEYS = [
  "ssl.truststore.certificates",
  "ssl.truststore.location",
  "ssl.keystore.certificate.chain",
  "ssl.keystore.key",
  "ssl.key.password",
  "ssl.endpoint.identification.algorithm",
] as const;

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const PRIVATE_KEY = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;

/**
 * PEM certificates (one or more), or null.
 *
 * @example Usage
 * ```ts
 * import { pemCertificates } from "./config_tls.ts";
 * console.assert(pemCertificates(null, "ssl.truststore.certificates", []) === null);
 * ```
 */
export const pemCertificates: Parse = (value) => {
  if (value === null) return null;
  if (typeof value !== "string" || !CERTIFICATE.test(value)) {
    throw new Invalid(`expected PEM certificates ("-----BEGIN CERTIFICATE-----" …)`);
  }
  return value;
};

/**
 * A PEM private key (PKCS#8, encrypted PKCS#8, PKCS#1 RSA or SEC1 EC), or
 * null; kept as a {@linkcode Password}. The value is never quoted back.
 *
 * @example Usage
 * ```ts
 * import { pemPrivateKey } from "./config_tls.ts";
 * try { pemPrivateKey("secret", "ssl.keystore.key", []); } catch (e) {
 *   console.assert(!JSON.stringify(e).includes("secret"));
 * }
 * ```
 */
export const pemPrivateKey: Parse = (value, name) => {
  if (value === null) return null;
  const text = value instanceof Password ? value.value() : value;
  if (typeof text !== "string" || !PRIVATE_KEY.test(text)) {
    throw new Invalid(`Invalid value for "${name}": expected a PEM private key ("-----BEGIN PRIVATE KEY-----" …)`, true);
  }
  return value instanceof Password ? value : new Password(text);
};

/**
 * A password, or null; kept as a {@linkcode Password}. The value is never quoted back.
 *
 * @example Usage
 * ```ts
 * import { password } from "./config_tls.ts";
 * console.assert(String(password("s3cret", "ssl.key.password", [])) === "[hidden]");
 * ```
 */
export const password: Parse = (value, name) => {
  if (value === null || value instanceof Password) return value;
  if (typeof value !== "string") throw new Invalid(`Invalid value for "${name}": expected a string`, true);
  return new Password(value);
};

/**
 * A file path, or null.
 *
 * @example Usage
 * ```ts
 * import { path } from "./config_tls.ts";
 * console.assert(path("/etc/kafka/ca.pem", "ssl.truststore.location", []) === "/etc/kafka/ca.pem");
 * ```
 */
export const path: Parse = (value) => {
  if (value === null) return null;
  if (typeof value !== "string" || value.trim() === "") throw new Invalid("expected a file path");
  return value.trim();
};

/**
 * `ssl.endpoint.identification.algorithm`: "https" (any case) checks the
 * host name; "" (or null, as in Java) turns the check off.
 *
 * @example Usage
 * ```ts
 * import { endpointIdentification } from "./config_tls.ts";
 * console.assert(endpointIdentification("HTTPS", "x", []) === "https" && endpointIdentification(null, "x", []) === "");
 * ```
 */
export const endpointIdentification: Parse = (value) => {
  if (value === null) return "";
  if (typeof value === "string" && (value.trim() === "" || value.trim().toLowerCase() === "https")) {
    return value.trim().toLowerCase();
  }
  throw new Invalid(`expected "https" or ""`);
};

/**
 * `ssl.truststore.type` and `ssl.keystore.type`, which Java properties files
 * carry: "PEM" is what the settings above are; any other type is refused.
 *
 * @example Usage
 * ```ts
 * import { storeType } from "./config_tls.ts";
 * storeType("PEM", "ssl.truststore.type", []);
 * ```
 */
export const storeType: Parse = (value, name) => {
  if (typeof value === "string" && value.trim().toUpperCase() === "PEM") return "PEM";
  throw new Invalid(
    `Value "${String(value)}" of "${name}" is not supported by edgekafka: only "PEM" is (give the certificates and key as PEM)`,
    true,
  );
};

/** The resolved TLS keys, by camelCase name, as `config.ts` holds them. */
export interface TlsValues {
  securityProtocol: "PLAINTEXT" | "SSL" | "SASL_PLAINTEXT" | "SASL_SSL";
  sslTruststoreCertificates: string | null;
  sslTruststoreLocation: string | null;
  sslKeystoreCertificateChain: string | null;
  sslKeystoreKey: Password | null;
  sslKeyPassword: Password | null;
  sslEndpointIdentificationAlgorithm: string;
}

/**
 * Checks the TLS keys against each other and returns what the socket
 * adapters get: null for PLAINTEXT and SASL_PLAINTEXT (TLS keys set anyway are ignored, with a
 * note, as Java does). `explicit` holds the Java names of the keys set.
 *
 * @example Usage
 * ```ts
 * import { resolveTls } from "./config_tls.ts";
 * const tls = resolveTls({
 *   securityProtocol: "SSL", sslTruststoreCertificates: null, sslTruststoreLocation: "/etc/kafka/ca.pem",
 *   sslKeystoreCertificateChain: null, sslKeystoreKey: null, sslKeyPassword: null, sslEndpointIdentificationAlgorithm: "https",
 * }, new Set(["security.protocol", "ssl.truststore.location"]), []);
 * console.assert(tls?.caFile === "/etc/kafka/ca.pem" && tls.verifyHostname);
 * ```
 */
export function resolveTls(values: TlsValues, explicit: ReadonlySet<string>, notes: string[]): TlsOptions | null {
  if (values.securityProtocol !== "SSL" && values.securityProtocol !== "SASL_SSL") {
    const set = TLS_KEYS.filter((key) => explicit.has(key));
    if (set.length > 0) notes.push(`${set.join(", ")} ${set.length === 1 ? "is" : "are"} ignored: security.protocol is "${values.securityProtocol}"`);
    return null;
  }
  const { sslTruststoreCertificates: ca, sslTruststoreLocation: caFile } = values;
  const { sslKeystoreCertificateChain: cert, sslKeystoreKey: key, sslKeyPassword: keyPassword } = values;
  if (ca !== null && caFile !== null) {
    throw new ConfigError("ssl.truststore.location", "ssl.truststore.certificates and ssl.truststore.location cannot both be set");
  }
  if (cert !== null && key === null) {
    throw new ConfigError("ssl.keystore.key", "ssl.keystore.certificate.chain is set but ssl.keystore.key is not: a client certificate needs its private key");
  }
  if (key !== null && cert === null) {
    throw new ConfigError("ssl.keystore.certificate.chain", "ssl.keystore.key is set but ssl.keystore.certificate.chain is not: a private key needs its certificate chain");
  }
  if (keyPassword !== null && key === null) {
    throw new ConfigError("ssl.key.password", "ssl.key.password is set but ssl.keystore.key is not");
  }
  if (key !== null && keyPassword === null && key.value().includes("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
    throw new ConfigError("ssl.key.password", "ssl.keystore.key is encrypted: set ssl.key.password");
  }
  return Object.freeze({ ca, caFile, cert, key, keyPassword, verifyHostname: values.sslEndpointIdentificationAlgorithm === "https" });
}
