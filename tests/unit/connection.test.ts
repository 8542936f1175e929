/**
 * Connection (src/network/connection.ts) over an in-memory socket
 * (tests/unit/support/memory_socket.ts): ApiVersions negotiation, version
 * choice, pipelining and response matching, coalesced writes, malformed
 * input, timeouts, acks=0 writes, close and write failures.
 *
 * Responses are built by hand with Writer, or taken from the bytes Kafka's
 * Java classes wrote (tests/unit/fixtures/protocol_vectors.json). Every wait
 * is bounded; the socket checks that nothing is ever thrown out of onData.
 */

import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiError, ClosedError, ConnectionError, KafkaError, ProtocolError, TimeoutError } from "../../src/errors.ts";
import { Connection, type ConnectionOptions } from "../../src/network/connection.ts";
import { MAX_FRAME_SIZE } from "../../src/network/framing.ts";
import type { Api } from "../../src/protocol/api.ts";
import { UnsupportedVersionError } from "../../src/protocol/api_error_classes.ts";
import { ApiVersions, InitProducerId, Metadata, type MetadataResponse, Produce } from "../../src/protocol/index.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { VERSION } from "../../src/version.ts";
import {
  apiVersionsFallback,
  apiVersionsResponse,
  concat,
  frame,
  MemorySocket,
  type Outcome,
  outcome,
  type Ranges,
  response,
  tick,
  within,
} from "./support/memory_socket.ts";

// ---------------------------------------------------------------- fixtures and helpers

interface JavaVector {
  api: string;
  kind: string;
  version: number;
  hex: string;
  data: Record<string, unknown>;
  note?: string;
}
const JAVA: JavaVector[] = JSON.parse(readFileSync(join(import.meta.dir, "fixtures", "protocol_vectors.json"), "utf8")).vectors;
const javaResponse = (api: string, version: number, fallback = false): JavaVector =>
  JAVA.find((v) => v.api === api && v.kind === "response" && v.version === version && (v.note !== undefined) === fallback)!;

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}
const utf8 = (s: string) => new TextEncoder().encode(s);
const int32 = (v: number) => new Writer(4).int32(v).toBytes();
/** A response frame: correlation id, the header's tagged fields if v1, then a body from Kafka's bytes. */
const javaFrame = (correlationId: number, bodyHex: string, headerV1: boolean) =>
  frame(concat([int32(correlationId), headerV1 ? new Uint8Array([0]) : new Uint8Array(0), fromHex(bodyHex)]));

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A minimal API for the tests: request int32 n, response int32 n. Flexible from v1. */
const Echo: Api<{ n: number }, { n: number }> = {
  name: "Echo",
  key: 1000,
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 1,
  encode(w, version, req) {
    w.int32(req.n).tags(version >= 1);
  },
  decode(r, version) {
    const n = r.int32();
    r.tags(version >= 1);
    if (r.remaining !== 0) throw new Error(`${r.remaining} bytes left over`);
    return { n };
  },
};
/** Echo whose encoder can fail after writing part of the body (`fail`). */
const Fragile: Api<{ n: number; fail?: boolean }, { n: number }> = {
  ...Echo,
  encode(w, version, req) {
    w.int32(req.n);
    if (req.fail === true) throw new RangeError(`Field 2 of ${req.n} cannot be encoded`);
    w.tags(version >= 1);
  },
};
/** An Echo v1 response frame (response header v1). */
const echoResponse = (correlationId: number, n: number) => response(correlationId, (w) => void w.int32(n).uvarint(0), true);

/** The broker of most tests: Kafka 4-like ranges, plus Echo 0-1. */
const RANGES: Ranges = [[0, 3, 12], [3, 0, 13], [18, 0, 4], [22, 0, 5], [1000, 0, 1]];
const METADATA_ALL = { topics: null, allowAutoTopicCreation: false };

const sockets: MemorySocket[] = [];
const connections: Connection[] = [];

function newSocket(): MemorySocket {
  const s = new MemorySocket([ApiVersions, Metadata, Produce, InitProducerId, Echo]);
  sockets.push(s);
  return s;
}

function options(socket: MemorySocket, closes: Array<KafkaError | undefined>, o: Partial<ConnectionOptions> = {}): ConnectionOptions {
  return {
    connect: socket.connect,
    host: "broker.test",
    port: 9092,
    nodeId: 1,
    clientId: "test-client",
    connectTimeoutMs: 1000,
    requestTimeoutMs: 5000,
    onClose: (e) => closes.push(e),
    ...o,
  };
}

interface Opened {
  conn: Connection;
  socket: MemorySocket;
  /** What onClose was called with, once per call. */
  closes: Array<KafkaError | undefined>;
}

