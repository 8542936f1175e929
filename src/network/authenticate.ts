/**
 * SASL authentication of a new connection, as Java's
 * `SaslClientAuthenticator`: right after ApiVersions, SaslHandshake v1
 * names the mechanism (a broker that has not enabled it answers with the
 * ones it has), then SaslAuthenticate carries the mechanism's tokens until
 * the exchange ends. Only then is the connection handed out. Every failure
 * of the exchange is a {@linkcode SaslAuthenticationError} naming the
 * mechanism and the broker's message (never a password or token); losing
 * the connection meanwhile stays a retriable `ConnectionError`.
 *
 * @module
 */

import { SaslAuthenticationError } from "../errors_auth.ts";
import type { Logger } from "../logger.ts";
import { UnsupportedVersionError } from "../protocol/api_error_classes.ts";
import { ErrorCode, errorInfo } from "../protocol/error_codes.ts";
import { SaslAuthenticate } from "../protocol/sasl_authenticate.ts";
import { SaslHandshake } from "../protocol/sasl_handshake.ts";
import { SaslFailure, type SaslMechanism } from "../security/mechanism.ts";
import type { Connection } from "./connection.ts";

/**
 * Authenticates a connection (new, or again for KIP-368 with `background`:
 * its requests are then no activity for `connections.max.idle.ms`); resolves
 * with the session lifetime in ms (0: none).
 */
export type Authenticate = (conn: Connection, background?: boolean) => Promise<number>;

/**
 * The {@linkcode Authenticate} step for connections: each gets a fresh
 * mechanism from `mechanism` (they share a token cache where there is one).
 *
 * @example Usage
 * ```ts
 * import { Password } from "@edgekafka/producer";
 * import { saslAuthenticator } from "./authenticate.ts";
 * import { mechanismFactory } from "../security/settings.ts";
 * const authenticate = saslAuthenticator(mechanismFactory({ mechanism: "PLAIN", username: "u", password: new Password("p") }), console);
 * console.assert(typeof authenticate === "function"); // given to Connection.open({ …, authenticate })
 * ```
 */
export function saslAuthenticator(mechanism: () => SaslMechanism, logger: Logger): Authenticate {
  return async (conn, background = false) => {
    const m = mechanism();
    const fail = (reason: string, cause?: unknown) =>
      new SaslAuthenticationError({ mechanism: m.name, host: conn.host, port: conn.port, reason, cause });
    let handshake;
    try {
      handshake = await conn.send(SaslHandshake, { mechanism: m.name }, { background });
    } catch (error) {
      if (error instanceof UnsupportedVersionError) {
        throw fail("the broker does not take SaslHandshake v1 here (is this a SASL listener?)", error);
      }
      throw error;
    }
    if (handshake.errorCode === ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
      const enabled = handshake.mechanisms.length > 0 ? handshake.mechanisms.map((x) => `"${x}"`).join(", ") : "none";
      throw fail(`the broker does not enable mechanism "${m.name}" on this listener; it enables ${enabled}`);
    }
    if (handshake.errorCode !== ErrorCode.NONE) throw fail(`the broker answered SaslHandshake with ${errorInfo(handshake.errorCode).name}`);
    const version = conn.version(SaslAuthenticate);
    let lifetimeMs = 0;
    try {
      await m.authenticate(async (token) => {
        const r = await conn.send(SaslAuthenticate, { authBytes: token }, { version, background });
        if (r.errorCode !== ErrorCode.NONE) throw fail(r.errorMessage ?? errorInfo(r.errorCode).message);
        lifetimeMs = Number(r.sessionLifetimeMs);
        return r.authBytes;
      });
    } catch (error) {
      if (error instanceof SaslFailure) throw fail(error.message, error);
      throw error;
    }
    logger.debug("Authenticated", { node: conn.nodeId, mechanism: m.name, sessionLifetimeMs: lifetimeMs });
    return lifetimeMs;
  };
}
