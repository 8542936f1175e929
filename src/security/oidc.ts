/**
 * OAuth 2 client credentials (RFC 6749 §4.4) against an OIDC token endpoint,
 * as Java's `OAuthBearerLoginCallbackHandler` with `ClientCredentialsJwtRetriever`
 * (KIP-768): a POST of `grant_type=client_credentials` (and `scope`), the
 * client id and secret as HTTP Basic authentication, through `fetch`. The
 * token's expiry and subject come from the JWT's `exp` and `sub` claims,
 * else from `expires_in`. No error message holds the secret or the token.
 *
 * @module
 */

import type { Password } from "../password.ts";
import type { OAuthBearerToken, OAuthBearerTokenProvider } from "./oauthbearer.ts";
import { base64 } from "./scram.ts";
import { utf8 } from "./mechanism.ts";

/** Settings of {@linkcode clientCredentialsProvider}. */
export interface ClientCredentialsOptions {
  /** `sasl.oauthbearer.token.endpoint.url`. */
  readonly tokenEndpointUrl: string;
  /** `sasl.oauthbearer.client.credentials.client.id` (JAAS `clientId`). */
  readonly clientId: string;
  /** `sasl.oauthbearer.client.credentials.client.secret` (JAAS `clientSecret`). */
  readonly clientSecret: Password;
  /** `sasl.oauthbearer.scope` (JAAS `scope`); null sends none. */
  readonly scope: string | null;
  /** The `fetch` to use (default: the runtime's). */
  readonly fetch?: typeof fetch;
}

/** The claims of a JWT's payload, or an empty object if it is not a JWT. */
function jwtClaims(token: string): Record<string, unknown> {
  const part = token.split(".")[1];
  if (part === undefined) return {};
  try {
    const text = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
    const claims: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(text, (c) => c.charCodeAt(0))));
    return typeof claims === "object" && claims !== null ? claims as Record<string, unknown> : {};
  } catch {
    return {};
  }
}

/**
 * A token provider that asks the endpoint for a token each time it is called
 * (wrap it in a `TokenCache` to reuse tokens).
 *
 * @example With a fake endpoint
 * ```ts
 * import { Password } from "@edgekafka/producer";
 * import { clientCredentialsProvider } from "./oidc.ts";
 * const fake = (async () => new Response(JSON.stringify({ access_token: "abc", expires_in: 60 }))) as unknown as typeof fetch;
 * const provider = clientCredentialsProvider({ tokenEndpointUrl: "http://127.0.0.1:1/token", clientId: "alice",
 *   clientSecret: new Password("alice-secret"), scope: null, fetch: fake });
 * const token = await provider();
 * console.assert(token.value === "abc" && token.lifetimeMs > Date.now());
 * ```
 */
export function clientCredentialsProvider(options: ClientCredentialsOptions): OAuthBearerTokenProvider {
  const { tokenEndpointUrl: url, clientId, clientSecret, scope } = options;
  return async (): Promise<OAuthBearerToken> => {
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    if (scope !== null) form.set("scope", scope);
    // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
    const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
    const basic = base64(utf8(`${enc(clientId)}:${enc(clientSecret.value())}`));
    const started = Date.now();
    let response: Response;
    try {
      response = await (options.fetch ?? fetch)(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", authorization: `Basic ${basic}` },
        body: form.toString(),
      });
    } catch (cause) {
      throw new Error(`OIDC token endpoint "${url}" could not be reached: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Reported below.
    }
    if (!response.ok) {
      const what = [body.error, body.error_description].filter((x) => typeof x === "string").join(": ").slice(0, 200);
      throw new Error(`OIDC token endpoint "${url}" answered HTTP ${response.status}${what ? ` (${what})` : ""}`);
    }
    const value = body.access_token;
    if (typeof value !== "string" || value === "") throw new Error(`OIDC token endpoint "${url}" answered without an access_token`);
    const claims = jwtClaims(value);
    const expiresIn = typeof body.expires_in === "number" ? body.expires_in : Number(body.expires_in);
    const lifetimeMs = typeof claims.exp === "number" ? claims.exp * 1000 : Number.isFinite(expiresIn) ? started + expiresIn * 1000 : NaN;
    if (!Number.isFinite(lifetimeMs)) throw new Error(`OIDC token endpoint "${url}" answered without an expiry (no "exp" claim, no expires_in)`);
    return { value, lifetimeMs, principalName: typeof claims.sub === "string" ? claims.sub : clientId };
  };
}