/** Opens a connection, answering its ApiVersions request with `ranges`. */
async function open(ranges: Ranges = RANGES, o: Partial<ConnectionOptions> = {}): Promise<Opened> {
  const socket = newSocket();
  const closes: Array<KafkaError | undefined> = [];
  const opening = Connection.open(options(socket, closes, o));
  const req = await socket.frame(1);
  socket.deliver(apiVersionsResponse(req.correlationId, req.apiVersion, ranges));
  const conn = await within(opening, 1000, "Connection.open");
  connections.push(conn);
  return { conn, socket, closes };
}

/** Asserts that `o` rejected with an instance of `type`; returns the error. */
function rejectedWith<E>(o: Outcome<unknown>, type: new (...a: never[]) => E): E {
  if (o.status !== "rejected") throw new Error(`Expected a rejection with ${type.name}, got a value: ${JSON.stringify(o.value)}`);
  expect(o.reason).toBeInstanceOf(type);
  return o.reason as E;
}

afterEach(() => {
  for (const c of connections.splice(0)) c.close();
  for (const s of sockets.splice(0)) {
    expect(s.thrownFromOnData).toEqual([]);
    expect(s.changedWhileWriting).toEqual([]);
  }
});

// ---------------------------------------------------------------- negotiation

describe("ApiVersions negotiation at open", () => {
  test("asks with v4 first (header v2, client software name/version) and reads Kafka's v4 response", async () => {
    const socket = newSocket();
    const closes: Array<KafkaError | undefined> = [];
    const opening = Connection.open(options(socket, closes));
    const req = await socket.frame(1);
    expect(socket.options).toEqual({ host: "broker.test", port: 9092, connectTimeoutMs: 1000 });
    expect({ ...req, body: hex(req.body), raw: undefined }).toEqual({
      apiKey: 18,
      apiVersion: 4,
      correlationId: 0,
      clientId: "test-client",
      body: hex(new Writer().compactString("edgekafka").compactString(VERSION).uvarint(0).toBytes()),
      raw: undefined,
    });
    // Header v2: apiKey, version, correlation id, clientId with an int16 length, then an empty tag section.
    expect(hex(req.raw.subarray(4, 25 + 1))).toBe("00120004" + "00000000" + "000b" + hex(utf8("test-client")) + "00");
    expect(new DataView(req.raw.buffer).getInt32(0)).toBe(req.raw.length - 4);

    const v4 = javaResponse("ApiVersions", 4);
    socket.deliver(javaFrame(0, v4.hex, false)); // ApiVersions responses always use header v0
    const conn = await within(opening, 1000, "open");
    connections.push(conn);
    expect(conn.isOpen).toBe(true);
    expect(conn.inFlight).toBe(0);
    expect(conn.versionRange(0)).toEqual([3, 12]);
    expect(conn.versionRange(3)).toEqual([0, 13]);
    expect(conn.versionRange(18)).toEqual([0, 4]);
    expect(conn.versionRange(22)).toEqual([0, 5]);
    expect(conn.versionRange(1)).toBeUndefined();
    expect(conn.featureLevel("transaction.version")).toBe(2);
    expect(conn.featureLevel("no.such.feature")).toBe(0);
    expect(socket.frames.length).toBe(1);
    expect(closes).toEqual([]);
  });

  test("UNSUPPORTED_VERSION (v0 fallback body) → retries at the broker's max, v2 (header v1, empty body)", async () => {
    const socket = newSocket();
    const opening = Connection.open(options(socket, []));
    const first = await socket.frame(1);
    expect(first.apiVersion).toBe(4);
    // Kafka's own fallback body: error 35, ApiVersions 0-2.
    socket.deliver(javaFrame(first.correlationId, javaResponse("ApiVersions", 4, true).hex, false));
    const retry = await socket.frame(2);
    expect({ apiKey: retry.apiKey, apiVersion: retry.apiVersion, correlationId: retry.correlationId }).toEqual({
      apiKey: 18,
      apiVersion: 2,
      correlationId: 1,
    });
    expect(retry.body.length).toBe(0);
    expect(retry.raw.length).toBe(4 + 2 + 2 + 4 + 2 + 11); // header v1: no tag section
    socket.deliver(apiVersionsResponse(1, 2, [[0, 3, 9], [18, 0, 2], [1000, 0, 0]]));
    const conn = await within(opening, 1000, "open");
    connections.push(conn);
    expect(conn.versionRange(0)).toEqual([3, 9]);
    expect(conn.versionRange(3)).toBeUndefined(); // only what the second answer says
    expect(conn.version(Echo)).toBe(0);
  });

  test.each([
    [3, 3],
    [0, 0],
    [9, 4], // a broker newer than us: never above our own max
  ])("fallback listing ApiVersions max %p → retry at v%p", async (brokerMax, expected) => {
    const socket = newSocket();
    const opening = Connection.open(options(socket, []));
    socket.deliver(apiVersionsFallback((await socket.frame(1)).correlationId, brokerMax));
    const retry = await socket.frame(2);
    expect(retry.apiVersion).toBe(expected);
    socket.deliver(apiVersionsResponse(retry.correlationId, expected, RANGES));
    const conn = await within(opening, 1000, "open");
    connections.push(conn);
    expect(conn.versionRange(0)).toEqual([3, 12]);
  });

  test("an error code in the answer fails open with that ApiError and closes the socket", async () => {
    const socket = newSocket();
    const opening = Connection.open(options(socket, []));
    socket.deliver(apiVersionsResponse((await socket.frame(1)).correlationId, 4, [], 31)); // CLUSTER_AUTHORIZATION_FAILED
    const e = rejectedWith(await outcome(opening), ApiError);
    expect(e.code).toBe(31);
    expect(e.message).toContain('Connection to node 1 "broker.test:9092"');
    expect(socket.closeCalls).toBe(1);
  });

  test("UNSUPPORTED_VERSION again after the retry fails open with UnsupportedVersionError", async () => {
    const socket = newSocket();
    const opening = Connection.open(options(socket, []));
    socket.deliver(apiVersionsFallback((await socket.frame(1)).correlationId, 2));
    socket.deliver(apiVersionsFallback((await socket.frame(2)).correlationId, 2));
    const e = rejectedWith(await outcome(opening), UnsupportedVersionError);
    expect(e.code).toBe(35);
    expect(socket.frames.length).toBe(2); // no third attempt
    expect(socket.closeCalls).toBe(1);
  });

  test("an unreadable ApiVersions answer fails open with a ProtocolError naming the API", async () => {
    const socket = newSocket();
    const opening = Connection.open(options(socket, []));
    const req = await socket.frame(1);
    socket.deliver(response(req.correlationId, (w) => void w.int16(0).uvarint(200))); // 199 keys announced, none sent
    const e = rejectedWith(await outcome(opening), ProtocolError);
    expect(e.message).toContain("unreadable ApiVersions v4 response");
    expect(socket.closed).toBe(true);
  });

  test("the broker closing during negotiation fails open with a ConnectionError", async () => {
    const socket = newSocket();
    const opening = Connection.open(options(socket, []));
    await socket.frame(1);
    socket.peerClose();
    const e = rejectedWith(await outcome(opening), ConnectionError);
    expect(e.message).toBe('Connection to node 1 "broker.test:9092" was closed by the broker');
  });

  test("a connect failure is passed through", async () => {
    const refused = new ConnectionError("Connection refused");
    const o = await outcome(
      Connection.open({ ...options(newSocket(), []), connect: () => Promise.reject(refused) }),
    );
    expect(rejectedWith(o, ConnectionError)).toBe(refused);
  });

  test("no answer within request.timeout.ms fails open with a TimeoutError", async () => {
    const socket = newSocket();
    const opening = Connection.open(options(socket, [], { requestTimeoutMs: 40 }));
    const e = rejectedWith(await outcome(opening, 1000), TimeoutError);
    expect(e.message).toBe('ApiVersions request to node 1 "broker.test:9092" timed out after 40 ms');
    expect(socket.closeCalls).toBe(1);
  });
});

