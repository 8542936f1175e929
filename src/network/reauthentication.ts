/**
 * SASL re-authentication of an open connection (KIP-368), as Java's client
 * does it: when SaslAuthenticate gave the session a lifetime, the connection
 * authenticates again at 85–95 % of it, so the broker never closes it for an
 * expired session.
 *
 * Between requests, never across them: once re-authentication is due the
 * `NetworkClient` sends nothing new on the connection (`active`; its requests
 * wait in {@linkcode Reauthentication.hold}, in order, and the sender sees the
 * node as not ready), the requests in flight are answered, then the SASL
 * exchange runs alone on the wire (a fresh mechanism: a new OAuth token where
 * the old one expires), and the held requests go out in the order they were
 * made. Nothing fails or is reordered. A failed exchange closes the
 * connection with its error (a `SaslAuthenticationError` for a refusal); the
 * held requests then find no connection and are retried as after any
 * disconnect.
 *
 * @module
 */

import { ConnectionError, KafkaError } from "../errors.ts";
import type { Connection } from "./connection.ts";

/** What a {@linkcode Reauthentication} runs and reports to. */
export interface ReauthenticationOptions {
  /** The SASL exchange (`./authenticate.ts`); resolves with the new session lifetime in ms (0: none). */
  authenticate: (conn: Connection, background?: boolean) => Promise<number>;
  /** A re-authentication ended: how long it took (ms) and its error, if it failed. */
  onDone: (latencyMs: number, error: KafkaError | null) => void;
}

/**
 * The re-authentication schedule and hold of one connection; owned by the
 * `NetworkClient` entry of that connection.
 *
 * @example Created for a connection whose session has a lifetime
 * ```ts ignore
 * const reauth = new Reauthentication(conn, { authenticate, onDone: (ms, error) => {} });
 * if (reauth.active) await reauth.hold(() => client.send(nodeId, Produce, request));
 * ```
 */
export class Reauthentication {
  readonly #conn: Connection;
  readonly #options: ReauthenticationOptions;
  /** "idle" until due; "due": holding new requests until the connection has none in flight; "running": the SASL exchange is on the wire. */
  #state: "idle" | "due" | "running" | "closed" = "idle";
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Requests made while active, in order; released (or failed) only by `#release`. */
  #held: Array<() => void> = [];

  constructor(conn: Connection, options: ReauthenticationOptions) {
    this.#conn = conn;
    this.#options = options;
    this.#schedule(conn.sessionLifetimeMs);
  }

  /** Whether new requests must wait (re-authentication due or under way). */
  get active(): boolean {
    return this.#state === "due" || this.#state === "running";
  }

  /** Requests held back, for the connection's in-flight count. */
  get held(): number {
    return this.#held.length;
  }

  /** Runs `send` once re-authentication has ended (at once if it is not active). */
  hold<T>(send: () => Promise<T>): Promise<T> {
    if (!this.active) return send();
    return new Promise<T>((resolve, reject) => this.#held.push(() => void send().then(resolve, reject)));
  }

  /** Called when a request on the connection settled: a due re-authentication starts once none is in flight. */
  requestSettled(): void {
    if (this.#state !== "due" || this.#conn.inFlight > 0 || !this.#conn.isOpen) return;
    this.#state = "running";
    const started = Date.now();
    this.#options.authenticate(this.#conn, true).then(
      (lifetimeMs) => {
        if (this.#state === "closed") return;
        this.#state = "idle";
        this.#schedule(lifetimeMs);
        this.#options.onDone(Date.now() - started, null);
        this.#release();
      },
      (error: unknown) => {
        if (this.#state === "closed") return;
        const e = error instanceof KafkaError
          ? error
          : new ConnectionError(`Re-authentication to "${this.#conn.host}:${this.#conn.port}" failed`, { cause: error });
        this.#options.onDone(Date.now() - started, e);
        this.#conn.close(e);
        this.close();
      },
    );
  }

  /** The connection is gone: no more re-authentication; held requests go on (and find no connection). */
  close(): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#release();
  }

  #schedule(lifetimeMs: number): void {
    if (lifetimeMs <= 0 || this.#state === "closed") return;
    // As Java's client: at 85–95 % of the lifetime, so the exchange ends before the broker's deadline,
    // and connections opened together do not all re-authenticate at once.
    const delay = Math.floor(lifetimeMs * (0.85 + 0.1 * Math.random()));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#state !== "idle") return;
      this.#state = "due";
      this.requestSettled();
    }, delay);
  }

  #release(): void {
    for (const send of this.#held.splice(0)) send();
  }
}
