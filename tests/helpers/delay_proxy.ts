/**
 * A TCP proxy that adds a fixed one-way delay in each direction, as a wide
 * area network would: the cold-start test and `bench/cold_start.ts` put it
 * in front of a "proxied" cluster (tests/kafka/kafka.sh advertises the
 * proxy's ports), so every client's connections go through it.
 *
 * A TCP connection costs a round trip before the client can send (SYN,
 * SYN-ACK): the proxy accepts at once on loopback, so it holds the client's
 * bytes until one round trip after the accept, then delays them one way.
 * Bytes keep their order in each direction. The proxy counts connections
 * and round trips are read off the clock: `(t1 - t0) / rttMs`.
 *
 * Runs on Bun and Node (`node:net`); test code, not part of the library.
 */

import { createServer, connect as tcpConnect, type Server, type Socket } from "node:net";

/** Where a {@linkcode DelayProxy} listens and forwards to. */
export interface DelayProxyRoute {
  /** Port on 127.0.0.1 to listen on. */
  listenPort: number;
  targetHost: string;
  targetPort: number;
}

/** Forwards chunks in order, each no earlier than its due time. */
class DelayedPipe {
  readonly #queue: Array<{ at: number; chunk: Uint8Array }> = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #last = 0;
  #ended = false;

  constructor(readonly to: Socket) {}

  push(chunk: Uint8Array, at: number): void {
    // Never before an earlier chunk: TCP keeps order.
    this.#last = Math.max(this.#last, at);
    this.#queue.push({ at: this.#last, chunk });
    this.#arm();
  }

  /** Ends the far side once everything queued is delivered. */
  end(): void {
    this.#ended = true;
    this.#arm();
  }

  destroy(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#queue.length = 0;
    this.to.destroy();
  }

  #arm(): void {
    if (this.#timer !== null) return;
    const head = this.#queue[0];
    if (head === undefined) {
      if (this.#ended) this.to.end();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const now = Date.now();
      while (this.#queue.length > 0 && this.#queue[0]!.at <= now) this.to.write(this.#queue.shift()!.chunk);
      this.#arm();
    }, Math.max(0, head.at - Date.now()));
  }
}

/**
 * The proxy.
 *
 * @example
 * ```ts ignore
 * const proxy = new DelayProxy([{ listenPort: 30001, targetHost: "127.0.0.1", targetPort: 30002 }], 25);
 * await proxy.start();
 * // ... clients bootstrap at 127.0.0.1:30001 ...
 * console.log(proxy.connections);
 * await proxy.close();
 * ```
 */
export class DelayProxy {
  /** Connections accepted since start (or the last {@linkcode reset}). */
  connections = 0;
  readonly #servers: Server[] = [];
  readonly #pipes = new Set<DelayedPipe>();

  /** `oneWayMs`: the delay each way (the round trip is twice that). */
  constructor(readonly routes: readonly DelayProxyRoute[], readonly oneWayMs: number) {}

  /** The round trip time the proxy adds. */
  get rttMs(): number {
    return 2 * this.oneWayMs;
  }

  async start(): Promise<void> {
    for (const route of this.routes) {
      const server = createServer((client) => this.#accept(client, route));
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(route.listenPort, "127.0.0.1", () => resolve());
      });
      this.#servers.push(server);
    }
  }

  reset(): void {
    this.connections = 0;
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    for (const p of this.#pipes) p.destroy();
    this.#pipes.clear();
    await Promise.all(this.#servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  #accept(client: Socket, route: DelayProxyRoute): void {
    this.connections++;
    const acceptedAt = Date.now();
    client.setNoDelay(true);
    const upstream = tcpConnect({ host: route.targetHost, port: route.targetPort });
    upstream.setNoDelay(true);
    const up = new DelayedPipe(upstream);
    const down = new DelayedPipe(client);
    this.#pipes.add(up).add(down);
    // The client could not have sent before its handshake's round trip ended.
    client.on("data", (chunk: Uint8Array) => up.push(chunk, Math.max(Date.now(), acceptedAt + this.rttMs) + this.oneWayMs));
    upstream.on("data", (chunk: Uint8Array) => down.push(chunk, Date.now() + this.oneWayMs));
    const done = () => {
      this.#pipes.delete(up);
      this.#pipes.delete(down);
    };
    client.on("end", () => up.end());
    upstream.on("end", () => down.end());
    client.on("error", () => (up.destroy(), down.destroy(), done()));
    upstream.on("error", () => (up.destroy(), down.destroy(), done()));
    client.on("close", done);
  }
}

/** Parses kafka.sh's `proxy=127.0.0.1:P>127.0.0.1:E,...` line into routes. */
export function proxyRoutes(line: string): DelayProxyRoute[] {
  return line
    .slice(line.indexOf("=") + 1)
    .trim()
    .split(",")
    .map((pair) => {
      const [from, to] = pair.split(">") as [string, string];
      const [targetHost, targetPort] = to.split(":") as [string, string];
      return { listenPort: Number(from.split(":")[1]), targetHost, targetPort: Number(targetPort) };
    });
}
