/**
 * Connections to the brokers of a cluster, as Java's `NetworkClient`: at most
 * one connection per broker, opened on demand, with exponential reconnect
 * backoff (`reconnect.backoff.ms` → `reconnect.backoff.max.ms`, ±20 %
 * jitter), an exponential connection setup timeout
 * (`socket.connection.setup.timeout.ms` → `.max.ms`), a cap on requests in
 * flight per connection, and idle connections closed after
 * `connections.max.idle.ms`. A response carrying a throttle time (KIP-219,
 * a broker quota) mutes its connection until that time has passed: no
 * request goes out on it before then (Java's `ClusterConnectionStates.throttle`).
 * With `maxConnections` (`max.connections`; Cloudflare Workers allow six per
 * request) no more connections are open or opening at once: a new one first
 * closes the longest-idle connection without requests in flight, and waits
 * (its node's last error a `ConnectionLimitError`) while there is none; it is
 * retried when a connection closes or a response arrives, not polled.
 * With SASL, a connection whose session has a lifetime re-authenticates
 * between requests before it ends (KIP-368, `./reauthentication.ts`).
 *
 * @module
 */

import { backoffMs } from "../backoff.ts";
import { ClosedError, ConnectionError, ConnectionLimitError, type KafkaError } from "../errors.ts";
import { isFatalConnectionError } from "../errors_auth.ts";
import type { Logger } from "../logger.ts";
import type { BrokerNode } from "../metadata.ts";
import type { Api } from "../protocol/api.ts";
import type { Connect } from "../socket.ts";
import { Connection, type SendOptions } from "./connection.ts";
import { leastLoaded, type NodeState, roomForOneMore } from "./node_state.ts";
import { Reauthentication } from "./reauthentication.ts";
import { shouldClientThrottle, ThrottleWaits, throttleTimeOf } from "./throttle.ts";

/** Options of {@linkcode NetworkClient.send}: a connection's, and a deadline. */
export interface ClientSendOptions extends SendOptions {
  /**
   * When the caller gives up (epoch ms): a request that would still be
   * waiting for its connection's throttle then fails with a `TimeoutError`
   * at this time instead (default: it waits the throttle out).
   */
  deadline?: number;
}

/** Settings of a {@linkcode NetworkClient}. */
export interface NetworkClientOptions {
  connect: Connect;
  clientId: string | null;
  requestTimeoutMs: number;
  socketConnectionSetupTimeoutMs: number;
  socketConnectionSetupTimeoutMaxMs: number;
  reconnectBackoffMs: number;
  reconnectBackoffMaxMs: number;
  connectionsMaxIdleMs: number;
  maxInFlightRequestsPerConnection: number;
  /** Most connections open or opening at once; absent: no limit. */
  maxConnections?: number;
  logger: Logger;
  /** SASL authentication of each new connection (`./authenticate.ts`), and its re-authentication (KIP-368); none without SASL. */
  authenticate?: (conn: Connection, background?: boolean) => Promise<number>;
  /** A KIP-368 re-authentication ended: its latency (ms) and error, if it failed (Java's `successful-reauthentication-*` metrics). */
  onReauthenticated?: (latencyMs: number, error: KafkaError | null) => void;
  /**
   * Told a connection attempt's fatal error (a TLS or SASL authentication
   * failure, Java's `AuthenticationException`): waiting sends fail with it
   * at once. The reconnect backoff applies as to any failure.
   */
  onFatalError?: (error: KafkaError) => void;
  /** Called when a connection opens or closes (the sender re-evaluates). */
  onChange: () => void;
  /**
   * Called when a connection attempt fails or a connection breaks: as Java's
   * `handleServerDisconnect`, the metadata may be stale (a dead leader).
   */
  onDisconnect?: (nodeId: number) => void;
  /**
   * Told the throttle time of every response received through
   * {@linkcode NetworkClient.send} (0 for most), as Java's throttle-time sensor
   * (`produce-throttle-time-avg`, `-max`).
   */
  onThrottleTime?: (ms: number, now: number) => void;
}

/**
 * The producer's connections.
 *
 * @example Sending to whichever broker is least loaded
 * ```ts ignore
 * const node = client.leastLoadedNode(metadata.nodes, Date.now());
 * if (node && client.ready(node, Date.now())) await client.send(node.id, Metadata, { topics: null });
 * ```
 */
