/**
 * Re-bootstrap (KIP-899) against a real broker: the producer bootstraps from
 * an alias of the single node ("localhost:PORT") and learns its advertised
 * address ("127.0.0.1:PORT" for the test cluster). Then the broker "moves"
 * (tests/helpers/moving_connect.ts): the learned address refuses connections, and Metadata
 * advertises a new port that the transport maps back to the broker. With the
 * default `metadata.recovery.strategy=rebootstrap` the producer goes back to
 * the alias, learns the new address and delivers; with `none` it keeps
 * dialling the dead address and the record expires.
 */

import { expect, test } from "bun:test";
import { type LogFields, Producer, TimeoutError } from "../../mod.ts";
import { createReadyTopic, within } from "../helpers/engine.ts";
import { cluster, kcatRead, text, uniqueTopic } from "../helpers/kafka.ts";
import { MOVED_PORT, movingConnect } from "../helpers/moving_connect.ts";

/** The broker's advertised host and port, from the single-node bootstrap list. */
function broker(bootstrap: string): { host: string; port: number } {
  const first = bootstrap.split(",")[0]!;
  const colon = first.lastIndexOf(":");
  return { host: first.slice(0, colon), port: Number(first.slice(colon + 1)) };
}

function infoLog(): { logger: { debug(): void; info(m: string, f?: LogFields): void; warn(): void; error(): void }; infos: string[] } {
  const infos: string[] = [];
  return { infos, logger: { debug() {}, info: (m) => void infos.push(m), warn() {}, error() {} } };
}

test("learned broker address gone, bootstrap alias alive: the producer re-bootstraps, learns the new address and delivers", async () => {
  const bootstrap = cluster();
  const topic = createReadyTopic(bootstrap, uniqueTopic("rebootstrap"), 1);
  const { host, port } = broker(bootstrap);
  const wire = movingConnect(host, port);
  const { logger, infos } = infoLog();
  const p = new Producer({ bootstrapServers: `${wire.alias}:${port}`, connect: wire.connect, lingerMs: 0, logger });
  try {
    const first = await within(p.send({ topic, value: "before the move" }), 20_000, "the first send");
    expect(first.offset).toBe(0n);
    expect(wire.dialed).toContain(`${host}:${port}`);
    wire.move();
    const second = await within(p.send({ topic, value: "after the move" }), 20_000, "the send after the move");
    expect(second.offset).toBe(1n);
    expect(infos).toContain("Re-bootstrapping: forgetting the known brokers");
    expect(wire.dialed).toContain(`${host}:${MOVED_PORT}`);
    expect(wire.dialed.filter((a) => a === `${wire.alias}:${port}`).length).toBe(2);
  } finally {
    await p.close({ timeoutMs: 5_000 });
  }
  expect(kcatRead(bootstrap, topic).map((r) => text(r.value))).toEqual(["before the move", "after the move"]);
}, 60_000);

test("with metadata.recovery.strategy=none the producer keeps dialling the learned address and the record expires", async () => {
  const bootstrap = cluster();
  const topic = createReadyTopic(bootstrap, uniqueTopic("rebootstrap-none"), 1);
  const { host, port } = broker(bootstrap);
  const wire = movingConnect(host, port);
  const p = new Producer({
    bootstrapServers: `${wire.alias}:${port}`,
    connect: wire.connect,
    metadataRecoveryStrategy: "none",
    lingerMs: 0,
    requestTimeoutMs: 1_000,
    deliveryTimeoutMs: 2_000,
  });
  try {
    await within(p.send({ topic, value: "before the move" }), 20_000, "the first send");
    wire.move();
    const error = await within(p.send({ topic, value: "lost" }).then(() => null, (e: unknown) => e), 10_000, "the send after the move");
    expect(error).toBeInstanceOf(TimeoutError);
    expect(wire.dialed.filter((a) => a === `${host}:${port}`).length).toBeGreaterThan(2);
    expect(wire.dialed).not.toContain(`${host}:${MOVED_PORT}`);
    expect(wire.dialed.filter((a) => a === `${wire.alias}:${port}`).length).toBe(1);
  } finally {
    await p.close({ timeoutMs: 5_000 });
  }
  expect(kcatRead(bootstrap, topic).map((r) => text(r.value))).toEqual(["before the move"]);
}, 60_000);
