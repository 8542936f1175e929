/**
 * serde.ts: topic name rules (Kafka's `Topic.validate`), header
 * normalisation, key/value serializers and timestamps.
 */

import { describe, expect, test } from "bun:test";
import { InvalidRecordError, KafkaError, SerializationError } from "../../src/errors.ts";
import { describe as describeValue, serializeField, toHeaderList, toTimestamp, validateTopic } from "../../src/serde.ts";
import type { HeaderList } from "../../src/protocol/record_batch.ts";

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
}

describe("validateTopic", () => {
  test("legal names pass", () => {
    for (const t of ["orders", "a", "orders.v1", "my_topic-2", "A.b_C-9", "x".repeat(249), "...", "-_."]) {
      expect(() => validateTopic(t)).not.toThrow();
    }
  });

  test("empty", () => {
    const e = thrown(() => validateTopic(""));
    expect(e).toBeInstanceOf(InvalidRecordError);
    expect(e.message).toBe("Topic name is illegal: it cannot be empty");
  });

  test('"." and ".."', () => {
    expect(thrown(() => validateTopic(".")).message).toBe('Topic name "." is illegal: it cannot be "." or ".."');
    expect(thrown(() => validateTopic("..")).message).toBe('Topic name ".." is illegal: it cannot be "." or ".."');
  });

  test("250 characters is one over the limit", () => {
    const e = thrown(() => validateTopic("a".repeat(250)));
    expect(e).toBeInstanceOf(InvalidRecordError);
    expect(e.message).toBe(`Topic name "${"a".repeat(40)}…" is illegal: it is 250 characters, over the limit of 249`);
  });

  test("illegal characters", () => {
    for (const t of ["a b", "a/b", "topic!", "é", "a:b", "tab\t"]) {
      const e = thrown(() => validateTopic(t));
      expect(e).toBeInstanceOf(InvalidRecordError);
      expect(e.message).toBe(`Topic name "${t}" is illegal: it contains a character other than ASCII alphanumerics, ".", "_" and "-"`);
    }
  });

  test("not a string", () => {
    expect(thrown(() => validateTopic(5)).message).toBe('Topic must be a string, got number "5"');
    expect(thrown(() => validateTopic(undefined)).message).toBe("Topic must be a string, got undefined");
    expect(thrown(() => validateTopic(null)).message).toBe("Topic must be a string, got null");
  });

  test("errors are not retriable", () => {
    const e = thrown(() => validateTopic("")) as KafkaError;
    expect(e.retriable).toBe(false);
    expect(e.name).toBe("InvalidRecordError");
  });
});

describe("toHeaderList", () => {
  test("absent or empty headers are null", () => {
    expect(toHeaderList(undefined)).toBeNull();
    expect(toHeaderList({})).toBeNull();
    expect(toHeaderList([])).toBeNull();
  });

  test("an object becomes pairs in key order", () => {
    const bytes = Uint8Array.from([1, 2]);
    expect(toHeaderList({ b: "2", a: bytes, c: "" })).toEqual([["b", "2"], ["a", bytes], ["c", ""]]);
  });

  test("pairs keep their order, duplicates and null values", () => {
    const pairs: HeaderList = [["k", "1"], ["k", null], ["j", Uint8Array.of(9)], ["k", "3"]];
    const list = toHeaderList(pairs);
    expect(list).toEqual([["k", "1"], ["k", null], ["j", Uint8Array.of(9)], ["k", "3"]]);
  });

  test("invalid pairs are refused", () => {
    const bad = [["k", 5]] as unknown as HeaderList;
    const e = thrown(() => toHeaderList(bad));
    expect(e).toBeInstanceOf(InvalidRecordError);
    expect(e.message).toBe("Header array is invalid: expected a [string, Uint8Array | string | null] pair");
    expect(thrown(() => toHeaderList([[1, "x"]] as unknown as HeaderList)).message).toBe(
      "Header array is invalid: expected a [string, Uint8Array | string | null] pair",
    );
    expect(thrown(() => toHeaderList(["kv"] as unknown as HeaderList)).message).toBe(
      "Header string is invalid: expected a [string, Uint8Array | string | null] pair",
    );
  });

  test("an object value that is not a string or bytes is refused", () => {
    const e = thrown(() => toHeaderList({ a: "1", n: 7 } as unknown as Record<string, string>));
    expect(e).toBeInstanceOf(InvalidRecordError);
    expect(e.message).toBe('Header "n" has a value of type number "7": expected a string or a Uint8Array');
    expect(thrown(() => toHeaderList({ z: null } as unknown as Record<string, string>)).message).toBe(
      'Header "z" has a value of type null: expected a string or a Uint8Array',
    );
  });

  test("neither object nor array is refused", () => {
    expect(thrown(() => toHeaderList("h" as unknown as HeaderList)).message).toBe("Headers must be an object or an array of pairs, got string");
  });
});

