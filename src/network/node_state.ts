/**
 * The connection state the `NetworkClient` (`./client.ts`) keeps per broker,
 * and the `max.connections` rule over all of them. Only the client changes
 * a `NodeState` (directly, or through {@linkcode roomForOneMore}, which it calls).
 *
 * @module
 */

import { ConnectionLimitError, type KafkaError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { BrokerNode } from "../metadata.ts";
import type { Connection } from "./connection.ts";

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
