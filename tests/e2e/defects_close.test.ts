/**
 * Hardening, defect 1: `close()` while a transaction commits (its EndTxn held
 * back on the wire) waits for or times out the commit, then releases
 * everything; a second `close()` resolves too. Real broker; the EndTxn write
 * is held by a wrapping `connect`.
 */

import { describe, expect, test } from "bun:test";
import { autoConnect } from "../../runtime/auto.ts";
import { type Connect, Producer } from "../../mod.ts";
import { within } from "../helpers/engine.ts";
import { cluster, createTopic, uniqueTopic } from "../helpers/kafka.ts";

const END_TXN = 26;

/** Whether a written chunk holds a request frame of `apiKey` (frames: size, apiKey, …). */
function hasApi(chunk: Uint8Array, apiKey: number): boolean {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  for (let at = 0; at + 6 <= chunk.length;) {
    if (view.getInt16(at + 4) === apiKey) return true;
    at += 4 + view.getInt32(at);
  }
  return false;
}

/** A `connect` that holds every write carrying an EndTxn until `release()`. */
function holdingEndTxn(): { connect: Connect; held: Promise<void>; release(): void } {
  let release!: () => void;
  let heldNow!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const held = new Promise<void>((r) => (heldNow = r));
  const connect: Connect = async (options, handlers) => {
    const inner = await autoConnect(options, handlers);
    return {
      write: async (chunk) => {
        if (hasApi(chunk, END_TXN)) {
          heldNow();
          await gate;
        }
        return inner.write(chunk);
      },
      close: () => inner.close(),
    };
  };
  return { connect, held, release };
}

describe("defect 1: close() while a transaction commits", () => {
  test("waits for the commit within its timeout, then releases everything; a second close() resolves", async () => {
    const bootstrap = cluster();
    const topic = createTopic(uniqueTopic("defect-1"), 1);
    const hold = holdingEndTxn();
    const p = new Producer({
      bootstrapServers: bootstrap,
      transactionalId: uniqueTopic("defect-1-txn"),
      connect: hold.connect,
      maxBlockMs: 20_000,
      requestTimeoutMs: 15_000,
      deliveryTimeoutMs: 30_000,
    });
    try {
      await within(p.initTransactions(), 60_000, "initTransactions");
      p.beginTransaction();
      await within(p.send({ topic, value: "v" }), 30_000, "the send");
      const commit = p.commitTransaction().then(() => "committed", (e: unknown) => e);
      await within(hold.held, 20_000, "the EndTxn write");
      // The commit cannot finish while its EndTxn is held: close() gives it 1 s, then releases all.
      const closing = p.close({ timeoutMs: 1_000 }).then(() => "closed", (e: unknown) => e);
      expect(await within(closing, 10_000, "close()")).toBe("closed");
      expect(await within(p.close(), 5_000, "a second close()")).toBeUndefined();
      hold.release();
      await within(commit, 10_000, "the commit to settle");
    } finally {
      hold.release();
    }
  }, 120_000);
});
