/**
 * Producer construction without a broker (nothing connects until a send).
 */
import { describe, expect, test } from "bun:test";
import { ConfigError, Producer, TransactionStateError } from "../../mod.ts";

describe("Producer.fromProperties", () => {
  test("takes Java names with string values, as java.util.Properties", async () => {
    const p = Producer.fromProperties({ "bootstrap.servers": "127.0.0.1:9092,127.0.0.1:9093", "linger.ms": "7", "acks": "1", "enable.idempotence": "false" });
    expect(p.config.bootstrapServers).toEqual([{ host: "127.0.0.1", port: 9092 }, { host: "127.0.0.1", port: 9093 }]);
    expect(p.config.lingerMs).toBe(7);
    expect(p.config.acks).toBe(1);
    await p.close();
  });

  test("extra options (objects that properties cannot hold) are merged in", async () => {
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    const p = Producer.fromProperties({ "bootstrap.servers": "127.0.0.1:9092" }, { logger });
    expect(p.config.logger).toBe(logger);
    await p.close();
  });

  test("a non-string value or a bad key is a ConfigError naming the key", () => {
    expect(() => Producer.fromProperties({ "bootstrap.servers": "127.0.0.1:9092", "linger.ms": 5 as unknown as string })).toThrow(ConfigError);
    try {
      Producer.fromProperties({ "bootstrap.servers": "127.0.0.1:9092", "linger.msec": "5" });
      throw new Error("expected a ConfigError");
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).message).toContain('"linger.msec"');
    }
  });
});

describe("a producer without transactional.id", () => {
  test("transactional methods reject with TransactionStateError (promises, not synchronous throws)", async () => {
    const p = new Producer({ bootstrapServers: "127.0.0.1:9092" });
    await expect(p.initTransactions()).rejects.toBeInstanceOf(TransactionStateError);
    expect(() => p.beginTransaction()).toThrow(TransactionStateError);
    await p.close();
  });
});
