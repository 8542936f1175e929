/**
 * Failures and shutdown against a real broker (its own cluster,
 * "engine-faults": the broker is SIGKILLed with `kafka.sh kill 1` and
 * restarted with `kafka.sh start 1` in a `finally`).
 *
 * - broker down: pending sends reject with `TimeoutError` naming their
 *   topic-partition within `delivery.timeout.ms` (plus a margin), none hang,
 *   none of them reaches the log; after a restart the same producer
 *   reconnects and new sends succeed;
 * - `close({ timeoutMs: 0 })` fails what is pending with `ClosedError` at
 *   once; `close()` delivers lingering records first;
 * - the first batch of a partition fails with NOT_LEADER_OR_FOLLOWER and the
 *   next one reaches the broker first (the race of KAFKA-15591, replayed
 *   deterministically through the `connect` option): every record must
 *   still arrive, in order;
 * - `close()` is idempotent; `send()` (promise and callback forms) and
 *   `partitionsFor()` after `close()` → `ClosedError`; `await using` closes.
 */

import { afterAll, beforeAll, expect, test } from "bun:test";
import { ClosedError, Producer, type RecordMetadata, TimeoutError } from "../../mod.ts";
import { createReadyTopic, settleAll, sleep, Tracked, within } from "../helpers/engine.ts";
import { firstProduceOvertaken } from "../helpers/fault_connect.ts";
import { cluster, kafkaSh, kcatRead, text, uniqueTopic } from "../helpers/kafka.ts";

const FAULTS = { cluster: "engine-faults" } as const;
let bootstrap = "";

/** `kafka.sh start 1` after a kill; `up` heals a paused or killed node too. */
function restartBroker(): void {
  kafkaSh(["start", "1"], FAULTS);
}

beforeAll(() => {
  bootstrap = cluster(FAULTS);
}, 180_000);

afterAll(() => {
  // Leave the cluster healthy whatever happened (`up` resumes paused and restarts killed nodes).
  kafkaSh(["up"], FAULTS);
}, 180_000);

test("broker killed: pending sends fail with TimeoutError naming the partition within delivery.timeout.ms; after a restart, sends succeed", async () => {
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-down"), 3, FAULTS);
  const deliveryTimeoutMs = 5_000;
  const p = new Producer({
    bootstrapServers: bootstrap,
    deliveryTimeoutMs,
    requestTimeoutMs: 2_000,
    lingerMs: 0,
    maxBlockMs: 5_000,
  });
  try {
    // Metadata, producer id, connection.
    const warm = await within(Promise.all([0, 1, 2].map((partition) => p.send({ topic, partition, value: `warm-${partition}` }))), 20_000, "warm-up");
    expect(warm.map((m) => m.offset)).toEqual([0n, 0n, 0n]);

    const sends: Array<{ partition: number; at: number; t: Tracked<RecordMetadata> }> = [];
    const sendAll = (label: string) => {
      for (let i = 0; i < 12; i++) {
        const partition = i % 3;
        sends.push({ partition, at: Date.now(), t: new Tracked(p.send({ topic, partition, value: `${label}-${i}` })) });
      }
    };
    let killed = false;
    try {
      kafkaSh(["kill", "1"], FAULTS);
      killed = true;
      sendAll("right-after-kill"); // the producer may not have noticed yet: these may be written to a dead socket
      await sleep(500);
      sendAll("after-kill"); // the connection is known to be gone
      const outcomes = await settleAll(sends.map((s) => s.t), deliveryTimeoutMs + 10_000, "sends while the broker is down");
      outcomes.forEach((o, i) => {
        const { partition, at } = sends[i]!;
        expect(o.ok).toBe(false);
        expect(o.error!.constructor).toBe(TimeoutError);
        expect(o.error!.message).toContain(`"${topic}-${partition}"`);
        expect(o.error!.message).toContain("delivery.timeout.ms");
        const took = o.at - at;
        expect(took).toBeGreaterThanOrEqual(deliveryTimeoutMs - 50);
        expect(took).toBeLessThan(deliveryTimeoutMs + 2_500);
      });
      expect(p.metrics()["record-error-total"]).toBe(sends.length);
      restartBroker();
      killed = false;
    } finally {
      if (killed) restartBroker();
    }

    // Same producer: it reconnects, and new sends succeed.
    const again = await within(
      Promise.all([0, 1, 2].map((partition) => p.send({ topic, partition, value: `again-${partition}` }))),
      30_000,
      "sends after the restart",
    );
    expect(again.map((m) => m.partition)).toEqual([0, 1, 2]);
    // None of the failed records reached the log.
    const records = kcatRead(bootstrap, topic);
    expect(records.map((r) => [r.partition, text(r.value)])).toEqual([
      [0, "warm-0"], [0, "again-0"], [1, "warm-1"], [1, "again-1"], [2, "warm-2"], [2, "again-2"],
    ]);
    again.forEach((md, partition) => expect(md.offset).toBe(BigInt(records.find((r) => text(r.value) === `again-${partition}`)!.offset)));
  } finally {
    await p.close({ timeoutMs: 2_000 });
  }
}, 120_000);

