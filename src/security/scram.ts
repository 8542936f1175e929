/**
 * SASL SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677), as Kafka's
 * `ScramSaslClient`: a client nonce, the salted password by PBKDF2, the
 * client proof, and the server signature verified before the exchange is
 * called a success (a broker that cannot prove it knows the password is
 * refused). The server nonce must extend the client's, and the iteration
 * count be at least 4096 (Java's minimum). The crypto is WebCrypto's
 * (`crypto.subtle`), present on every runtime edgekafka supports.
 *
 * @module
 */

import type { Password } from "../password.ts";
import { SaslFailure, type SaslMechanism, type SaslSend, utf8 } from "./mechanism.ts";

/** Java's `ScramMechanism.minIterations`. */
export const SCRAM_MIN_ITERATIONS = 4096;

/** The hash of a SCRAM mechanism, as WebCrypto names it ("SHA-1" only for RFC 5802's test vectors). */
export type ScramHash = "SHA-1" | "SHA-256" | "SHA-512";

const HASH_BITS: Record<ScramHash, number> = { "SHA-1": 160, "SHA-256": 256, "SHA-512": 512 };

/**
 * Base64 of bytes.
 *
 * @example Usage
 * ```ts
 * import { base64 } from "./scram.ts";
 * console.assert(base64(new TextEncoder().encode("n,,")) === "biws");
 * ```
 */
export function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * Bytes of base64 text; throws on text that is not base64.
 *
 * @example Usage
 * ```ts
 * import { fromBase64 } from "./scram.ts";
 * console.assert(new TextDecoder().decode(fromBase64("biws")) === "n,,");
 * ```
 */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * A user name as SCRAM sends it (RFC 5802 §5.1: "=" → "=3D", "," → "=2C").
 *
 * @example Usage
 * ```ts
 * import { saslName } from "./scram.ts";
 * console.assert(saslName("a,b=c") === "a=2Cb=3Dc");
 * ```
 */
export function saslName(username: string): string {
  return username.replace(/=/g, "=3D").replace(/,/g, "=2C");
}

/** The attributes of a server message (`r=…,s=…,i=…`), by their one-letter names. */
function attributes(message: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of message.split(",")) {
    const eq = part.indexOf("=");
    if (eq !== 1) throw new SaslFailure(`The broker sent a malformed SCRAM message (attribute "${part.slice(0, 16)}")`);
    if (!map.has(part[0]!)) map.set(part[0]!, part.slice(2));
  }
  return map;
}

/**
 * The bytes as WebCrypto's `BufferSource` (TypeScript's DOM types refuse a
 * view whose buffer might be shared); copied only if it is not a plain `ArrayBuffer`.
 */
function source(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b.buffer instanceof ArrayBuffer ? (b as Uint8Array<ArrayBuffer>) : new Uint8Array(b);
}

async function hmac(hash: ScramHash, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", source(key), { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, source(data)));
}

/**
 * RFC 5802's `Hi()`: PBKDF2 with HMAC-`hash` of the password, salt and iteration count.
 *
 * @example RFC 7677's test vector
 * ```ts
 * import { fromBase64, saltedPassword } from "./scram.ts";
 * const salted = await saltedPassword("SHA-256", "pencil", fromBase64("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
 * console.assert(salted.length === 32);
 * ```
 */
export async function saltedPassword(hash: ScramHash, password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", source(utf8(password)), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash, salt: source(salt), iterations }, key, HASH_BITS[hash]);
  return new Uint8Array(bits);
}

/** The proof and the expected server signature of one exchange. */
export interface ScramProof {
  /** The client-final-message. */
  clientFinal: string;
  /** The server signature the server-final-message must carry (base64). */
  serverSignature: string;
}

/**
 * Computes the client-final-message and the expected server signature from
 * the client-first-message-bare, the server-first-message and the password
 * (RFC 5802 §3). Checks the nonce and the iteration count first.
 *
 * @example RFC 7677's test vector
 * ```ts
 * import { scramProof } from "./scram.ts";
 * import { Password } from "@edgekafka/producer";
 * const p = await scramProof("SHA-256", "n=user,r=rOprNGfwEbeRWgbNEkqO",
 *   "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", new Password("pencil"), "rOprNGfwEbeRWgbNEkqO");
 * console.assert(p.clientFinal.endsWith(",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
 * console.assert(p.serverSignature === "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
 * ```
 */