export class NetworkClient {
  readonly #options: NetworkClientOptions;
  readonly #nodes = new Map<number, NodeState>();
  #closed = false;
  /** Requests waiting for a throttle to end; close() ends their waits, so no throttle timer outlives the client. */
  readonly #throttleWaits = new ThrottleWaits();
  /** The state each open connection belongs to; changes only when a bootstrap connection is adopted. */
  readonly #owners = new WeakMap<Connection, NodeState>();

  constructor(options: NetworkClientOptions) {
    this.#options = options;
  }

  /** Whether `node` has an open connection, not throttled, with room for another request. */
  isReady(nodeId: number, now: number = Date.now()): boolean {
    const s = this.#nodes.get(nodeId);
    return s?.conn?.isOpen === true && s.conn.inFlight < this.#options.maxInFlightRequestsPerConnection && s.throttleUntil <= now &&
      s.reauth?.active !== true;
  }

  /** Like {@linkcode isReady}, but starts connecting if it can. */
  ready(node: BrokerNode, now: number): boolean {
    if (this.isReady(node.id, now)) return true;
    this.#maybeConnect(node, now);
    return false;
  }

  /** Whether a connection to `nodeId` is open (whatever its load). */
  isConnected(nodeId: number): boolean {
    return this.#nodes.get(nodeId)?.conn?.isOpen === true;
  }

  /** The open connection to `nodeId`, if any. */
  connection(nodeId: number): Connection | null {
    const c = this.#nodes.get(nodeId)?.conn ?? null;
    return c?.isOpen ? c : null;
  }

  /** Starts connecting (unless connected, connecting or backing off) and resolves when open. */
  async connectTo(node: BrokerNode, now: number = Date.now()): Promise<Connection> {
    // Never resolves to nothing: callers send on what this returns.
    if (this.#closed) throw new ClosedError("The producer was closed: no new connections");
    const s = this.#state(node);
    if (s.conn?.isOpen) return s.conn;
    if (s.connecting === null && now < s.backoffUntil && s.lastError !== null) throw s.lastError;
    const attempt = this.#maybeConnect(node, now) ?? s.connecting;
    if (attempt !== null) return attempt;
    if (s.lastError instanceof ConnectionLimitError) throw s.lastError;
    throw new ConnectionError(`Connection to node ${node.id} (${node.host}:${node.port}) is backing off after a failure`);
  }

  /** Milliseconds until a connection to `node` may be attempted (0 = now or connected). */
  connectionDelay(nodeId: number, now: number): number {
    const s = this.#nodes.get(nodeId);
    if (s === undefined || s.conn?.isOpen || s.connecting) return 0;
    return Math.max(0, s.backoffUntil - now);
  }

  /** Milliseconds until the connection to `nodeId` is no longer throttled (0 = not throttled, or not connected). */
  throttleDelay(nodeId: number, now: number): number {
    const s = this.#nodes.get(nodeId);
    return s?.conn?.isOpen ? Math.max(0, s.throttleUntil - now) : 0;
  }

  /**
   * Milliseconds until a request to `nodeId` may be tried again: the throttle
   * time left on an open connection, else {@linkcode connectionDelay} (Java's
   * `pollDelayMs`).
   */
  pollDelay(nodeId: number, now: number): number {
    return this.throttleDelay(nodeId, now) || this.connectionDelay(nodeId, now);
  }

  /** Requests in flight to `nodeId`. */
  inFlight(nodeId: number): number {
    return this.#nodes.get(nodeId)?.conn?.inFlight ?? 0;
  }

  /** The last connection error of a node (for messages). */
  lastError(nodeId: number): KafkaError | null {
    return this.#nodes.get(nodeId)?.lastError ?? null;
  }

  /**
   * Sends on the open connection to `nodeId`; rejects if there is none. While
   * the connection is throttled the request waits until the throttle ends
   * (the sender never gets here then: it checks {@linkcode ready} first). The
   * response's throttle time mutes the connection for that long.
   */
  send<Req, Res>(nodeId: number, api: Api<Req, Res>, request: Req, options?: ClientSendOptions): Promise<Res> {
    const s = this.#nodes.get(nodeId);
    const conn = s?.conn;
    if (s === undefined || !conn?.isOpen) return Promise.reject(new ConnectionError(`No open connection to node ${nodeId}`));
    const wait = s.throttleUntil - Date.now();
    if (wait > 0) {
      const name = `Node ${s.node.id} "${s.node.host}:${s.node.port}"`;
      return this.#throttleWaits.wait(name, wait, options?.deadline).then(() => this.send(nodeId, api, request, options));
    }
    // Re-authenticating (KIP-368): the request waits, in order, until the exchange is over.
    const reauth = s.reauth;
    if (reauth?.active) return reauth.hold(() => this.send(nodeId, api, request, options));
    let version: number;
    try {
      version = options?.version ?? conn.version(api as Api<unknown, unknown>);
    } catch (error) {
      return Promise.reject(error);
    }
    const sent = conn.send(api, request, options?.version === undefined ? { ...options, version } : options);
    // A due re-authentication starts once no request is in flight.
    if (reauth !== null) void sent.then(() => reauth.requestSettled(), () => reauth.requestSettled());
    if (options?.expectResponse === false) return sent;
    return sent.then((response) => {
      this.#received(s, api.key, version, response);
      return response;
    });
  }

  /** A response arrived: its throttle time is recorded and, from the versions that ask it, mutes the connection. */
  #received(s: NodeState, apiKey: number, version: number, response: unknown): void {
    const now = Date.now();
    const ms = throttleTimeOf(response);
    this.#options.onThrottleTime?.(ms, now);
    if (ms === 0 || !shouldClientThrottle(apiKey, version)) return;
    s.throttleUntil = Math.max(s.throttleUntil, now + ms);
    this.#options.logger.debug("Broker throttled this client (quota)", { node: s.node.id, throttleTimeMs: ms });
  }

