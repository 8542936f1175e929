/**
 * Checks src/protocol's API codecs against vectors made by Kafka's own
 * generated message classes (tests/kafka/ProtocolVectors.java, kafka-clients
 * 4.4.0): our requests must be byte-identical to Kafka's, and our decoder must
 * read Kafka's responses into what Kafka itself reads back from them.
 */

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { ProtocolError } from "../../src/errors.ts";
import type { Api } from "../../src/protocol/api.ts";
import { UnsupportedVersionError } from "../../src/protocol/api_error_classes.ts";
import {
  AddOffsetsToTxn,
  AddPartitionsToTxn,
  ApiKey,
  apiName,
  ApiVersions,
  EndTxn,
  FindCoordinator,
  InitProducerId,
  Metadata,
  Produce,
  TxnOffsetCommit,
} from "../../src/protocol/index.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";

interface Vector {
  api: string;
  kind: "request" | "response" | "request-error";
  version: number;
  hex: string;
  data: unknown;
  note?: string;
  error?: string;
}

// deno-lint-ignore no-explicit-any
type AnyApi = Api<any, any>;

const APIS: Record<string, AnyApi> = {
  ApiVersions,
  Metadata,
  Produce,
  InitProducerId,
  FindCoordinator,
  AddPartitionsToTxn,
  AddOffsetsToTxn,
  EndTxn,
  TxnOffsetCommit,
};

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** JSON has no int64 or bytes: the fixture writes them as {"$bigint"} and {"$bytes"}. */
function revive(_key: string, v: unknown): unknown {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.$bigint === "string") return BigInt(o.$bigint);
    if (typeof o.$bytes === "string") return fromHex(o.$bytes);
  }
  return v;
}

/** Comparable form: bigint → "123n", bytes → "0x…" (so views and copies compare equal). */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => {
    if (typeof x === "bigint") return `${x}n`;
    if (x instanceof Uint8Array) return `0x${toHex(x)}`;
    return x;
  }));
}

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/protocol_vectors.json", import.meta.url), "utf8"),
  revive,
) as { kafkaVersion: string; vectors: Vector[] };

function encode(api: AnyApi, version: number, data: unknown): string {
  const w = new Writer(16);
  api.encode(w, version, data);
  return toHex(w.bytes());
}

function decode(api: AnyApi, version: number, bytes: Uint8Array): { value: unknown; remaining: number } {
  const r = new Reader(bytes);
  const value = api.decode(r, version);
  return { value, remaining: r.remaining };
}

describe(`protocol vectors from Kafka ${fixture.kafkaVersion}`, () => {
  test("cover every version we speak, both ways", () => {
    for (const [name, api] of Object.entries(APIS)) {
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        const kinds = fixture.vectors.filter((x) => x.api === name && x.version === v).map((x) => x.kind);
        expect(kinds, `${name} v${v}`).toContain("request");
        expect(kinds, `${name} v${v}`).toContain("response");
      }
    }
    for (const x of fixture.vectors) expect(APIS[x.api], x.api).toBeDefined();
  });

  fixture.vectors.forEach((x, i) => {
    const api = APIS[x.api]!;
    const label = `${x.api} v${x.version} ${x.kind} #${i}${x.note ? ` (${x.note})` : ""}`;
    if (x.kind === "request") {
      test(`${label} encodes byte-identically`, () => {
        expect(encode(api, x.version, x.data)).toBe(x.hex);
      });
    } else if (x.kind === "request-error") {
      test(`${label} is refused like Kafka refuses it`, () => {
        expect(() => encode(api, x.version, x.data)).toThrow(UnsupportedVersionError);
      });
    } else {
      test(`${label} decodes to what Kafka reads`, () => {
        const { value, remaining } = decode(api, x.version, fromHex(x.hex));
        expect(remaining).toBe(0);
        expect(plain(value)).toEqual(plain(x.data));
      });
    }
  });
});

