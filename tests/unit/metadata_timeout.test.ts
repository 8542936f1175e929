/**
 * A send (or `partitionsFor()`) that waited `max.block.ms` for metadata says
 * why it did not come: the last failed connection to a broker is the
 * timeout's cause and is named in its message (no broker needed: the socket
 * adapter fails every connection, or an in-memory cluster answers). A TLS
 * failure is fatal instead (as a SASL one): waiting sends fail with it at once.
 */
import { describe, expect, test } from "bun:test";
import { ConnectionError, MetadataTimeoutError, Producer, TlsError } from "../../mod.ts";
import type { Connect } from "../../mod.ts";
import { MemoryCluster } from "./support/memory_cluster.ts";
import { within } from "./support/memory_socket.ts";

const REASON = "the certificate of the broker is not signed by a trusted CA";
const tlsFails: Connect = async (options) => {
  throw new TlsError({ host: options.host, port: options.port, reason: REASON });
};
const refused: Connect = async (options) => {
  throw new ConnectionError(`Connection to "${options.host}:${options.port}" refused`);
};
const TLS_MESSAGE = `TLS connection to "127.0.0.1:1" failed: ${REASON}`;

describe("a metadata timeout names the last connection error", () => {
  test("a TlsError is fatal (Java's SslAuthenticationException): the waiting send fails with it at once, not after max.block.ms", async () => {
    const producer = new Producer({ bootstrapServers: "127.0.0.1:1", maxBlockMs: 5000, connect: tlsFails });
    const started = Date.now();
    const error = await within(producer.send({ topic: "t", value: "v" }).then(() => null, (e: unknown) => e), 2000, "the send");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(TlsError);
    expect((error as TlsError).message).toBe(TLS_MESSAGE);
    expect((error as TlsError).reason).toBe(REASON);
    await producer.close();
  });

  test("the same through a callback, for every record queued behind the first", async () => {
    const producer = new Producer({ bootstrapServers: "127.0.0.1:1", maxBlockMs: 5000, connect: tlsFails });
    const errors = await within(Promise.all(Array.from({ length: 3 }, (_, i) =>
      new Promise<Error | null>((resolve) => producer.send({ topic: "t", value: `v${i}` }, (error) => resolve(error))))), 2000, "the sends");
    for (const e of errors) {
      expect(e).toBeInstanceOf(TlsError);
      expect(e!.message).toBe(TLS_MESSAGE);
    }
    await producer.close();
  });

  test("partitionsFor() fails with it at once too", async () => {
    const producer = new Producer({ bootstrapServers: "127.0.0.1:1", maxBlockMs: 5000, connect: tlsFails });
    const error = await within(producer.partitionsFor("t").then(() => null, (e: unknown) => e), 2000, "partitionsFor");
    expect(error).toBeInstanceOf(TlsError);
    await producer.close();
  });

  test("a refused connection (retriable) is named as well", async () => {
    const producer = new Producer({ bootstrapServers: "127.0.0.1:1", maxBlockMs: 100, connect: refused });
    const error = await within(producer.send({ topic: "t", value: "v" }).then(() => null, (e: unknown) => e), 2000, "the send");
    expect(error).toBeInstanceOf(MetadataTimeoutError);
    expect((error as Error).cause).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toBe(`Topic "t" not present in metadata after 100 ms (the last connection to a broker failed: Connection to "127.0.0.1:1" refused)`);
    await producer.close();
  });

  test("brokers that answer, but not about the topic: no connection error is blamed", async () => {
    const cluster = new MemoryCluster(1, { other: [1] });
    const producer = new Producer({ bootstrapServers: cluster.bootstrap, maxBlockMs: 150, connect: cluster.connect });
    const error = await within(producer.send({ topic: "missing", value: "v" }).then(() => null, (e: unknown) => e), 2000, "the send");
    expect(error).toBeInstanceOf(MetadataTimeoutError);
    expect((error as Error).message).toBe(`Topic "missing" not present in metadata after 150 ms`);
    expect((error as Error).cause).toBeUndefined();
    await producer.close();
  });
});
