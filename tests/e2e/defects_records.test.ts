/**
 * Hardening, defect 4: what `send()` was given is what is written, even when
 * the record waits (for metadata on the first send to a topic, or behind
 * other waiting records) and the caller reuses its buffers at once.
 * Real broker; read back with kcat.
 */

import { describe, expect, test } from "bun:test";
import { Producer } from "../../mod.ts";
import { within } from "../helpers/engine.ts";
import { cluster, createTopic, kcatRead, text, uniqueTopic } from "../helpers/kafka.ts";

describe("defect 4: caller buffers on the slow path", () => {
  test("mutating key, value and header buffers right after send() changes nothing written", async () => {
    const bootstrap = cluster();
    const topic = createTopic(uniqueTopic("defect-4"), 1);
    const p = new Producer({ bootstrapServers: bootstrap, maxBlockMs: 20_000 });
    try {
      const key = new TextEncoder().encode("key-1");
      const value = new TextEncoder().encode("value-1");
      const header = new TextEncoder().encode("h-1");
      const headers: Array<[string, Uint8Array]> = [["h", header]];
      // The first send to the topic waits for its metadata: the record is queued, not yet in a batch.
      const first = p.send({ topic, partition: 0, key, value, headers });
      const second = p.send({ topic, partition: 0, key, value, headers }); // queued behind it
      key.fill(0x7a);
      value.fill(0x7a);
      header.fill(0x7a);
      headers.push(["late", header]);
      await within(Promise.all([first, second]), 30_000, "the sends");
      const read = kcatRead(bootstrap, topic);
      expect(read.map((r) => [text(r.key), text(r.value), r.headers])).toEqual([
        ["key-1", "value-1", [["h", "h-1"]]],
        ["key-1", "value-1", [["h", "h-1"]]],
      ]);
    } finally {
      await p.close({ timeoutMs: 5_000 });
    }
  }, 60_000);
});
