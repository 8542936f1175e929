/**
 * Hardening: records that fail before they reach a batch (no broker needed:
 * the socket adapter never connects, so metadata never comes).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { ConnectionError, KafkaError, MetadataTimeoutError, Producer } from "../../mod.ts";
import type { Connect, LogFields } from "../../mod.ts";

const refuse: Connect = async (options) => {
  throw new ConnectionError(`Connection to "${options.host}:${options.port}" refused`);
};

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms))]);
}

/** Collects what reaches the process's last-resort handlers while a test runs. */
function escaped(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const onError = (e: unknown) => void errors.push(e);
  process.on("uncaughtException", onError);
  process.on("unhandledRejection", onError);
  return { errors, stop: () => (process.off("uncaughtException", onError), process.off("unhandledRejection", onError)) };
}

let guard: ReturnType<typeof escaped> | null = null;
afterEach(() => guard?.stop());

describe("defect 2: a send callback that throws on a record failing before it reaches a batch", () => {
  test("is caught and logged; the queue goes on, flush() and close() complete", async () => {
    guard = escaped();
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string, _f?: LogFields) => void warnings.push(m), error() {} };
    const producer = new Producer({ bootstrapServers: "127.0.0.1:1", maxBlockMs: 100, connect: refuse, logger });
    const seen: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      producer.send({ topic: "defect-2", value: `v${i}` }, (error) => {
        seen.push(error);
        throw new Error(`callback ${i} throws`);
      });
    }
    // Sends after the throwing ones still settle: the pump survived.
    const last = producer.send({ topic: "defect-2", value: "after" });
    await expect(within(last, 2000, "the send after throwing callbacks")).rejects.toBeInstanceOf(MetadataTimeoutError);
    await within(producer.flush(), 2000, "flush()");
    await within(producer.close(), 2000, "close()");
    expect(seen.length).toBe(3);
    for (const e of seen) expect(e).toBeInstanceOf(MetadataTimeoutError);
    expect(guard.errors).toEqual([]);
    expect(warnings.some((m) => m.includes("callback threw"))).toBe(true);
  });

  test("a callback of a send on a closed producer that throws does not escape either", async () => {
    guard = escaped();
    const producer = new Producer({ bootstrapServers: "127.0.0.1:1", connect: refuse });
    await producer.close();
    let called = 0;
    producer.send({ topic: "t", value: "v" }, () => {
      called++;
      throw new Error("callback throws");
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(called).toBe(1);
    expect(guard.errors).toEqual([]);
  });
});

describe("defect 10: the per-send AbortSignal listener", () => {
  test("is removed once the record left the queue", async () => {
    guard = escaped();
    const controller = new AbortController();
    const signal = controller.signal;
    let live = 0;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((type: string, listener: EventListener, options?: AddEventListenerOptions) => {
      live++;
      add(type, listener, options);
    }) as typeof signal.addEventListener;
    signal.removeEventListener = ((type: string, listener: EventListener, options?: EventListenerOptions) => {
      live--;
      remove(type, listener, options);
    }) as typeof signal.removeEventListener;
    const producer = new Producer({ bootstrapServers: "127.0.0.1:1", maxBlockMs: 50, connect: refuse });
    const sends = Array.from({ length: 20 }, (_, i) => producer.send({ topic: "defect-10", value: `v${i}` }, { signal }).catch((e) => e));
    const results = await within(Promise.all(sends), 2000, "the sends");
    for (const r of results) expect(r).toBeInstanceOf(MetadataTimeoutError);
    expect(live).toBe(0);
    await producer.close();
  });
});

describe("defect 16: partitionsFor() and an abort while it waits", () => {
  test("rejects with the signal's reason as soon as the signal aborts", async () => {
    const producer = new Producer({ bootstrapServers: "127.0.0.1:1", maxBlockMs: 30_000, connect: refuse });
    const controller = new AbortController();
    const waiting = producer.partitionsFor("defect-16", { signal: controller.signal }).then(() => "resolved", (e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const reason = new Error("gave up");
    controller.abort(reason);
    expect(await within(waiting, 1000, "partitionsFor after the abort")).toBe(reason);
    await producer.close({ timeoutMs: 0 });
  });
});

describe("defect 14: a transactional call racing close()", () => {
  test("fails with a KafkaError, never a TypeError from a closed network client", async () => {
    const producer = new Producer({ bootstrapServers: "127.0.0.1:1", transactionalId: "defect-14", maxBlockMs: 2_000, connect: refuse });
    const init = producer.initTransactions().then(() => null, (e: unknown) => e);
    await new Promise((r) => setTimeout(r, 30));
    await producer.close({ timeoutMs: 0 });
    const error = await within(init, 5_000, "initTransactions after close()");
    expect(error).toBeInstanceOf(KafkaError);
    expect(error).not.toBeInstanceOf(TypeError);
  });
});
