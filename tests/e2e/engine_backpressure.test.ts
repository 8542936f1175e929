/**
 * `buffer.memory` back-pressure against a real, paused broker (its own
 * cluster, "engine-faults": the broker is SIGSTOPped with `kafka.sh pause 1`
 * and always resumed in a `finally`).
 *
 * With 1 MiB of buffer memory and 4 KiB batches, sends beyond the bound wait
 * (in send order, as Java's blocked `send()` calls do); after `max.block.ms`
 * they reject with exactly `BufferExhaustedError`; once the broker resumes,
 * every accepted record is delivered exactly once, in order (checked with
 * kcat), and every send has settled.
 */

import { afterAll, beforeAll, expect, test } from "bun:test";
import { BufferExhaustedError, Producer, type RecordMetadata } from "../../mod.ts";
import { createReadyTopic, settleAll, sleep, Tracked, within } from "../helpers/engine.ts";
import { cluster, kafkaSh, kcatRead, text, uniqueTopic } from "../helpers/kafka.ts";

const FAULTS = { cluster: "engine-faults" } as const;
let bootstrap = "";

beforeAll(() => {
  bootstrap = cluster(FAULTS);
}, 180_000);

afterAll(() => {
  // Whatever happened, leave the cluster running for the next test file.
  kafkaSh(["resume", "1"], FAULTS);
});

test("sends beyond buffer.memory wait, then fail with BufferExhaustedError; accepted ones are all delivered once", async () => {
  const topic = createReadyTopic(bootstrap, uniqueTopic("engine-bp"), 1, FAULTS);
  const bufferMemory = 1024 * 1024;
  const batchSize = 4096;
  const maxBlockMs = 2_000;
  const p = new Producer({
    bootstrapServers: bootstrap,
    bufferMemory,
    batchSize,
    maxBlockMs,
    lingerMs: 5,
    requestTimeoutMs: 30_000,
    deliveryTimeoutMs: 120_000,
  });
  try {
    // Metadata, producer id and connection first: what follows waits for memory only.
    await within(p.send({ topic, value: "warm-up" }), 20_000, "warm-up send");
    expect(p.metrics()["buffer-available-bytes"]).toBe(bufferMemory);

    const total = 2000;
    const value = (i: number) => `bp-${i}-`.padEnd(1000, "#"); // ~1 KB: 3 records per 4 KiB batch
    const sends: Array<Tracked<RecordMetadata>> = [];
    const sentAt: number[] = [];
    const misworded: string[] = [];
    kafkaSh(["pause", "1"], FAULTS);
    try {
      for (let i = 0; i < total; i++) {
        sentAt.push(Date.now());
        if (i % 10 === 0) {
          // Every tenth record uses the callback form.
          sends.push(new Tracked(new Promise<RecordMetadata>((resolve, reject) => {
            p.send({ topic, value: value(i) }, (error, md) => (error ? reject(error) : resolve(md!)));
          })));
        } else {
          sends.push(new Tracked(p.send({ topic, value: value(i) })));
        }
        if (i % 100 === 99) await sleep(1); // sends spread over a few ms: each waits from its own send()
      }
      // Half-way through max.block.ms: memory is exhausted and nothing has settled.
      await sleep(maxBlockMs / 2);
      expect(p.metrics()["buffer-available-bytes"]).toBeLessThan(batchSize);
      expect(sends.filter((s) => s.settled)).toHaveLength(0);

      // After max.block.ms (plus a margin for a loaded machine): the waiting ones gave up.
      await sleep(maxBlockMs / 2 + 2_500);
      const rejected = sends.map((s, i) => [s, i] as const).filter(([s]) => s.settled);
      expect(rejected.length).toBeGreaterThan(total / 4); // 1 MiB holds ~770 of these records
      for (const [s, i] of rejected) {
        expect(s.outcome!.ok).toBe(false);
        expect(s.outcome!.error!.constructor).toBe(BufferExhaustedError);
        // Java: "Failed to allocate memory within the configured max blocking time 2000 ms."
        // Checked last (below), so that the delivery checks run whatever the wording.
        if (!s.outcome!.error!.message.includes(`max blocking time ${maxBlockMs} ms`)) misworded.push(s.outcome!.error!.message);
        const waited = s.outcome!.at - sentAt[i]!;
        expect(waited).toBeGreaterThanOrEqual(maxBlockMs - 50);
        expect(waited).toBeLessThan(maxBlockMs + 3_000);
      }
      // Records are appended in send order: the accepted ones are exactly the first K.
      const accepted = total - rejected.length;
      expect(rejected.map(([, i]) => i)).toEqual(Array.from({ length: rejected.length }, (_, j) => accepted + j));
      // The broker is still stopped: nothing accepted can have completed.
      expect(sends.slice(0, accepted).every((s) => !s.settled)).toBe(true);
      expect(p.metrics()["buffer-exhausted-total"]).toBe(rejected.length);
    } finally {
      kafkaSh(["resume", "1"], FAULTS);
    }

    // Resumed: every accepted record is acknowledged.
    const outcomes = await settleAll(sends, 60_000, "sends after resume");
    const acceptedIdx = outcomes.map((o, i) => [o, i] as const).filter(([o]) => o.ok).map(([, i]) => i);
    const failedIdx = outcomes.map((o, i) => [o, i] as const).filter(([o]) => !o.ok);
    for (const [o] of failedIdx) expect(o.error!.constructor).toBe(BufferExhaustedError);
    expect(acceptedIdx.length + failedIdx.length).toBe(total);
    expect(acceptedIdx.length).toBeGreaterThan(0);

    // kcat: exactly the accepted records, once each, in send order, at the offsets send() reported.
    const records = kcatRead(bootstrap, topic).slice(1); // after the warm-up record
    expect(records).toHaveLength(acceptedIdx.length);
    expect(records.map((r) => text(r.value))).toEqual(acceptedIdx.map(value));
    acceptedIdx.forEach((i, j) => expect(sends[i]!.outcome!.value!.offset).toBe(BigInt(records[j]!.offset)));

    // The producer goes on: memory is back, new sends work.
    await within(p.flush(), 10_000, "flush");
    expect(p.metrics()["buffer-available-bytes"]).toBe(bufferMemory);
    const after = await within(p.send({ topic, value: "after" }), 20_000, "send after resume");
    expect(after.offset).toBe(BigInt(records.length + 1));

    // Every BufferExhaustedError names the configured max.block.ms, not what was left of it.
    expect(misworded.slice(0, 3)).toEqual([]);
  } finally {
    await p.close({ timeoutMs: 5_000 });
  }
}, 120_000);