describe("malformed responses", () => {
  const responses = fixture.vectors.filter((x) => x.kind === "response");

  test("every truncation of every response throws a ProtocolError", () => {
    let checked = 0;
    for (const x of responses) {
      const bytes = fromHex(x.hex);
      for (let n = 0; n < bytes.length; n++) {
        let thrown: unknown;
        try {
          decode(APIS[x.api]!, x.version, bytes.subarray(0, n));
        } catch (e) {
          thrown = e;
        }
        if (!(thrown instanceof ProtocolError)) {
          throw new Error(`${x.api} v${x.version} cut to ${n} of ${bytes.length} bytes: ${String(thrown ?? "no error")}`);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  test("corrupted responses decode or throw a ProtocolError, never anything else", () => {
    let seed = 0x9747b28c;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (const x of responses) {
      const original = fromHex(x.hex);
      for (let i = 0; i < 50; i++) {
        const bytes = original.slice();
        const flips = 1 + Math.floor(random() * 3);
        for (let f = 0; f < flips && bytes.length > 0; f++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
        try {
          decode(APIS[x.api]!, x.version, bytes);
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw new Error(`${x.api} v${x.version} ${toHex(bytes)}: ${String(e)}`);
        }
      }
    }
  });

  test("an array count larger than the body is refused before allocating", () => {
    const body = new Uint8Array([0x7f, 0xff, 0xff, 0xff]); // Produce v8: 2^31-1 topics
    expect(() => decode(Produce, 8, body)).toThrow(ProtocolError);
    expect(() => decode(Produce, 11, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(ProtocolError);
  });
});

describe("version rules", () => {
  test("versions outside our range are refused", () => {
    expect(() => encode(Produce, 2, { acks: 1, timeoutMs: 1, topics: [] })).toThrow(UnsupportedVersionError);
    expect(() => encode(Produce, 13, { acks: 1, timeoutMs: 1, topics: [] })).toThrow(UnsupportedVersionError);
    expect(() => decode(ApiVersions, 5, new Uint8Array(0))).toThrow(UnsupportedVersionError);
  });

  test("Metadata v0 sends null topics as the empty list (all topics in v0)", () => {
    expect(encode(Metadata, 0, { topics: null })).toBe(encode(Metadata, 0, { topics: [] }));
    expect(encode(Metadata, 0, { topics: [] })).toBe("00000000");
  });

  test("FindCoordinator v0-3 look up exactly one key", () => {
    expect(() => encode(FindCoordinator, 3, { keyType: 1, coordinatorKeys: ["a", "b"] })).toThrow(UnsupportedVersionError);
    expect(() => encode(FindCoordinator, 2, { coordinatorKeys: [] })).toThrow(UnsupportedVersionError);
  });

  test("unsupported-field errors name the API, field and version", () => {
    expect(() => encode(Metadata, 3, { topics: [], allowAutoTopicCreation: false })).toThrow(
      'Metadata version "3" cannot encode field "allowAutoTopicCreation"',
    );
  });

  test("ignorable fields a version lacks are dropped silently", () => {
    const withName = encode(ApiVersions, 2, { clientSoftwareName: "edgekafka", clientSoftwareVersion: "1" });
    expect(withName).toBe("");
    const withEpoch = encode(TxnOffsetCommit, 1, {
      transactionalId: "t", groupId: "g", producerId: 1n, producerEpoch: 0,
      topics: [{ name: "x", partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: 9 }] }],
    });
    const withoutEpoch = encode(TxnOffsetCommit, 1, {
      transactionalId: "t", groupId: "g", producerId: 1n, producerEpoch: 0,
      topics: [{ name: "x", partitions: [{ partitionIndex: 0, committedOffset: 5n }] }],
    });
    expect(withEpoch).toBe(withoutEpoch);
  });

  test("Produce writes the record bytes as given, in both encodings", () => {
    const records = new Uint8Array([1, 2, 3, 4, 5]);
    const req = { acks: -1, timeoutMs: 100, topics: [{ name: "t", partitions: [{ index: 7, records }] }] };
    expect(encode(Produce, 8, req)).toBe("ffff" + "ffff" + "00000064" + "00000001" + "000174" + "00000001" + "00000007" + "00000005" + "0102030405");
    expect(encode(Produce, 9, req)).toBe("00" + "ffff" + "00000064" + "02" + "0274" + "02" + "00000007" + "06" + "0102030405" + "00" + "00" + "00");
  });
});

describe("API keys", () => {
  test("names and keys agree with the API objects", () => {
    for (const api of Object.values(APIS)) {
      expect(apiName(api.key)).toBe(api.name);
      expect<number>(ApiKey[api.name as keyof typeof ApiKey]).toBe(api.key);
    }
    expect(apiName(999)).toBe("Unknown API 999");
    expect(Object.isFrozen(ApiKey)).toBe(true);
    expect(ApiKey.DescribeCluster).toBe(60);
  });
});
