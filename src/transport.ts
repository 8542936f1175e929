/**
 * The default transport: `mod.ts` registers the adapter for the runtime it
 * is loaded in, so `src/` never imports runtime code itself.
 *
 * @module
 */

import { ConfigError } from "./errors.ts";
import type { Connect } from "./socket.ts";

let defaultConnect: Connect | null = null;

/**
 * Sets the transport producers use when none is given (`connect` option).
 *
 * @example Registering a transport
 * ```ts
 * import { setDefaultConnect } from "./transport.ts";
 * import { connect } from "../runtime/node.ts";
 * setDefaultConnect(connect);
 * ```
 */
export function setDefaultConnect(connect: Connect): void {
  defaultConnect = connect;
}

/**
 * The transport to use: the given one, else the registered default.
 *
 * @example Usage
 * ```ts ignore
 * const connect = resolveConnect(config.connect);
 * ```
 */
export function resolveConnect(given: Connect | null): Connect {
  const c = given ?? defaultConnect;
  if (c === null) {
    throw new ConfigError(
      "connect",
      'No socket adapter for this runtime: pass the "connect" option, e.g. `import { connect } from "@edgekafka/producer/node"`',
    );
  }
  return c;
}
