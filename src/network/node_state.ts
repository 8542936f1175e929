/**
 * The connection state the `NetworkClient` (`./client.ts`) keeps per broker,
 * the `max.connections` rule over all of them, and which node to ask when
 * any will do. Only the client changes
 * a `NodeState` (directly, or through {@linkcode roomForOneMore}, which it calls).
 *
 * @module
 */

import { ConnectionLimitError, type KafkaError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { BrokerNode } from "../metadata.ts";
import type { Connection } from "./connection.ts";
import type { Reauthentication } from "./reauthentication.ts";

/** Connection state of one broker. */
export interface NodeState {
  node: BrokerNode;
  /** The open connection, if any. */
  conn: Connection | null;
  /** A connection attempt under way. */
  connecting: Promise<Connection> | null;
  /** Consecutive failed attempts (drives both backoffs). */
  failures: number;
  /** No new attempt before this time (ms). */
  backoffUntil: number;
  /** The error of the last failed attempt or break. */
  lastError: KafkaError | null;
  /** No request goes out to this broker before this time (ms; KIP-219); only `#received` raises it. */
  throttleUntil: number;
  /** KIP-368 re-authentication of `conn`, when its SASL session has a lifetime; goes and closes with `conn`. */
  reauth: Reauthentication | null;
}

/**
 * Whether a connection for `s` stays within `maxConnections`, after closing
 * the longest-idle connection if that is what it takes. If not, `s` records
 * a `ConnectionLimitError` (no backoff: a close or a response wakes the
 * sender, which asks again).
 */
export function roomForOneMore(nodes: Iterable<NodeState>, s: NodeState, max: number, logger: Logger): boolean {
  if (max === Infinity) return true;
  let used = 0;
  let idlest: Connection | null = null;
  for (const other of nodes) {
    if (other.connecting !== null) used++;
    const conn = other.conn;
    if (!conn?.isOpen) continue;
    used++;
    if (conn.inFlight === 0 && (idlest === null || conn.lastActivity < idlest.lastActivity)) idlest = conn;
  }
  if (used < max) return true;
  if (idlest !== null) {
    logger.debug("Closing an idle connection to stay within max.connections", { maxConnections: max });
    idlest.close();
    return true;
  }
  if (!(s.lastError instanceof ConnectionLimitError)) {
    s.lastError = new ConnectionLimitError(max, `Node ${s.node.id} ("${s.node.host}:${s.node.port}")`);
    logger.info(s.lastError.message);
  }
  return false;
}

/**
 * The node to ask when any will do (metadata, InitProducerId), by the
 * `NetworkClient`'s states: the connected one with the fewest requests in
 * flight that may take one now (not throttled, not re-authenticating), else
 * one being connected to, else one we may connect to now, else `null`.
 * Starts from a random node to spread load.
 */
export function leastLoaded(nodes: readonly BrokerNode[], states: ReadonlyMap<number, NodeState>, maxInFlight: number, now: number): BrokerNode | null {
  let best: BrokerNode | null = null;
  let bestInFlight = Infinity;
  let connectable: BrokerNode | null = null;
  let connecting: BrokerNode | null = null;
  const offset = Math.floor(Math.random() * nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[(offset + i) % nodes.length]!;
    const s = states.get(node.id);
    if (s?.conn?.isOpen) {
      // A throttled or re-authenticating broker takes no request now (Java's canSendRequest), nor is it to be connected to.
      if (s.throttleUntil > now || s.reauth?.active) continue;
      const n = s.conn.inFlight;
      if (n < bestInFlight && n < maxInFlight) {
        best = node;
        bestInFlight = n;
      }
    } else if (s?.connecting) {
      connecting ??= node;
    } else if (s === undefined || now >= s.backoffUntil) {
      connectable ??= node;
    }
  }
  return best ?? connecting ?? connectable;
}