export async function scramProof(
  hash: ScramHash,
  clientFirstBare: string,
  serverFirst: string,
  password: Password,
  clientNonce: string,
): Promise<ScramProof> {
  const server = attributes(serverFirst);
  if (server.has("e")) throw new SaslFailure(`The broker refused the SCRAM exchange: ${server.get("e")}`);
  if (server.has("m")) throw new SaslFailure("The broker asked for a SCRAM extension this client does not know");
  const nonce = server.get("r");
  const salt = server.get("s");
  const iterationsText = server.get("i");
  if (nonce === undefined || salt === undefined || iterationsText === undefined) {
    throw new SaslFailure("The broker's SCRAM server-first-message lacks the nonce, salt or iteration count");
  }
  if (!nonce.startsWith(clientNonce) || nonce.length <= clientNonce.length) {
    throw new SaslFailure("The broker's SCRAM nonce does not extend the client's nonce");
  }
  const iterations = Number(iterationsText);
  if (!/^[0-9]+$/.test(iterationsText) || !Number.isSafeInteger(iterations)) {
    throw new SaslFailure(`The broker's SCRAM iteration count "${iterationsText.slice(0, 16)}" is not a number`);
  }
  if (iterations < SCRAM_MIN_ITERATIONS) {
    throw new SaslFailure(`The broker's SCRAM iteration count ${iterations} is below the minimum of ${SCRAM_MIN_ITERATIONS}`);
  }
  let saltBytes: Uint8Array;
  try {
    saltBytes = fromBase64(salt);
  } catch (cause) {
    throw new SaslFailure("The broker's SCRAM salt is not base64", { cause });
  }
  const salted = await saltedPassword(hash, password.value(), saltBytes, iterations);
  const clientKey = await hmac(hash, salted, utf8("Client Key"));
  const storedKey = new Uint8Array(await crypto.subtle.digest(hash, source(clientKey)));
  const withoutProof = `c=biws,r=${nonce}`; // biws: base64 of the GS2 header "n,,"
  const authMessage = utf8(`${clientFirstBare},${serverFirst},${withoutProof}`);
  const clientSignature = await hmac(hash, storedKey, authMessage);
  const proof = clientKey.map((b, i) => b ^ clientSignature[i]!);
  const serverKey = await hmac(hash, salted, utf8("Server Key"));
  const serverSignature = base64(await hmac(hash, serverKey, authMessage));
  return { clientFinal: `${withoutProof},p=${base64(proof)}`, serverSignature };
}

/**
 * Checks the server-final-message against the expected server signature;
 * throws a {@linkcode SaslFailure} when it carries an error or another signature.
 *
 * @example Usage
 * ```ts
 * import { verifyServerFinal } from "./scram.ts";
 * verifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
 * ```
 */
export function verifyServerFinal(serverFinal: string, serverSignature: string): void {
  const server = attributes(serverFinal);
  const error = server.get("e");
  if (error !== undefined) throw new SaslFailure(`The broker refused the SCRAM proof: ${error}`);
  const v = server.get("v");
  // Constant time is moot here (the client checks the server), but cheap.
  let diff = v === undefined || v.length !== serverSignature.length ? 1 : 0;
  for (let i = 0; v !== undefined && i < Math.min(v.length, serverSignature.length); i++) diff |= v.charCodeAt(i) ^ serverSignature.charCodeAt(i);
  if (diff !== 0) throw new SaslFailure("The broker's SCRAM server signature does not verify: it does not know this user's credentials");
}

/** A fresh client nonce: 24 random bytes, base64 (printable, no comma). */
function randomNonce(): string {
  return base64(crypto.getRandomValues(new Uint8Array(24)));
}

/**
 * The SCRAM-SHA-256 or SCRAM-SHA-512 mechanism for one user.
 *
 * @example Against a fake broker that knows the password (RFC 7677's exchange)
 * ```ts
 * import { Password } from "@edgekafka/producer";
 * import { ScramMechanism } from "./scram.ts";
 * const server = ["r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
 *   "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="];
 * const m = new ScramMechanism("SCRAM-SHA-256", "user", new Password("pencil"), () => "rOprNGfwEbeRWgbNEkqO");
 * await m.authenticate(async () => new TextEncoder().encode(server.shift()!));
 * ```
 */
export class ScramMechanism implements SaslMechanism {
  readonly name: "SCRAM-SHA-256" | "SCRAM-SHA-512";
  readonly #hash: ScramHash;
  readonly #username: string;
  readonly #password: Password;
  readonly #nonce: () => string;

  /**
   * Builds the mechanism.
   *
   * @param name "SCRAM-SHA-256" or "SCRAM-SHA-512".
   * @param username The user name.
   * @param password The user's password.
   * @param nonce Makes the client nonce (tests pass a fixed one).
   */
  constructor(name: "SCRAM-SHA-256" | "SCRAM-SHA-512", username: string, password: Password, nonce: () => string = randomNonce) {
    this.name = name;
    this.#hash = name === "SCRAM-SHA-256" ? "SHA-256" : "SHA-512";
    this.#username = username;
    this.#password = password;
    this.#nonce = nonce;
  }

  /** Runs client-first, client-final, and verifies the server-final message. */
  async authenticate(send: SaslSend): Promise<void> {
    const decoder = new TextDecoder();
    const clientNonce = this.#nonce();
    const clientFirstBare = `n=${saslName(this.#username)},r=${clientNonce}`;
    const serverFirst = decoder.decode(await send(utf8(`n,,${clientFirstBare}`)));
    const { clientFinal, serverSignature } = await scramProof(this.#hash, clientFirstBare, serverFirst, this.#password, clientNonce);
    const serverFinal = decoder.decode(await send(utf8(clientFinal)));
    verifyServerFinal(serverFinal, serverSignature);
  }
}
