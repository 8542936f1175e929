/**
 * Checks src/protocol/error_codes.ts against Kafka's own table, printed from
 * the kafka-clients jar by tests/kafka/ErrorTable.java.
 */

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import * as mod from "../../mod.ts";
import { ApiError, KafkaError } from "../../src/errors.ts";
import { API_ERROR_CLASSES, apiError } from "../../src/protocol/api_errors.ts";
import { ErrorCode, errorInfo } from "../../src/protocol/error_codes.ts";

interface JavaError {
  code: number;
  name: string;
  exception: string | null;
  retriable: boolean;
  invalidMetadata: boolean;
  message: string;
}

const java = JSON.parse(readFileSync(new URL("./fixtures/kafka_errors.json", import.meta.url), "utf8")) as {
  kafkaVersion: string;
  errors: JavaError[];
};

describe(`error table against Kafka ${java.kafkaVersion}'s Errors.values()`, () => {
  test("every Java code is present with the same name and flags", () => {
    expect(java.errors.length).toBeGreaterThan(130);
    for (const e of java.errors) {
      const info = errorInfo(e.code);
      expect({ code: info.code, name: info.name, retriable: info.retriable, invalidMetadata: info.invalidMetadata })
        .toEqual({ code: e.code, name: e.name, retriable: e.retriable, invalidMetadata: e.invalidMetadata });
      if (e.code !== 0) expect(info.message).toBe(e.message.replace(/\.\s*$/, ""));
    }
  });

  test("no code beyond Java's", () => {
    const javaNames = new Set(java.errors.map((e) => e.name));
    for (const name of Object.keys(ErrorCode)) expect(javaNames.has(name), name).toBe(true);
    expect(Object.keys(ErrorCode).length).toBe(java.errors.length);
  });
});

describe("spot checks", () => {
  const cases: Array<[number, string, boolean, boolean]> = [
    [-1, "UNKNOWN_SERVER_ERROR", false, false],
    [0, "NONE", false, false],
    [1, "OFFSET_OUT_OF_RANGE", false, false],
    [3, "UNKNOWN_TOPIC_OR_PARTITION", true, true],
    [6, "NOT_LEADER_OR_FOLLOWER", true, true],
    [7, "REQUEST_TIMED_OUT", true, false],
    [10, "MESSAGE_TOO_LARGE", false, false],
    [13, "NETWORK_EXCEPTION", true, true],
    [15, "COORDINATOR_NOT_AVAILABLE", true, false],
    [19, "NOT_ENOUGH_REPLICAS", true, false],
    [45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false, false],
    [46, "DUPLICATE_SEQUENCE_NUMBER", false, false],
    [47, "INVALID_PRODUCER_EPOCH", false, false],
    [51, "CONCURRENT_TRANSACTIONS", true, false],
    [56, "KAFKA_STORAGE_ERROR", true, true],
    [59, "UNKNOWN_PRODUCER_ID", false, false],
    [74, "FENCED_LEADER_EPOCH", true, true],
    [90, "PRODUCER_FENCED", false, false],
    [100, "UNKNOWN_TOPIC_ID", true, true],
    [120, "TRANSACTION_ABORTABLE", false, false],
  ];
  for (const [code, name, retriable, invalidMetadata] of cases) {
    test(`${code} ${name}`, () => {
      expect(errorInfo(code)).toMatchObject({ code, name, retriable, invalidMetadata });
      expect<number>(ErrorCode[name as keyof typeof ErrorCode]).toBe(code);
    });
  }

  test("ErrorCode is frozen and readable", () => {
    expect(Object.isFrozen(ErrorCode)).toBe(true);
    expect(ErrorCode.NOT_LEADER_OR_FOLLOWER).toBe(6);
    expect(ErrorCode.PRODUCER_FENCED).toBe(90);
  });

  test("unknown codes read as UNKNOWN_SERVER_ERROR naming the number", () => {
    const info = errorInfo(9999);
    expect(info).toMatchObject({ code: 9999, name: "UNKNOWN_SERVER_ERROR", retriable: false, invalidMetadata: false });
    expect(info.message).toContain('"9999"');
  });
});

describe("apiError", () => {
  test("each class stands for the Java exception of its code (Kafka's table, not a list of ours)", () => {
    expect(API_ERROR_CLASSES.length).toBeGreaterThan(20);
    expect(new Set(API_ERROR_CLASSES.map((c) => c.code)).size).toBe(API_ERROR_CLASSES.length);
    for (const cls of API_ERROR_CLASSES) {
      const javaError = java.errors.find((e) => e.code === cls.code);
      // A class is named after its Java exception or its Kafka error name;
      // "InvalidRecordError" is taken by our client-side check, so code 87's gets "Api".
      const fromJava = javaError?.exception?.replace(/Exception$/, "Error");
      const fromName = `${errorInfo(cls.code).name.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase())}Error`;
      const names = [fromJava, fromName, fromName.replace(/Error$/, "ApiError")];
      expect(names).toContain(cls.name);
    }
  });

  test("mod.ts exports every class of the table under its own name", () => {
    const exported = mod as unknown as Record<string, unknown>;
    for (const cls of API_ERROR_CLASSES) expect(exported[cls.name]).toBe(cls);
  });

  test("returns the subclass for its code, with Kafka's flags", () => {
    const classes = API_ERROR_CLASSES.map((cls) => [cls.code, cls] as const);
    for (const [code, cls] of classes) {
      const e = apiError(code);
      const info = errorInfo(code);
      expect(e).toBeInstanceOf(cls);
      expect(e).toBeInstanceOf(ApiError);
      expect(e).toBeInstanceOf(KafkaError);
      expect(e.name).toBe(cls.name);
      expect({ code: e.code, errorName: e.errorName, retriable: e.retriable, invalidMetadata: e.invalidMetadata })
        .toEqual({ code, errorName: info.name, retriable: info.retriable, invalidMetadata: info.invalidMetadata });
      expect(e.message).toBe(info.message);
      // Constructed directly, the subclass carries the same code and flags.
      const direct = new cls("custom");
      expect({ code: direct.code, retriable: direct.retriable, message: direct.message })
        .toEqual({ code, retriable: info.retriable, message: "custom" });
    }
  });

  test("other codes give a plain ApiError", () => {
    const e = apiError(19);
    expect(e.constructor).toBe(ApiError);
    expect(e).toMatchObject({ code: 19, errorName: "NOT_ENOUGH_REPLICAS", retriable: true, invalidMetadata: false });
    expect(apiError(4242)).toMatchObject({ code: 4242, errorName: "UNKNOWN_SERVER_ERROR", retriable: false });
  });

  test("prefers the broker's message and prefixes the context", () => {
    expect(apiError(6, "Leader moved", 'Topic-partition "t-0"').message).toBe('Topic-partition "t-0": Leader moved');
    expect(apiError(6, null, 'Topic-partition "t-0"').message).toBe(`Topic-partition "t-0": ${errorInfo(6).message}`);
    expect(apiError(6, "").message).toBe(errorInfo(6).message);
    expect(apiError(29, "Denied").message).toBe("Denied");
  });

  test("default messages have no trailing period", () => {
    for (const name of Object.keys(ErrorCode)) {
      expect(errorInfo(ErrorCode[name as keyof typeof ErrorCode]).message.endsWith(".")).toBe(false);
    }
  });
});
