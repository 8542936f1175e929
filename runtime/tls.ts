/**
 * What every socket adapter does the same way for TLS (`SocketOptions.tls`):
 * the trusted CAs (reading `ssl.truststore.location`), the SNI name, and
 * turning the runtime's TLS failures into a `TlsError` worded alike on each
 * runtime.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { TlsError } from "../src/errors.ts";
import type { SocketOptions, TlsOptions } from "../src/socket.ts";
import { describeError } from "./socket_errors.ts";

/**
 * Whether `host` is an IP address literal (v4, or v6 without brackets).
 *
 * @example Usage
 * ```ts
 * import { isIpAddress } from "./tls.ts";
 * console.assert(isIpAddress("127.0.0.1") && isIpAddress("::1") && !isIpAddress("broker-1.example.com"));
 * ```
 */
export function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}

/**
 * The SNI name for `host`: the host itself, or undefined for an IP address
 * (RFC 6066 allows only host names there; the certificate is still checked
 * against the address).
 *
 * @example Usage
 * ```ts
 * import { serverName } from "./tls.ts";
 * console.assert(serverName("b-1.kafka.example.com") === "b-1.kafka.example.com" && serverName("10.0.0.1") === undefined);
 * ```
 */
export function serverName(host: string): string | undefined {
  return isIpAddress(host) ? undefined : host;
}

/**
 * The trusted CA certificates (PEM) of `tls`: `ca`, else the file `caFile`
 * read now, else null (the runtime's default roots). Rejects with a
 * `TlsError` if the file cannot be read.
 *
 * @example Usage
 * ```ts
 * import { trustedCa } from "./tls.ts";
 * const tls = { ca: "-----BEGIN CERTIFICATE-----", caFile: null, cert: null, key: null, keyPassword: null, verifyHostname: true };
 * console.assert((await trustedCa(tls, { host: "b", port: 9093, connectTimeoutMs: 1 })) === tls.ca);
 * ```
 */
export async function trustedCa(tls: TlsOptions, options: SocketOptions): Promise<string | null> {
  if (tls.ca !== null || tls.caFile === null) return tls.ca;
  try {
    return await readFile(tls.caFile, "utf8");
  } catch (cause) {
    throw tlsFailed(options, cause, `cannot read the trust store "${tls.caFile}" (ssl.truststore.location): ${describeError(cause)}`);
  }
}

/** Causes worth a hint, by what the runtimes (OpenSSL, BoringSSL, rustls) say. */
const HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/bad.?certificate|certificate.?required|unknown.?ca|handshake.?failure.*alert|alert.*handshake.?failure/i,
    "the broker did not accept a client certificate (mTLS): set ssl.keystore.certificate.chain and ssl.keystore.key to one its CA signed"],
  [/altname|not valid for name|hostname|host name|ERR_TLS_CERT_ALTNAME/i,
    `the broker's certificate does not name this host; ssl.endpoint.identification.algorithm="" turns the check off`],
  [/unknown.?issuer|unable to (get|verify)|self.signed|issuer|UNABLE_TO_|SELF_SIGNED|untrusted|not trusted/i,
    "the broker's certificate is not signed by a trusted CA: check ssl.truststore.certificates or ssl.truststore.location"],
  [/expired|not yet valid|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID/i, "the broker's certificate is outside its validity period"],
];

/**
 * A `TlsError` for a TLS failure on the connection to `options`' broker:
 * `reason` if given, else the runtime's message with a hint at the setting
 * to look at. The runtime's messages name no key material.
 *
 * @example Usage
 * ```ts
 * import { tlsFailed } from "./tls.ts";
 * const e = tlsFailed({ host: "127.0.0.1", port: 9093, connectTimeoutMs: 1 }, new Error("invalid peer certificate: UnknownIssuer"));
 * console.assert(e.reason.startsWith("invalid peer certificate: UnknownIssuer (the broker's certificate is not signed by a trusted CA"));
 * ```
 */
export function tlsFailed(options: SocketOptions, cause: unknown, reason?: string): TlsError {
  let text = reason;
  if (text === undefined) {
    text = describeError(cause);
    const hint = HINTS.find(([pattern]) => pattern.test(text!));
    if (hint) text += ` (${hint[1]})`;
  }
  return new TlsError({ host: options.host, port: options.port, reason: text, cause });
}

/**
 * Whether a runtime error is the TLS layer's (an alert, a certificate or
 * protocol failure) rather than the TCP connection's (refused, reset).
 *
 * @example Usage
 * ```ts
 * import { isTlsFailure } from "./tls.ts";
 * console.assert(isTlsFailure(Object.assign(new Error("x"), { code: "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE" })));
 * console.assert(!isTlsFailure(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })));
 * ```
 */
export function isTlsFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = String((error as { code?: unknown }).code ?? "");
  if (/^(ECONN|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_)/.test(code)) return false;
  if (/SSL|TLS|CERT|EPROTO/.test(code)) return true;
  return /alert|certificate|handshake|tls|ssl|peer cert/i.test(error.message) || error.name === "InvalidData";
}