  /**
   * The node to ask when any will do (metadata, InitProducerId): the
   * connected, unthrottled one with the fewest requests in flight, else one
   * we may connect to now, else `null` (`leastLoaded` in `./node_state.ts`).
   */
  leastLoadedNode(nodes: readonly BrokerNode[], now: number): BrokerNode | null {
    return leastLoaded(nodes, this.#nodes, this.#options.maxInFlightRequestsPerConnection, now);
  }

  /** Closes connections idle for longer than `connections.max.idle.ms`. */
  closeIdle(now: number): void {
    const idle = this.#options.connectionsMaxIdleMs;
    if (idle < 0) return;
    for (const s of this.#nodes.values()) {
      if (s.conn?.isOpen && s.conn.inFlight === 0 && now - s.conn.lastActivity > idle) {
        this.#options.logger.debug("Closing idle connection", { node: s.node.id });
        s.conn.close();
      }
    }
  }

  /** Milliseconds until the next idle connection may be closed. */
  nextIdleCheck(now: number): number {
    const idle = this.#options.connectionsMaxIdleMs;
    if (idle < 0) return Infinity;
    let next = Infinity;
    for (const s of this.#nodes.values()) {
      if (s.conn?.isOpen && s.conn.inFlight === 0) next = Math.min(next, s.conn.lastActivity + idle - now + 1);
    }
    return Math.max(0, next);
  }

  /**
   * Takes the brokers' addresses from a metadata update: the connection of a
   * broker whose address changed is closed (its requests fail as a retriable
   * disconnect and are retried at the new address). A broker without a
   * connection adopts an open bootstrap connection to its exact address
   * (`#adoptBootstrapConnection`); other brokers we never talked to are not
   * tracked yet and are left alone.
   */
  updateNodes(nodes: readonly BrokerNode[]): void {
    for (const node of nodes) {
      const s = this.#nodes.get(node.id);
      if (s !== undefined) this.#state(node);
      if (!s?.conn?.isOpen && !s?.connecting) this.#adoptBootstrapConnection(node);
    }
  }

  /**
   * A broker we have no connection to yet whose advertised address is, host
   * and port exactly, a bootstrap address with an open connection: that
   * connection is the broker's from now on (its requests in flight go on).
   * The cold start then needs no second TCP connect, ApiVersions, TLS
   * handshake or SASL exchange to the same socket address (Java opens one;
   * librdkafka, too, merges a bootstrap broker into the broker it learns).
   * Another name for the same port is not taken for the same address: it
   * may resolve elsewhere, and TLS verified the name that was dialled.
   */
  #adoptBootstrapConnection(node: BrokerNode): void {
    for (const [id, from] of this.#nodes) {
      const conn = from.conn;
      if (id >= 0 || !conn?.isOpen || from.node.host !== node.host || from.node.port !== node.port) continue;
      const to = this.#state(node);
      // An open connection is as good as a successful attempt: any backoff from earlier failures ends.
      to.conn = conn;
      to.failures = 0;
      to.lastError = null;
      to.backoffUntil = 0;
      to.throttleUntil = from.throttleUntil;
      to.reauth = from.reauth;
      from.conn = null;
      from.throttleUntil = 0;
      from.reauth = null;
      this.#owners.set(conn, to);
      conn.adopted(node.id);
      this.#options.logger.debug("The bootstrap connection is the broker's", { node: node.id, host: node.host, port: node.port });
      return;
    }
  }

