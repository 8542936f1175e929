/**
 * SaslHandshake (key 17), version 1: asks the broker to use a SASL
 * mechanism on this connection; the broker answers with the mechanisms it
 * has enabled. Version 1 means the SASL tokens then travel in SaslAuthenticate
 * requests (v0, raw tokens on the socket, is not spoken). Never flexible.
 *
 * @module
 */

import type { Api } from "./api.ts";
import { checkVersion } from "./api_errors.ts";

/**
 * SaslHandshake request body.
 *
 * @example Usage
 * ```ts
 * import type { SaslHandshakeRequest } from "./sasl_handshake.ts";
 * const req: SaslHandshakeRequest = { mechanism: "SCRAM-SHA-512" };
 * console.assert(req.mechanism.startsWith("SCRAM"));
 * ```
 */
export interface SaslHandshakeRequest {
  /** The SASL mechanism the client wants, e.g. "PLAIN". */
  mechanism: string;
}

/**
 * SaslHandshake response body.
 *
 * @example Usage
 * ```ts
 * import type { SaslHandshakeResponse } from "./sasl_handshake.ts";
 * const res: SaslHandshakeResponse = { errorCode: 33, mechanisms: ["PLAIN"] };
 * console.assert(res.mechanisms.includes("PLAIN"));
 * ```
 */
export interface SaslHandshakeResponse {
  /** The error, 0 if none (UNSUPPORTED_SASL_MECHANISM: the mechanism is not enabled). */
  errorCode: number;
  /** The mechanisms the broker has enabled on this listener. */
  mechanisms: string[];
}

/**
 * The SaslHandshake API.
 *
 * @example Usage
 * ```ts
 * import { SaslHandshake } from "./sasl_handshake.ts";
 * import { Writer } from "./writer.ts";
 * const w = new Writer();
 * SaslHandshake.encode(w, 1, { mechanism: "PLAIN" });
 * console.assert(w.length === 2 + 5);
 * ```
 */
export const SaslHandshake: Api<SaslHandshakeRequest, SaslHandshakeResponse> = {
  name: "SaslHandshake",
  key: 17,
  minVersion: 1,
  maxVersion: 1,
  flexibleFrom: Infinity,

  encode(w, version, req) {
    checkVersion(SaslHandshake, version);
    w.string(req.mechanism);
  },

  decode(r, version) {
    checkVersion(SaslHandshake, version);
    return { errorCode: r.int16(), mechanisms: r.array((x) => x.string()) };
  },
};
