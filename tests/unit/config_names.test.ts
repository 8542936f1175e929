/**
 * The option types take what the producer takes at run time: every key under
 * its camelCase or Java name. `JAVA_NAMES` (which the Java-named types are
 * mapped through) must be the key table's names; the type-level cases are
 * checked by `tsc -p tsconfig.json` (this file is in it) and run here.
 */

import { describe, expect, test } from "bun:test";
import { CONFIG_KEYS, JAVA_NAMES, Producer, type ProducerOptions, type TypedProducerOptions } from "../../mod.ts";

describe("JAVA_NAMES", () => {
  test("is the key table's camelCase → Java name, for every key with a Java name", () => {
    const table = Object.fromEntries(CONFIG_KEYS.filter((k) => k.javaName !== null).map((k) => [k.camelName, k.javaName]));
    expect({ ...JAVA_NAMES } as Record<string, string | null>).toEqual(table);
  });
});

describe("ProducerOptions", () => {
  test("a variable of the type is a constructor argument", async () => {
    const options: ProducerOptions = { bootstrapServers: ["127.0.0.1:9092"], lingerMs: 7 };
    await using producer = new Producer(options);
    expect(producer.config.lingerMs).toBe(7);
  });

  test("takes Java names (with their text values) and camelCase, mixed", async () => {
    const options: ProducerOptions = { "bootstrap.servers": "127.0.0.1:9092", "linger.ms": "7", "enable.idempotence": "false", acks: 1, batchSize: 100 };
    await using producer = new Producer(options);
    expect([producer.config.lingerMs, producer.config.enableIdempotence, producer.config.batchSize]).toEqual([7, false, 100]);
    await using inline = new Producer({ "bootstrap.servers": "127.0.0.1:9092", "compression.type": "gzip", maxBlockMs: 10 });
    expect(inline.config.compressionType).toBe("gzip");
  });

  test("infers typed values from a camelCase serializer", async () => {
    await using producer = new Producer({ bootstrapServers: "127.0.0.1:9092", valueSerializer: (v: { n: number }) => JSON.stringify(v) });
    const typed: TypedProducerOptions<string, string> = { "bootstrap.servers": "127.0.0.1:9092", keySerializer: (k: string) => k };
    expect(typeof producer.send).toBe("function");
    expect(typeof typed.keySerializer).toBe("function");
  });

  test("refuses what the run time refuses", () => {
    // @ts-expect-error: the bootstrap servers are required (under one of their names)
    const noBootstrap: ProducerOptions = { lingerMs: 5 };
    // @ts-expect-error: an unknown key
    const unknownKey: ProducerOptions = { bootstrapServers: "a:9092", "linger.msx": 5 };
    // @ts-expect-error: not an acks value
    const acks: ProducerOptions = { bootstrapServers: "a:9092", acks: "2" };
    for (const options of [noBootstrap, unknownKey, acks]) expect(() => new Producer(options)).toThrow();
  });

  test("camelCase keys are typed: text values (which the run time parses) only under Java names", () => {
    // @ts-expect-error: camelCase keys take typed values
    const text: ProducerOptions = { bootstrapServers: "a:9092", lingerMs: "5" };
    expect(text.lingerMs as unknown).toBe("5");
  });
});