  /** Closes one broker's connection (its requests fail). */
  disconnect(nodeId: number, error?: KafkaError): void {
    this.#nodes.get(nodeId)?.conn?.close(error);
  }

  /** Closes every connection; no new ones are opened. */
  close(): void {
    this.#closed = true;
    this.#throttleWaits.close();
    for (const s of this.#nodes.values()) s.conn?.close();
  }

  #state(node: BrokerNode): NodeState {
    let s = this.#nodes.get(node.id);
    if (s === undefined) {
      s = { node, conn: null, connecting: null, failures: 0, backoffUntil: 0, lastError: null, throttleUntil: 0, reauth: null };
      this.#nodes.set(node.id, s);
    } else if (s.node.host !== node.host || s.node.port !== node.port) {
      // The broker moved: its old connection points at the wrong place. Its requests fail as
      // disconnected (retriable, as Java's), so their batches are retried at the new address.
      const from = s.node;
      s.node = node;
      s.conn?.close(new ConnectionError(`Node ${node.id} moved from "${from.host}:${from.port}" to "${node.host}:${node.port}": its connection was closed`));
    }
    return s;
  }

  #maybeConnect(node: BrokerNode, now: number): Promise<Connection> | null {
    if (this.#closed) return null;
    const s = this.#state(node);
    if (s.conn?.isOpen || s.connecting !== null || now < s.backoffUntil) return s.connecting;
    const o = this.#options;
    if (!roomForOneMore(this.#nodes.values(), s, o.maxConnections ?? Infinity, o.logger)) return null;
    const timeoutMs = backoffMs(s.failures, o.socketConnectionSetupTimeoutMs, o.socketConnectionSetupTimeoutMaxMs);
    o.logger.debug("Connecting to broker", { node: node.id, host: node.host, port: node.port });
    const attempt = Connection.open({
      connect: o.connect,
      host: node.host,
      port: node.port,
      nodeId: node.id,
      clientId: o.clientId,
      connectTimeoutMs: timeoutMs,
      requestTimeoutMs: o.requestTimeoutMs,
      authenticate: o.authenticate,
      onClose: (error, conn) => {
        // The node it belongs to now: a bootstrap connection may have been adopted by its broker.
        const owner = this.#owners.get(conn) ?? s;
        if (owner.conn === conn) {
          owner.conn = null;
          owner.reauth?.close();
          owner.reauth = null;
        }
        // A re-authentication the broker refused: as a failed first authentication, waiting sends fail with it.
        if (error !== undefined && isFatalConnectionError(error)) o.onFatalError?.(error);
        // Closed because the broker moved: that says nothing about its new address (no backoff).
        const moved = owner.node.host !== node.host || owner.node.port !== node.port;
        if (error !== undefined && !moved) {
          // A broken connection backs off like a failed attempt, so a broker
          // that accepts and drops connections is not hammered.
          owner.lastError = error;
          owner.backoffUntil = Date.now() + backoffMs(owner.failures, o.reconnectBackoffMs, o.reconnectBackoffMaxMs);
          owner.failures++;
          o.logger.debug("Connection closed", { node: owner.node.id, error: error.message });
          o.onDisconnect?.(owner.node.id);
        }
        o.onChange();
      },
    });
    s.connecting = attempt;
    attempt.then(
      (conn) => {
        s.connecting = null;
        if (this.#closed) return conn.close();
        s.conn = conn;
        s.failures = 0;
        s.lastError = null;
        s.reauth = conn.sessionLifetimeMs > 0 && o.authenticate !== undefined
          ? new Reauthentication(conn, {
            authenticate: o.authenticate,
            onDone: (latencyMs, error) => {
              o.onReauthenticated?.(latencyMs, error);
              if (error === null) o.onChange(); // its node is ready again
            },
          })
          : null;
        o.onChange();
      },
      (error: KafkaError) => {
        s.connecting = null;
        s.lastError = error;
        s.backoffUntil = Date.now() + backoffMs(s.failures, o.reconnectBackoffMs, o.reconnectBackoffMaxMs);
        s.failures++;
        o.logger.debug("Connection failed", { node: node.id, error: error.message });
        if (isFatalConnectionError(error)) o.onFatalError?.(error);
        o.onDisconnect?.(node.id);
        o.onChange();
      },
    );
    return attempt;
  }
}
