/**
 * SASL OAUTHBEARER (RFC 7628) as Kafka's `OAuthBearerSaslClient`: the client
 * first message `n,,\x01auth=Bearer <token>[\x01key=value…]\x01\x01`
 * carrying the token and the SASL extensions (KIP-342). A broker that
 * refuses the token answers with a JSON error, to which the client sends
 * `\x01` and gets the failure. Tokens come from a provider (a function, or
 * the OIDC client of `./oidc.ts`) through a {@linkcode TokenCache}, which
 * fetches a new one once 80 % of the old one's lifetime has passed (Java's
 * `sasl.login.refresh.window.factor`).
 *
 * @module
 */

import { SaslFailure, type SaslMechanism, type SaslSend, utf8 } from "./mechanism.ts";

/**
 * An OAuth bearer token, as Java's `OAuthBearerToken`.
 *
 * @example Usage
 * ```ts
 * import type { OAuthBearerToken } from "@edgekafka/producer";
 * const t: OAuthBearerToken = { value: "eyJ…", lifetimeMs: Date.now() + 3_600_000, principalName: "alice" };
 * console.assert(t.lifetimeMs > Date.now());
 * ```
 */
export interface OAuthBearerToken {
  /** The token (a JWT for OIDC providers). */
  readonly value: string;
  /** When it expires, in ms since the epoch (Java's `lifetimeMs()`). */
  readonly lifetimeMs: number;
  /** Whom it names (for logs). */
  readonly principalName?: string;
  /** SASL extensions to send with it (KIP-342), e.g. `{ logicalCluster: "lkc-123" }`. */
  readonly extensions?: Readonly<Record<string, string>>;
}

/** Gives a fresh token; edgekafka caches it until 80 % of its lifetime has passed. */
export type OAuthBearerTokenProvider = () => Promise<OAuthBearerToken>;

const KEY = /^[A-Za-z]+$/;
const VALUE = /^[\x21-\x7E \t\r\n]+$/;

/**
 * The client first message of RFC 7628 §3.1 with Kafka's extensions.
 *
 * @example Usage
 * ```ts
 * import { clientFirstMessage } from "./oauthbearer.ts";
 * const m = clientFirstMessage("abc", { traceId: "42" });
 * console.assert(m === "n,,\u0001auth=Bearer abc\u0001traceId=42\u0001\u0001");
 * ```
 */
export function clientFirstMessage(token: string, extensions: Readonly<Record<string, string>> = {}): string {
  let ext = "";
  for (const [key, value] of Object.entries(extensions)) {
    if (!KEY.test(key) || key === "auth") throw new SaslFailure(`SASL extension name "${key}" is invalid: letters only, and not "auth"`);
    if (!VALUE.test(value)) throw new SaslFailure(`SASL extension "${key}" has an invalid value`);
    ext += `\u0001${key}=${value}`;
  }
  return `n,,\u0001auth=Bearer ${token}${ext}\u0001\u0001`;
}

/**
 * Caches the provider's token, shared by every connection of a producer: a
 * new one is fetched once 80 % of the current one's lifetime has passed (or
 * it expired), one fetch at a time.
 *
 * @example Usage
 * ```ts
 * import { TokenCache } from "./oauthbearer.ts";
 * let calls = 0;
 * const cache = new TokenCache(async () => ({ value: `t${++calls}`, lifetimeMs: Date.now() + 60_000 }));
 * console.assert((await cache.get()).value === "t1" && (await cache.get()).value === "t1");
 * ```
 */
export class TokenCache {
  readonly #provider: OAuthBearerTokenProvider;
  #token: OAuthBearerToken | null = null;
  #refreshAt = 0;
  #fetching: Promise<OAuthBearerToken> | null = null;

  /**
   * Wraps a provider.
   *
   * @param provider Gives a fresh token.
   */
  constructor(provider: OAuthBearerTokenProvider) {
    this.#provider = provider;
  }

  /** The cached token, or a new one when it is due for refresh. */
  get(now = Date.now()): Promise<OAuthBearerToken> {
    if (this.#token !== null && now < this.#refreshAt) return Promise.resolve(this.#token);
    this.#fetching ??= this.#fetch(now).finally(() => (this.#fetching = null));
    return this.#fetching;
  }

  async #fetch(now: number): Promise<OAuthBearerToken> {
    let token: OAuthBearerToken;
    try {
      token = await this.#provider();
    } catch (cause) {
      throw new SaslFailure(`The OAUTHBEARER token provider failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    if (typeof token?.value !== "string" || token.value === "" || /[\s\x00-\x1f]/.test(token.value)) {
      throw new SaslFailure("The OAUTHBEARER token provider gave no token, or one with spaces or control characters");
    }
    if (!Number.isFinite(token.lifetimeMs) || token.lifetimeMs <= now) {
      throw new SaslFailure("The OAUTHBEARER token provider gave a token that has expired (lifetimeMs is when it expires, in ms since the epoch)");
    }
    this.#token = token;
    this.#refreshAt = now + 0.8 * (token.lifetimeMs - now);
    return token;
  }
}

/**
 * The OAUTHBEARER mechanism over a {@linkcode TokenCache}.
 *
 * @example Usage
 * ```ts
 * import { OAuthBearerMechanism, TokenCache } from "./oauthbearer.ts";
 * const m = new OAuthBearerMechanism(new TokenCache(async () => ({ value: "abc", lifetimeMs: Date.now() + 60_000 })));
 * let sent = "";
 * await m.authenticate(async (t) => { sent = new TextDecoder().decode(t); return new Uint8Array(0); });
 * console.assert(sent.startsWith("n,,\u0001auth=Bearer abc"));
 * ```
 */
export class OAuthBearerMechanism implements SaslMechanism {
  readonly name = "OAUTHBEARER";
  readonly #tokens: TokenCache;

  /**
   * Builds the mechanism.
   *
   * @param tokens Where tokens come from.
   */
  constructor(tokens: TokenCache) {
    this.#tokens = tokens;
  }

  /** Sends the token; a JSON error answer is acknowledged and reported. */
  async authenticate(send: SaslSend): Promise<void> {
    const token = await this.#tokens.get();
    const answer = await send(utf8(clientFirstMessage(token.value, token.extensions)));
    if (answer.length === 0) return;
    // RFC 7628 §3.2.2: the server's error; the client answers with a single %x01 and the broker fails the exchange.
    const detail = new TextDecoder().decode(answer).slice(0, 300);
    await send(new Uint8Array([1]));
    throw new SaslFailure(`The broker refused the token: ${detail}`);
  }
}
