/**
 * KIP-368 re-authentication of one connection (`src/network/reauthentication.ts`)
 * over a stand-in connection: when it is due (85–95 % of the session
 * lifetime), between requests (not while any is in flight), requests made
 * meanwhile held and released in order, the exchange marked as background
 * traffic (no activity for connections.max.idle.ms), the next one scheduled
 * from the new lifetime; a failed exchange closes the connection with its
 * error; close() cancels it. The real exchange against a broker:
 * tests/e2e/reauth.test.ts.
 */

import { describe, expect, test } from "bun:test";
import { KafkaError } from "../../mod.ts";
import type { Connection } from "../../src/network/connection.ts";
import { Reauthentication } from "../../src/network/reauthentication.ts";
import { tick, within } from "./support/memory_socket.ts";

/** What the re-authentication reads of its connection, settable by the test. */
class StandIn {
  inFlight = 0;
  isOpen = true;
  sessionLifetimeMs: number;
  host = "127.0.0.1";
  port = 9093;
  closedWith: KafkaError | undefined | null = null;
  constructor(lifetimeMs: number) {
    this.sessionLifetimeMs = lifetimeMs;
  }
  close(error?: KafkaError): void {
    this.isOpen = false;
    this.closedWith = error;
  }
}

function setup(lifetimeMs: number, exchange: (background: boolean | undefined) => Promise<number>) {
  const conn = new StandIn(lifetimeMs);
  const calls: Array<boolean | undefined> = [];
  const done: Array<{ latencyMs: number; error: KafkaError | null }> = [];
  const reauth = new Reauthentication(conn as unknown as Connection, {
    authenticate: (_c, background) => (calls.push(background), exchange(background)),
    onDone: (latencyMs, error) => done.push({ latencyMs, error }),
  });
  return { conn, calls, done, reauth };
}

const until = async (check: () => boolean, what: string) => {
  await within((async () => {
    while (!check()) await tick(2);
  })(), 2000, what);
};

describe("re-authentication (KIP-368)", () => {
  test("is due at 85–95 % of the lifetime, waits for the requests in flight, holds new ones and releases them in order", async () => {
    let finish!: (lifetimeMs: number) => void;
    const { conn, calls, done, reauth } = setup(200, () => new Promise<number>((r) => (finish = r)));
    conn.inFlight = 1; // a request is on the wire when it falls due
    const start = Date.now();
    expect(reauth.active).toBe(false);
    await until(() => reauth.active, "re-authentication to fall due");
    const dueAfter = Date.now() - start;
    expect(dueAfter).toBeGreaterThanOrEqual(165);
    expect(dueAfter).toBeLessThan(400);
    const order: string[] = [];
    const first = reauth.hold(async () => (order.push("a"), "a"));
    const second = reauth.hold(async () => (order.push("b"), "b"));
    expect(reauth.held).toBe(2);
    await tick(20);
    expect(calls).toEqual([]); // not while a request is in flight
    conn.inFlight = 0;
    reauth.requestSettled();
    expect(calls).toEqual([true]); // background: no activity for connections.max.idle.ms
    expect(order).toEqual([]);
    finish(0);
    expect(await first).toBe("a");
    expect(await second).toBe("b");
    expect(order).toEqual(["a", "b"]);
    expect(reauth.active).toBe(false);
    expect(done).toHaveLength(1);
    expect(done[0]!.error).toBeNull();
    reauth.close();
  });

  test("an idle connection re-authenticates as soon as it is due, and again from the new lifetime", async () => {
    const { calls, done, reauth } = setup(60, async () => 60);
    await until(() => done.length >= 3, "three re-authentications");
    expect(calls.every((b) => b === true)).toBe(true);
    expect(done.every((d) => d.error === null)).toBe(true);
    reauth.close();
    const n = calls.length;
    await tick(150);
    expect(calls.length).toBe(n); // close() stopped the schedule
  });

  test("a failed exchange closes the connection with its error; the held requests go on (and find no connection)", async () => {
    const refused = new KafkaError("Authentication failed: bad password");
    const { conn, done, reauth } = setup(40, () => Promise.reject(refused));
    conn.inFlight = 1;
    await until(() => reauth.active, "re-authentication to fall due");
    const held = reauth.hold(async () => "sent after");
    conn.inFlight = 0;
    reauth.requestSettled();
    expect(await held).toBe("sent after");
    expect(conn.closedWith).toBe(refused);
    expect(done).toEqual([{ latencyMs: expect.any(Number), error: refused }]);
    expect(reauth.active).toBe(false);
  });

  test("without a session lifetime nothing is scheduled; close() before it is due cancels it", async () => {
    const none = setup(0, async () => 0);
    await tick(30);
    expect(none.calls).toEqual([]);
    expect(none.reauth.active).toBe(false);
    const early = setup(40, async () => 40);
    early.reauth.close();
    await tick(80);
    expect(early.calls).toEqual([]);
    expect(await early.reauth.hold(async () => 1)).toBe(1); // not active: runs at once
  });
});