test("close({ timeoutMs: 0 }) fails pending sends with ClosedError at once", async () => {
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-close0"), 2, FAULTS);
  const p = new Producer({ bootstrapServers: bootstrap, lingerMs: 60_000, maxBlockMs: 30_000 });
  await within(p.partitionsFor(topic), 20_000, "metadata");
  // Lingering in batches (linger.ms is a minute) …
  const batched = Array.from({ length: 10 }, (_, i) => new Tracked(p.send({ topic, partition: i % 2, value: `pending-${i}` })));
  // … and waiting for the metadata of a topic that does not exist.
  const waiting = new Tracked(p.send({ topic: uniqueTopic("engine-close0-missing"), value: "never" }));
  const callback = new Tracked(new Promise<RecordMetadata>((resolve, reject) => {
    p.send({ topic, partition: 0, value: "pending-cb" }, (e, md) => (e ? reject(e) : resolve(md!)));
  }));
  await sleep(200);
  expect([...batched, waiting, callback].some((s) => s.settled)).toBe(false);
  const started = Date.now();
  await within(p.close({ timeoutMs: 0 }), 2_000, "close({ timeoutMs: 0 })");
  const outcomes = await settleAll([...batched, waiting, callback], 1_000, "pending sends after close");
  for (const o of outcomes) {
    expect(o.ok).toBe(false);
    expect(o.error).toBeInstanceOf(ClosedError);
    expect(o.at - started).toBeLessThan(1_000);
  }
  // Nothing was written.
  expect(kcatRead(bootstrap, topic)).toHaveLength(0);
}, 60_000);

test("close() delivers lingering records first, is idempotent, and refuses later sends with ClosedError", async () => {
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-close"), 1, FAULTS);
  const p = new Producer({ bootstrapServers: bootstrap, lingerMs: 60_000, maxBlockMs: 20_000 });
  const lingering = Array.from({ length: 5 }, (_, i) => new Tracked(p.send({ topic, value: `linger-${i}` })));
  const first = p.close();
  const second = p.close();
  await within(Promise.all([first, second]), 15_000, "close()");
  // Delivered before close() resolved, not after a minute of linger.
  expect(lingering.map((s) => s.outcome?.ok)).toEqual([true, true, true, true, true]);
  expect(kcatRead(bootstrap, topic).map((r) => text(r.value))).toEqual(["linger-0", "linger-1", "linger-2", "linger-3", "linger-4"]);
  // Again, later: resolves at once.
  await within(p.close(), 1_000, "third close()");
  await within(p.close({ timeoutMs: 0 }), 1_000, "fourth close()");

  // Promise form.
  const error = await within(p.send({ topic, value: "late" }).then(() => null, (e: unknown) => e), 1_000, "send after close");
  expect(error).toBeInstanceOf(ClosedError);
  // Callback form: called once, with the error and no metadata.
  const calls: Array<[Error | null, RecordMetadata | null]> = [];
  p.send({ topic, value: "late-cb" }, (e, md) => calls.push([e, md]));
  await sleep(50);
  expect(calls).toHaveLength(1);
  expect(calls[0]![0]).toBeInstanceOf(ClosedError);
  expect(calls[0]![1]).toBeNull();
  // partitionsFor() too.
  const pf = await p.partitionsFor(topic).then(() => null, (e: unknown) => e);
  expect(pf).toBeInstanceOf(ClosedError);
  await sleep(200);
  expect(calls).toHaveLength(1);
  expect(kcatRead(bootstrap, topic)).toHaveLength(5);
}, 60_000);

test("await using closes the producer at scope exit (delivering what was sent)", async () => {
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-using"), 1, FAULTS);
  let captured: Producer | undefined;
  let pending: Tracked<RecordMetadata> | undefined;
  {
    await using p = new Producer({ bootstrapServers: bootstrap, lingerMs: 60_000, maxBlockMs: 20_000 });
    captured = p;
    await within(p.partitionsFor(topic), 20_000, "metadata");
    pending = new Tracked(p.send({ topic, value: "inside-using" }));
  }
  // Disposal awaited close(): the lingering record is delivered, the producer is closed.
  expect(pending.outcome?.ok).toBe(true);
  const error = await captured.send({ topic, value: "outside" }).then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ClosedError);
  expect(kcatRead(bootstrap, topic).map((r) => text(r.value))).toEqual(["inside-using"]);
}, 60_000);

test("KAFKA-15591 race: the first batch of a partition fails (NOT_LEADER_OR_FOLLOWER) and the next batch reaches the broker first; every record must still arrive, in order", async () => {
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-overtaken"), 1, FAULTS);
  const fault = firstProduceOvertaken(topic, 0);
  const deliveryTimeoutMs = 8_000;
  const p = new Producer({
    bootstrapServers: bootstrap,
    connect: fault.connect,
    lingerMs: 0,
    deliveryTimeoutMs,
    requestTimeoutMs: 5_000,
    maxBlockMs: 10_000,
  });
  try {
    await within(p.partitionsFor(topic), 20_000, "metadata");
    const values = Array.from({ length: 20 }, (_, i) => `wave${i < 10 ? 1 : 2}-${i}`);
    const sends: Array<Tracked<RecordMetadata>> = [];
    // Wave 1 leaves as one request (A); its answer is held back by the transport …
    for (const v of values.slice(0, 10)) sends.push(new Tracked(p.send({ topic, value: v })));
    await sleep(300);
    expect(fault.state.held).toBe(true);
    // … while wave 2 is sent. A producer that lets its batch (B, higher sequences) go out
    // now has it written first, and the broker (no state for this producer yet) accepts it.
    // A safe producer holds B back until A is resolved (the transport releases A's answer after 1 s).
    for (const v of values.slice(10)) sends.push(new Tracked(p.send({ topic, value: v })));
    const outcomes = await settleAll(sends, deliveryTimeoutMs + 10_000, "sends");
    expect(outcomes.map((o, i) => `${values[i]}: ${o.ok ? "ok" : `${o.error!.constructor.name}: ${o.error!.message}`}`))
      .toEqual(values.map((v) => `${v}: ok`));
    expect(kcatRead(bootstrap, topic).map((r) => text(r.value))).toEqual(values);
    expect(fault.state.releasedBy).toBe("timeout"); // B was not written while A was unresolved
  } finally {
    await p.close({ timeoutMs: 2_000 });
  }
}, 60_000);