describe("serializeField", () => {
  test("without a serializer: bytes, strings and null pass; undefined is null", () => {
    const bytes = Uint8Array.of(1);
    expect(serializeField("key", bytes, null, "t", null)).toBe(bytes);
    expect(serializeField("value", "v", null, "t", null)).toBe("v");
    expect(serializeField("value", null, null, "t", null)).toBeNull();
    expect(serializeField("value", undefined, null, "t", null)).toBeNull();
  });

  test("without a serializer, other types are refused naming field and topic", () => {
    const e = thrown(() => serializeField("key", 42, null, "orders", null));
    expect(e).toBeInstanceOf(SerializationError);
    expect(e).toBeInstanceOf(InvalidRecordError);
    expect(e.message).toBe(
      'Cannot send a key of type number "42" to topic "orders": without a keySerializer, a key must be a Uint8Array, a string or null',
    );
    expect(thrown(() => serializeField("value", { a: 1 }, null, "orders", null)).message).toBe(
      'Cannot send a value of type Object to topic "orders": without a valueSerializer, a value must be a Uint8Array, a string or null',
    );
  });

  test("a function serializer gets (data, topic, headers)", () => {
    const calls: unknown[][] = [];
    const headers: HeaderList = [["h", "1"]];
    const out = serializeField("value", { n: 1 }, (data: unknown, topic: string, h: HeaderList) => {
      calls.push([data, topic, h]);
      return JSON.stringify(data);
    }, "t", headers);
    expect(out).toBe('{"n":1}');
    expect(calls).toEqual([[{ n: 1 }, "t", headers]]);
    // No headers: an empty list.
    serializeField("key", 1, (_d: number, _t: string, h: HeaderList) => (calls.push([h]), "k"), "t", null);
    expect(calls[1]).toEqual([[]]);
  });

  test("an object serializer gets (topic, data, headers), Java's Serializer shape", () => {
    const calls: unknown[][] = [];
    const out = serializeField("key", 7, {
      serialize(topic: string, data: number, h: HeaderList) {
        calls.push([topic, data, h]);
        return Uint8Array.of(data);
      },
    }, "t", null);
    expect(out).toEqual(Uint8Array.of(7));
    expect(calls).toEqual([["t", 7, []]]);
  });

  test("a serializer returning undefined means null", () => {
    expect(serializeField("value", 1, () => undefined as unknown as null, "t", null)).toBeNull();
  });

  test("a throwing serializer becomes a SerializationError naming field and topic, with the cause", () => {
    const cause = new Error("boom");
    const e = thrown(() => serializeField("value", 1, () => {
      throw cause;
    }, "payments", null));
    expect(e).toBeInstanceOf(SerializationError);
    expect(e.message).toBe('The value serializer failed for topic "payments": boom');
    expect(e.cause).toBe(cause);
    const e2 = thrown(() => serializeField("key", 1, {
      serialize() {
        throw "not an error";
      },
    }, "p", null));
    expect(e2.message).toBe('The key serializer failed for topic "p": not an error');
  });

  test("a serializer returning something other than bytes is refused", () => {
    const e = thrown(() => serializeField("value", 1, () => 5 as unknown as string, "t", null));
    expect(e).toBeInstanceOf(SerializationError);
    expect(e.message).toBe('The value serializer returned number "5" for topic "t": expected a Uint8Array, a string or null');
    expect(thrown(() => serializeField("key", 1, () => [1] as unknown as string, "t", null)).message).toBe(
      'The key serializer returned array for topic "t": expected a Uint8Array, a string or null',
    );
  });
});

describe("toTimestamp", () => {
  test("absent: now", () => {
    expect(toTimestamp(undefined, 1234)).toBe(1234);
  });

  test("a number or a Date", () => {
    expect(toTimestamp(0, 99)).toBe(0);
    expect(toTimestamp(1_700_000_000_123, 99)).toBe(1_700_000_000_123);
    expect(toTimestamp(new Date(1_700_000_000_456), 99)).toBe(1_700_000_000_456);
  });

  test("negative, fractional, NaN, infinite and invalid dates are refused", () => {
    const msg = (v: number | Date) => thrown(() => toTimestamp(v, 0)).message;
    expect(msg(-1)).toBe('Invalid timestamp number "-1": it must be a non-negative integer (ms since the epoch) or a Date');
    expect(msg(NaN)).toBe('Invalid timestamp number "NaN": it must be a non-negative integer (ms since the epoch) or a Date');
    expect(msg(1.5)).toBe('Invalid timestamp number "1.5": it must be a non-negative integer (ms since the epoch) or a Date');
    expect(msg(Infinity)).toBe('Invalid timestamp number "Infinity": it must be a non-negative integer (ms since the epoch) or a Date');
    expect(msg(new Date(NaN))).toBe('Invalid timestamp Date "invalid": it must be a non-negative integer (ms since the epoch) or a Date');
    expect(msg(new Date(-5))).toBe(
      'Invalid timestamp Date "1969-12-31T23:59:59.995Z": it must be a non-negative integer (ms since the epoch) or a Date',
    );
    expect(thrown(() => toTimestamp("5" as unknown as number, 0))).toBeInstanceOf(InvalidRecordError);
  });
});

describe("describe", () => {
  test("short descriptions for messages", () => {
    expect(describeValue(null)).toBe("null");
    expect(describeValue([1])).toBe("array");
    expect(describeValue(3)).toBe('number "3"');
    expect(describeValue("s")).toBe("string");
    expect(describeValue(new Map())).toBe("Map");
    expect(describeValue(Object.create(null))).toBe("object");
    expect(describeValue(undefined)).toBe("undefined");
  });
});
