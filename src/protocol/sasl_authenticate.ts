/**
 * SaslAuthenticate (key 36), versions 0–2: carries one SASL token each way
 * after SaslHandshake v1. v1+ answers with the session lifetime (KIP-368:
 * the client must re-authenticate before it ends). Flexible from v2.
 *
 * @module
 */

import type { Api } from "./api.ts";
import { checkVersion } from "./api_errors.ts";

/**
 * SaslAuthenticate request body.
 *
 * @example Usage
 * ```ts
 * import type { SaslAuthenticateRequest } from "./sasl_authenticate.ts";
 * const req: SaslAuthenticateRequest = { authBytes: new TextEncoder().encode("n,,n=alice,r=abc") };
 * console.assert(req.authBytes.length === 16);
 * ```
 */
export interface SaslAuthenticateRequest {
  /** The client's SASL token. */
  authBytes: Uint8Array;
}

/**
 * SaslAuthenticate response body.
 *
 * @example Usage
 * ```ts
 * import type { SaslAuthenticateResponse } from "./sasl_authenticate.ts";
 * const res: SaslAuthenticateResponse = { errorCode: 0, errorMessage: null, authBytes: new Uint8Array(0), sessionLifetimeMs: 0n };
 * console.assert(res.sessionLifetimeMs === 0n);
 * ```
 */
export interface SaslAuthenticateResponse {
  /** The error, 0 if none (SASL_AUTHENTICATION_FAILED: wrong credentials). */
  errorCode: number;
  /** The broker's message with the error, if any. */
  errorMessage: string | null;
  /** The broker's SASL token (a SCRAM server message; empty for PLAIN). */
  authBytes: Uint8Array;
  /** v1+: ms until the session must be re-authenticated, 0 for no limit; 0 before v1. */
  sessionLifetimeMs: bigint;
}

/**
 * The SaslAuthenticate API.
 *
 * @example Usage
 * ```ts
 * import { SaslAuthenticate } from "./sasl_authenticate.ts";
 * import { Writer } from "./writer.ts";
 * const w = new Writer();
 * SaslAuthenticate.encode(w, 2, { authBytes: new Uint8Array(3) });
 * console.assert(w.length === 1 + 3 + 1);
 * ```
 */
export const SaslAuthenticate: Api<SaslAuthenticateRequest, SaslAuthenticateResponse> = {
  name: "SaslAuthenticate",
  key: 36,
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,

  encode(w, version, req) {
    checkVersion(SaslAuthenticate, version);
    if (version >= 2) w.compactBytes(req.authBytes).tags(true);
    else w.bytesField(req.authBytes);
  },

  decode(r, version) {
    checkVersion(SaslAuthenticate, version);
    const flexible = version >= 2;
    const errorCode = r.int16();
    const errorMessage = r.nullableStringOf(flexible);
    const authBytes = flexible ? r.compactBytes() : r.bytes();
    const sessionLifetimeMs = version >= 1 ? r.int64() : 0n;
    r.tags(flexible);
    return { errorCode, errorMessage, authBytes, sessionLifetimeMs };
  },
};