// ---------------------------------------------------------------- versions

describe("version(api)", () => {
  test("is min(our max, broker max), or the max asked for", async () => {
    const { conn } = await open([[0, 3, 12], [3, 0, 12], [22, 0, 99], [1000, 0, 5]]);
    expect(conn.version(Produce)).toBe(12);
    expect(conn.version(Metadata)).toBe(12); // ours 13
    expect(conn.version(InitProducerId)).toBe(5); // broker 99
    expect(conn.version(Echo)).toBe(2); // broker 5
    expect(conn.version(Metadata, 9)).toBe(9);
    expect(conn.version(Produce, 11)).toBe(11); // e.g. capped under transaction.version 1
  });

  test("throws UnsupportedVersionError when the ranges do not overlap, or the broker lacks the API", async () => {
    const { conn } = await open([[0, 0, 2], [3, 14, 20], [18, 0, 4]]);
    expect(() => conn.version(Produce)).toThrow(UnsupportedVersionError); // v0-2 only; we speak 3-12
    expect(() => conn.version(Produce)).toThrow(
      'Connection to node 1 "broker.test:9092" supports Produce versions 0-2; this client speaks 3-12',
    );
    expect(() => conn.version(Metadata)).toThrow("supports Metadata versions 14-20");
    expect(() => conn.version(InitProducerId)).toThrow("supports InitProducerId versions none");
    expect(() => conn.version(Metadata, 13)).toThrow(UnsupportedVersionError);
  });

  test("a broker minimum above our asked max is refused too", async () => {
    const { conn } = await open([[3, 10, 13], [18, 0, 4]]);
    expect(conn.version(Metadata)).toBe(13);
    expect(() => conn.version(Metadata, 9)).toThrow(UnsupportedVersionError);
  });

  test("send() of an unsupported API rejects, writes nothing, uses no correlation id", async () => {
    const { conn, socket } = await open([[0, 0, 2], [18, 0, 4], [1000, 0, 1]]);
    const o = await outcome(conn.send(Produce, { transactionalId: null, acks: -1, timeoutMs: 1000, topics: [] }));
    rejectedWith(o, UnsupportedVersionError);
    expect(socket.frames.length).toBe(1);
    expect(conn.isOpen).toBe(true);
    const p = conn.send(Echo, { n: 7 });
    const f = await socket.frame(2);
    expect(f.correlationId).toBe(1);
    socket.deliver(echoResponse(1, 7));
    expect(await within(p, 1000, "echo")).toEqual({ n: 7 });
  });

  test("an explicit version is used as given", async () => {
    const { conn, socket } = await open();
    const p = conn.send(Echo, { n: 3 }, { version: 0 });
    const f = await socket.frame(2);
    expect(f.apiVersion).toBe(0);
    expect(hex(f.body)).toBe("00000003"); // v0: not flexible, no tags, header v1
    socket.deliver(response(f.correlationId, (w) => void w.int32(3))); // response header v0
    expect(await within(p, 1000, "echo v0")).toEqual({ n: 3 });
  });
});

// ---------------------------------------------------------------- pipelining

describe("pipelining", () => {
  async function sendFive(o: Opened) {
    const values = [11, -22, 33, 0x7fffffff, -0x80000000];
    const promises = values.map((n) => o.conn.send(Echo, { n }));
    await o.socket.frame(6);
    const frames = o.socket.frames.slice(1);
    expect(frames.map((f) => [f.apiKey, f.apiVersion, f.correlationId])).toEqual(
      [1, 2, 3, 4, 5].map((id) => [1000, 1, id]),
    );
    expect(frames.map((f) => hex(f.body))).toEqual(values.map((n) => hex(int32(n)) + "00"));
    expect(o.conn.inFlight).toBe(5);
    return { values, promises, responses: frames.map((f, i) => echoResponse(f.correlationId, values[i]!)) };
  }

  test("five responses in one coalesced chunk resolve their own requests, in order", async () => {
    const o = await open();
    const { values, promises, responses } = await sendFive(o);
    const order: number[] = [];
    promises.forEach((p, i) => void p.then(() => order.push(i)));
    o.socket.deliver(concat(responses));
    const results = await within(Promise.all(promises), 1000, "five responses");
    expect(results).toEqual(values.map((n) => ({ n })));
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(o.conn.inFlight).toBe(0);
  });

  test("the same split into 1-byte chunks", async () => {
    const o = await open();
    const { values, promises, responses } = await sendFive(o);
    const settled: number[] = [];
    promises.forEach((p, i) => void p.then(() => settled.push(i)));
    const all = concat(responses);
    for (let i = 0; i < all.length; i++) {
      o.socket.deliver(all.subarray(i, i + 1));
      await Promise.resolve(); // let resolutions run: none may come before its last byte
      // Response k ends at byte (k + 1) * responseLength; nothing resolves earlier.
      expect(settled.length).toBeLessThanOrEqual(Math.floor((i + 1) / responses[0]!.length));
    }
    expect(await within(Promise.all(promises), 1000, "five responses")).toEqual(values.map((n) => ({ n })));
  });

  test("the same at random split points", async () => {
    const rand = prng(7);
    for (let round = 0; round < 20; round++) {
      const o = await open();
      const { values, promises, responses } = await sendFive(o);
      const all = concat(responses);
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < all.length;) {
        const n = 1 + Math.floor(rand() * 12);
        chunks.push(all.subarray(at, at + n));
        at += n;
      }
      o.socket.deliverChunks(chunks);
      expect(await within(Promise.all(promises), 1000, "five responses")).toEqual(values.map((n) => ({ n })));
    }
  });

  test("unknown tagged fields in the response header (v1) are skipped", async () => {
    const o = await open();
    const p = o.conn.send(Echo, { n: 5 });
    const f = await o.socket.frame(2);
    const w = new Writer().int32(f.correlationId);
    w.taggedFields([[0, (b) => void b.int64(123n)], [9, (b) => void b.compactString("future")]]);
    w.int32(5).uvarint(0);
    o.socket.deliver(frame(w.toBytes()));
    expect(await within(p, 1000, "echo")).toEqual({ n: 5 });
  });

  test("a real API: Kafka's Metadata v12 response bytes decode", async () => {
    const o = await open();
    const p = o.conn.send(Metadata, METADATA_ALL, { version: 12 });
    const f = await o.socket.frame(2);
    expect([f.apiKey, f.apiVersion]).toEqual([3, 12]);
    const v12 = javaResponse("Metadata", 12);
    o.socket.deliver(javaFrame(f.correlationId, v12.hex, true), 7);
    const res: MetadataResponse = await within(p, 1000, "metadata");
    expect(res.clusterId).toBe(v12.data.clusterId as string);
    expect(res.brokers.map((b) => [b.nodeId, b.host, b.port])).toEqual([[1, "broker-1.example", 9092], [2, "127.0.0.1", 19093]]);
  });
});

// ---------------------------------------------------------------- writes

describe("coalesced writes", () => {
  test("frames queued while a write is under way go out together in the next write", async () => {
    const o = await open();
    const before = o.socket.writes.length;
    o.socket.holdWrites();
    const promises = [1, 2, 3, 4, 5].map((n) => o.conn.send(Echo, { n }));
    await tick();
    // An idle connection writes the first frame at once; the other four wait for that write.
    expect(o.socket.writes.length - before).toBe(1);
    expect(o.socket.heldWrites).toBe(1);
    o.socket.releaseWrites();
    await within(o.socket.frame(6), 1000, "all five frames");
    await tick();
    const writes = o.socket.writes.slice(before);
    expect(writes.length).toBe(2);
    const frames = o.socket.frames.slice(1);
    expect(hex(writes[0]!)).toBe(hex(frames[0]!.raw));
    expect(hex(writes[1]!)).toBe(hex(concat(frames.slice(1).map((f) => f.raw))));
    o.socket.deliver(concat(frames.map((f, i) => echoResponse(f.correlationId, i + 1))));
    expect(await within(Promise.all(promises), 1000, "responses")).toEqual([1, 2, 3, 4, 5].map((n) => ({ n })));
  });

  test("frames sent during a held write never change the bytes being written, over many rounds", async () => {
    const o = await open();
    const before = o.socket.writes.length;
    const all: Array<Promise<{ n: number }>> = [];
    const sent: number[] = [];
    for (let round = 0; round < 6; round++) {
      o.socket.holdWrites();
      // Rounds of different sizes, so the frames' buffer is reused both for fewer and for more bytes.
      for (let k = 0; k < (round % 2 === 0 ? 7 : 2); k++) {
        const n = round * 100 + k;
        sent.push(n);
        all.push(o.conn.send(Echo, { n }));
      }
      await tick();
      o.socket.releaseWrites();
      await tick();
    }
    await within(o.socket.frame(1 + sent.length), 1000, "every frame");
    const frames = o.socket.frames.slice(1);
    expect(frames.map((f) => new DataView(f.raw.buffer, f.raw.byteOffset).getInt32(f.raw.length - 5))).toEqual(sent);
    expect(o.socket.writes.length - before).toBeLessThan(sent.length); // coalesced
    o.socket.deliver(concat(frames.map((f, i) => echoResponse(f.correlationId, sent[i]!))));
    expect(await within(Promise.all(all), 1000, "responses")).toEqual(sent.map((n) => ({ n })));
  });

  test("a request that fails to encode rejects alone; the frames queued around it go out whole", async () => {
    const o = await open();
    o.socket.holdWrites();
    const first = o.conn.send(Echo, { n: 1 });
    await tick();
    const second = o.conn.send(Fragile, { n: 2 });
    // Fails halfway through its body: what it wrote must not stay in the queued bytes.
    const bad = await outcome(o.conn.send(Fragile, { n: 99, fail: true }));
    expect(rejectedWith(bad, RangeError).message).toBe("Field 2 of 99 cannot be encoded");
    const third = o.conn.send(Fragile, { n: 3 });
    o.socket.releaseWrites();
    await within(o.socket.frame(4), 1000, "three frames");
    const frames = o.socket.frames.slice(1);
    expect(frames.length).toBe(3);
    o.socket.deliver(concat(frames.map((f, i) => echoResponse(f.correlationId, [1, 2, 3][i]!))));
    expect(await within(Promise.all([first, second, third]), 1000, "responses")).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  test("only one write is under way at a time", async () => {
    const o = await open();
    o.socket.holdWrites();
    const before = o.socket.writes.length;
    const ps = [o.conn.send(Echo, { n: 1 }), o.conn.send(Echo, { n: 2 })];
    await tick();
    expect(o.socket.writes.length - before).toBe(1);
    ps.push(o.conn.send(Echo, { n: 3 }));
    await tick();
    expect(o.socket.writes.length - before).toBe(1); // still waiting for the first
    o.socket.releaseWrites();
    await within(o.socket.frame(4), 1000, "frames");
    await tick();
    expect(o.socket.writes.length - before).toBe(2); // frames 2 and 3 in one write
    o.socket.deliver(concat(o.socket.frames.slice(1).map((f, i) => echoResponse(f.correlationId, i + 1))));
    await within(Promise.all(ps), 1000, "responses");
  });
});

// ---------------------------------------------------------------- malformed input

describe("malformed input", () => {
  async function openWithThree() {
    const o = await open();
    const pending = [1, 2, 3].map((n) => outcome(o.conn.send(Echo, { n }), 1000, `request ${n}`));
    await o.socket.frame(4);
    return { ...o, pending };
  }

  test("a truncated frame, then the socket closes → pending requests reject with ConnectionError", async () => {
    const o = await openWithThree();
    o.socket.deliver(echoResponse(1, 1).subarray(0, 6));
    await tick();
    expect(o.conn.isOpen).toBe(true);
    expect(o.conn.inFlight).toBe(3);
    o.socket.peerClose();
    const results = await Promise.all(o.pending);
    const errors = results.map((r) => rejectedWith(r, ConnectionError));
    expect(errors[0]!.message).toBe('Connection to node 1 "broker.test:9092" was closed by the broker');
    expect(new Set(errors).size).toBe(1);
    expect(o.conn.isOpen).toBe(false);
    expect(o.closes).toEqual([errors[0]]);
  });

  test("the socket's own close error is what pending requests get", async () => {
    const o = await openWithThree();
    const reset = new ConnectionError("Connection reset by peer");
    o.socket.peerClose(reset);
    for (const r of await Promise.all(o.pending)) expect(rejectedWith(r, ConnectionError)).toBe(reset);
    expect(o.closes).toEqual([reset]);
  });

  test("an unknown correlation id → ProtocolError, and every pending request rejects with it", async () => {
    const o = await openWithThree();
    o.socket.deliver(echoResponse(999, 1));
    const errors = (await Promise.all(o.pending)).map((r) => rejectedWith(r, ProtocolError));
    expect(errors[0]!.message).toBe(
      'Connection to node 1 "broker.test:9092" sent a response with unknown correlation id 999 (expected 1)',
    );
    expect(new Set(errors).size).toBe(1);
    expect(o.socket.closeCalls).toBe(1);
    expect(o.closes).toEqual([errors[0]]);
    expect(rejectedWith(await outcome(o.conn.send(Echo, { n: 4 })), ProtocolError)).toBe(errors[0]!);
  });

  test("a response to a later request first (out of order) → ProtocolError", async () => {
    const o = await openWithThree();
    o.socket.deliver(echoResponse(2, 2));
    const errors = (await Promise.all(o.pending)).map((r) => rejectedWith(r, ProtocolError));
    expect(errors[0]!.message).toContain("unknown correlation id 2 (expected 1)");
  });

  test("a response when nothing is pending → ProtocolError, connection closed", async () => {
    const o = await open();
    o.socket.deliver(echoResponse(1, 1));
    expect(o.conn.isOpen).toBe(false);
    expect(o.closes.length).toBe(1);
    expect(o.closes[0]).toBeInstanceOf(ProtocolError);
    expect(o.closes[0]!.message).toContain("unknown correlation id 1 (none pending)");
  });

  test.each([-1, -0x80000000, 0, 1, 3, MAX_FRAME_SIZE + 1, 0x7fffffff])(
    "a length prefix of %p → ProtocolError",
    async (size) => {
      for (const chunkSize of [4, 1]) {
        const o = await openWithThree();
        o.socket.deliver(concat([int32(size), new Uint8Array(8)]), chunkSize);
        const errors = (await Promise.all(o.pending)).map((r) => rejectedWith(r, ProtocolError));
        expect(errors[0]!.message).toBe(
          `Connection to node 1 "broker.test:9092" sent a frame of invalid size ${size} (valid: 4 to ${MAX_FRAME_SIZE})`,
        );
        expect(o.conn.isOpen).toBe(false);
      }
    },
  );

  test("a length prefix of exactly MAX_FRAME_SIZE is accepted (waits for the rest)", async () => {
    const o = await openWithThree();
    o.socket.deliver(int32(MAX_FRAME_SIZE));
    await tick();
    expect(o.conn.isOpen).toBe(true);
    expect(o.conn.inFlight).toBe(3);
    o.conn.close();
    for (const r of await Promise.all(o.pending)) rejectedWith(r, ClosedError);
  });

  test("a response body that fails to decode → ProtocolError naming the API", async () => {
    const o = await open();
    const p = outcome(o.conn.send(Metadata, METADATA_ALL, { version: 12 }));
    const q = outcome(o.conn.send(Echo, { n: 1 }));
    const f = await o.socket.frame(2);
    const body = javaResponse("Metadata", 12).hex;
    o.socket.deliver(javaFrame(f.correlationId, body.slice(0, body.length / 2), true));
    const e = rejectedWith(await p, ProtocolError);
    expect(e.message).toStartWith('Connection to node 1 "broker.test:9092" sent an unreadable Metadata v12 response: ');
    expect(e.cause).toBeInstanceOf(ProtocolError);
    expect(rejectedWith(await q, ProtocolError)).toBe(e);
    expect(o.conn.isOpen).toBe(false);
  });

  test("a decoder's own (non-Kafka) error is wrapped in a ProtocolError with it as the cause", async () => {
    const o = await open();
    const p = outcome(o.conn.send(Echo, { n: 1 }));
    const f = await o.socket.frame(2);
    o.socket.deliver(response(f.correlationId, (w) => void w.int32(1).uvarint(0).int8(9), true)); // a byte too many
    const e = rejectedWith(await p, ProtocolError);
    expect(e.message).toBe('Connection to node 1 "broker.test:9092" sent an unreadable Echo v1 response: 1 bytes left over');
    expect(e.cause).toBeInstanceOf(Error);
  });

  test("random garbage: nothing thrown, connection closed, every pending request rejected by a KafkaError", async () => {
    const rand = prng(0xc0ffee);
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
    let resolved = 0;
    for (let i = 0; i < 300; i++) {
      const o = await open();
      const pending = [
        outcome(o.conn.send(Metadata, METADATA_ALL), 1000, "metadata"),
        outcome(o.conn.send(Echo, { n: 1 }), 1000, "echo 1"),
        outcome(o.conn.send(Echo, { n: 2 }), 1000, "echo 2"),
      ];
      await o.socket.frame(4);
      let input: Uint8Array;
      const kind = i % 3;
      if (kind === 0) input = bytes(1 + Math.floor(rand() * 64)); // anything at all
      else if (kind === 1) input = frame(concat([int32(1), bytes(Math.floor(rand() * 48))])); // a Metadata body of noise
      else input = concat([frame(concat([int32(1), new Uint8Array([0]), bytes(Math.floor(rand() * 16))])), bytes(20)]);
      o.socket.deliver(input, 1 + Math.floor(rand() * 9));
      o.socket.peerClose();
      expect(o.conn.isOpen).toBe(false);
      const results = await Promise.all(pending);
      for (const r of results) {
        if (r.status === "rejected") expect(r.reason).toBeInstanceOf(KafkaError);
        else resolved++;
      }
      // Only the head can have been answered (by noise that happened to decode); the others never.
      expect(results[1]!.status).toBe("rejected");
      expect(results[2]!.status).toBe("rejected");
      expect(o.socket.thrownFromOnData).toEqual([]);
    }
    expect(resolved).toBeLessThan(30);
  });
});

// ---------------------------------------------------------------- timeouts

describe("request timeout", () => {
  test("the request rejects with TimeoutError, the connection closes, the others reject with ConnectionError", async () => {
    const o = await open(RANGES, { requestTimeoutMs: 60 });
    const start = performance.now();
    const pending = [1, 2, 3].map((n) => outcome(o.conn.send(Echo, { n }), 2000));
    const [first, ...others] = await Promise.all(pending);
    const elapsed = performance.now() - start;
    const timeout = rejectedWith(first!, TimeoutError);
    expect(timeout.message).toBe('Echo request to node 1 "broker.test:9092" timed out after 60 ms');
    expect(elapsed).toBeGreaterThanOrEqual(50);
    for (const r of others) {
      const e = rejectedWith(r, ConnectionError);
      expect(e.message).toBe('Connection to node 1 "broker.test:9092" was closed after a request timed out');
      expect(e.cause).toBe(timeout);
    }
    expect(o.conn.isOpen).toBe(false);
    expect(o.socket.closeCalls).toBe(1);
    expect(o.closes.length).toBe(1);
    expect(o.closes[0]).toBeInstanceOf(ConnectionError);
  });

  test("an answered request does not time out afterwards", async () => {
    const o = await open(RANGES, { requestTimeoutMs: 60 });
    const a = o.conn.send(Echo, { n: 1 });
    await o.socket.frame(2);
    o.socket.deliver(echoResponse(1, 1));
    expect(await within(a, 1000, "a")).toEqual({ n: 1 });
    await tick(150);
    expect(o.conn.isOpen).toBe(true);
    expect(o.closes).toEqual([]);
  });

  test("after the oldest is answered, the next request's deadline still counts from its own send", async () => {
    const o = await open(RANGES, { requestTimeoutMs: 200 });
    const start = performance.now();
    const a = o.conn.send(Echo, { n: 1 });
    const b = outcome(o.conn.send(Echo, { n: 2 }), 2000);
    await o.socket.frame(3);
    await tick(150);
    o.socket.deliver(echoResponse(1, 1));
    expect(await within(a, 1000, "a")).toEqual({ n: 1 });
    rejectedWith(await b, TimeoutError);
    // ~200 ms after it was sent; a timer restarted at the answer would fire at ~350 ms.
    expect(performance.now() - start).toBeLessThan(300);
  });

  test("timeoutMs per request: a later request with a shorter timeout expires on its own deadline", async () => {
    const o = await open();
    const slow = outcome(o.conn.send(Echo, { n: 1 }, { timeoutMs: 3000 }), 4000);
    const fast = outcome(o.conn.send(Echo, { n: 2 }, { timeoutMs: 50 }), 4000);
    // Kafka answers in order, so once `fast` expires the connection's state is unknown: Java's
    // NetworkClient checks every in-flight request's deadline, not only the oldest's.
    const first = await within(Promise.race([slow.then(() => "slow"), fast.then(() => "fast")]), 1000, "the 50 ms timeout");
    expect(first).toBe("fast");
    rejectedWith(await fast, TimeoutError);
    rejectedWith(await slow, ConnectionError);
  });
});

// ---------------------------------------------------------------- acks=0

describe("expectResponse: false (acks=0)", () => {
  test("resolves once written, is not pending, and uses a correlation id", async () => {
    const o = await open();
    o.socket.holdWrites();
    let done = false;
    const p = o.conn.send(Echo, { n: 1 }, { expectResponse: false }).then((v) => {
      done = true;
      return v;
    });
    await tick();
    expect(o.conn.inFlight).toBe(0);
    expect(done).toBe(false); // the write has not completed
    o.socket.releaseWrites();
    expect(await within(p, 1000, "acks=0 write")).toBeUndefined();
    const q = o.conn.send(Echo, { n: 2 });
    const f = await o.socket.frame(3);
    expect(o.socket.frames[1]!.correlationId).toBe(1);
    expect(f.correlationId).toBe(2);
    o.socket.deliver(echoResponse(2, 2));
    expect(await within(q, 1000, "echo")).toEqual({ n: 2 });
  });

  test("a failed write rejects it", async () => {
    const o = await open();
    o.socket.holdWrites();
    const p = outcome(o.conn.send(Echo, { n: 1 }, { expectResponse: false }));
    await tick();
    const broken = new ConnectionError("Broken pipe");
    o.socket.failWrites(broken);
    expect(rejectedWith(await p, ConnectionError)).toBe(broken);
  });
});

// ---------------------------------------------------------------- close and write failures

describe("close", () => {
  test("close() rejects pending requests with a ClosedError; send afterwards rejects with it", async () => {
    const o = await open();
    const pending = [1, 2].map((n) => outcome(o.conn.send(Echo, { n })));
    o.conn.close();
    const errors = (await Promise.all(pending)).map((r) => rejectedWith(r, ClosedError));
    expect(errors[0]!.message).toBe('Connection to node 1 "broker.test:9092" was closed');
    expect(errors[1]).toBe(errors[0]!);
    expect(o.conn.isOpen).toBe(false);
    expect(o.socket.closeCalls).toBe(1);
    expect(o.closes).toEqual([undefined]); // a plain close is not reported as an error
    expect(rejectedWith(await outcome(o.conn.send(Echo, { n: 3 })), ClosedError)).toBe(errors[0]!);
    o.conn.close(new ConnectionError("again")); // idempotent: the first reason stays
    expect(rejectedWith(await outcome(o.conn.send(Echo, { n: 4 })), ClosedError)).toBe(errors[0]!);
    expect(o.closes.length).toBe(1);
    expect(o.socket.closeCalls).toBe(1);
  });

  test("close(error) rejects with that error and reports it", async () => {
    const o = await open();
    const p = outcome(o.conn.send(Echo, { n: 1 }));
    const why = new ConnectionError("Idle for too long");
    o.conn.close(why);
    expect(rejectedWith(await p, ConnectionError)).toBe(why);
    expect(rejectedWith(await outcome(o.conn.send(Echo, { n: 2 })), ConnectionError)).toBe(why);
    expect(o.closes).toEqual([why]);
  });

  test("data after close is ignored", async () => {
    const o = await open();
    o.conn.close();
    o.socket.deliver(echoResponse(1, 1));
    o.socket.deliver(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    expect(o.closes).toEqual([undefined]);
  });
});

describe("write failure", () => {
  test("a rejected socket write fails everything: written, queued and acks=0", async () => {
    const o = await open();
    o.socket.holdWrites();
    const inWrite = outcome(o.conn.send(Echo, { n: 1 }));
    await tick();
    const queued = [outcome(o.conn.send(Echo, { n: 2 })), outcome(o.conn.send(Echo, { n: 3 }))];
    const fireAndForget = outcome(o.conn.send(Echo, { n: 4 }, { expectResponse: false }));
    const broken = new ConnectionError("Broken pipe");
    o.socket.failWrites(broken);
    for (const p of [inWrite, ...queued, fireAndForget]) expect(rejectedWith(await p, ConnectionError)).toBe(broken);
    expect(o.conn.isOpen).toBe(false);
    expect(o.closes).toEqual([broken]);
    expect(rejectedWith(await outcome(o.conn.send(Echo, { n: 5 })), ConnectionError)).toBe(broken);
  });

  test("a non-Kafka write error becomes a ConnectionError with it as the cause", async () => {
    const o = await open();
    const oops = new TypeError("write after end");
    o.socket.failWrites(oops);
    const e = rejectedWith(await outcome(o.conn.send(Echo, { n: 1 })), ConnectionError);
    expect(e.message).toBe('Connection to node 1 "broker.test:9092" failed to write');
    expect(e.cause).toBe(oops);
    expect(o.conn.isOpen).toBe(false);
  });
});
