/**
 * Kafka's `LineMessageReader` over a byte stream: standard input is split
 * into lines exactly where Java's `BufferedReader.readLine` splits it (`\n`,
 * `\r\n`, or a lone `\r`; the terminator is dropped; a last line without a
 * terminator counts; nothing after a final terminator), and each line
 * becomes a record (headers, key, value, null marker) by the rules of
 * `LineMessageReader`.
 *
 * Lines are kept as bytes, never decoded: any byte sequence (NUL, invalid
 * UTF-8) reaches Kafka unchanged, where Java would replace invalid UTF-8 with
 * U+FFFD. Separators and the null marker are compared as UTF-8 bytes; header
 * keys are decoded (they are strings in Kafka). A line is a view of the
 * chunk it was read from when it fits in one (no copy).
 *
 * @module
 */

import type { ProducerRecord } from "../../mod.ts";

/**
 * Splits byte chunks into lines. Feed a chunk, take lines until `next()`
 * returns undefined, feed the next chunk; `end()` returns the unterminated
 * last line at end of input.
 *
 * @example Usage
 * ```ts
 * import { LineSplitter } from "./line_reader.ts";
 * const s = new LineSplitter();
 * const lines: string[] = [];
 * for (const chunk of ["a\r", "\nb\n\nc\rd"]) {
 *   s.feed(new TextEncoder().encode(chunk));
 *   for (let l = s.next(); l !== undefined; l = s.next()) lines.push(new TextDecoder().decode(l));
 * }
 * const last = s.end();
 * if (last !== undefined) lines.push(new TextDecoder().decode(last));
 * console.assert(lines.join("|") === "a|b||c|d");
 * ```
 */
export class LineSplitter {
  /** The chunk being split, and the position of the next line in it. */
  #chunk: Uint8Array = new Uint8Array(0);
  #pos = 0;
  /** Position of the next `\r` at or after `#pos` (-1: none; -2: not searched yet). */
  #cr = -2;
  /** Parts of a line that started in earlier chunks. */
  #carry: Uint8Array[] = [];
  #carryBytes = 0;
  /** The previous line ended with `\r`: a `\n` right after it belongs to it (readLine's skipLF). */
  #skipLF = false;

  /** Starts splitting `chunk` (the previous one must be used up). */
  feed(chunk: Uint8Array): void {
    if (this.#pos < this.#chunk.length) this.#keep(this.#chunk.subarray(this.#pos));
    this.#chunk = chunk;
    this.#pos = 0;
    this.#cr = -2;
    if (this.#skipLF && chunk.length > 0) {
      this.#skipLF = false;
      if (chunk[0] === 10) this.#pos = 1;
    }
  }

  /** The next complete line of the current chunk, or undefined when it has none left. */
  next(): Uint8Array | undefined {
    const chunk = this.#chunk;
    const start = this.#pos;
    if (start >= chunk.length) return undefined;
    const lf = chunk.indexOf(10, start);
    if (this.#cr === -2 || (this.#cr >= 0 && this.#cr < start)) this.#cr = chunk.indexOf(13, start);
    const cr = this.#cr;
    let end: number;
    let after: number;
    if (cr >= 0 && (lf < 0 || cr < lf)) {
      end = cr;
      if (cr + 1 < chunk.length) after = chunk[cr + 1] === 10 ? cr + 2 : cr + 1;
      else {
        after = cr + 1;
        this.#skipLF = true; // the `\n` may come with the next chunk
      }
    } else if (lf >= 0) {
      end = lf;
      after = lf + 1;
    } else {
      this.#keep(chunk.subarray(start));
      this.#pos = chunk.length;
      return undefined;
    }
    this.#pos = after;
    return this.#take(chunk.subarray(start, end));
  }

  /** The last line if the input did not end with a terminator. */
  end(): Uint8Array | undefined {
    if (this.#pos < this.#chunk.length) this.#keep(this.#chunk.subarray(this.#pos));
    this.#chunk = new Uint8Array(0);
    this.#pos = 0;
    if (this.#carry.length === 0) return undefined;
    return this.#take(new Uint8Array(0));
  }

  #keep(part: Uint8Array): void {
    this.#carry.push(part);
    this.#carryBytes += part.length;
  }

  #take(tail: Uint8Array): Uint8Array {
    if (this.#carry.length === 0) return tail;
    const line = new Uint8Array(this.#carryBytes + tail.length);
    let at = 0;
    for (const part of this.#carry) {
      line.set(part, at);
      at += part.length;
    }
    line.set(tail, at);
    this.#carry = [];
    this.#carryBytes = 0;
    return line;
  }
}

/**
 * `LineMessageReader`'s properties (`--property` / `--reader-property`).
 *
 * @example Usage
 * ```ts
 * import { lineReaderConfig, type LineReaderConfig } from "./line_reader.ts";
 * const c: LineReaderConfig = lineReaderConfig("t", {});
 * console.assert(c.keySeparator === "\t" && c.nullMarker === null);
 * ```
 */
export interface LineReaderConfig {
  topic: string;
  parseKey: boolean;
  keySeparator: string;
  parseHeaders: boolean;
  headersDelimiter: string;
  /** A Java regular expression (as `Pattern.split`). */
  headersSeparator: string;
  headersKeySeparator: string;
  ignoreError: boolean;
  nullMarker: string | null;
}

/**
 * A line could not be parsed (Java's `KafkaException` from the reader).
 *
 * @example Usage
 * ```ts
 * import { LineParseError } from "./line_reader.ts";
 * console.assert(new LineParseError("No key separator found").name === "LineParseError");
 * ```
 */
export class LineParseError extends Error {
  override name = "LineParseError";
}

/**
 * Reads `LineMessageReader`'s properties with its defaults and checks
 * (separators that may not be equal; `true` parsed case-insensitively after
 * trimming, anything else is false).
 *
 * @example Usage
 * ```ts
 * import { lineReaderConfig } from "./line_reader.ts";
 * const c = lineReaderConfig("t", { "parse.key": " TRUE ", "key.separator": ":" });
 * console.assert(c.parseKey && c.keySeparator === ":" && c.headersSeparator === ",");
 * ```
 */
export function lineReaderConfig(topic: string, props: Record<string, string>): LineReaderConfig {
  const flag = (name: string) => props[name]?.trim().toLowerCase() === "true";
  const c: LineReaderConfig = {
    topic,
    parseKey: flag("parse.key"),
    keySeparator: props["key.separator"] ?? "\t",
    parseHeaders: flag("parse.headers"),
    headersDelimiter: props["headers.delimiter"] ?? "\t",
    headersSeparator: props["headers.separator"] ?? ",",
    headersKeySeparator: props["headers.key.separator"] ?? ":",
    ignoreError: flag("ignore.error"),
    nullMarker: props["null.marker"] ?? null,
  };
  const differ = (a: string, b: string, names: string) => {
    if (a === b) throw new LineParseError(`${names} may not be equal`);
  };
  differ(c.headersDelimiter, c.headersSeparator, "headers.delimiter and headers.separator");
  differ(c.headersDelimiter, c.headersKeySeparator, "headers.delimiter and headers.key.separator");
  differ(c.headersSeparator, c.headersKeySeparator, "headers.separator and headers.key.separator");
  if (c.nullMarker !== null) {
    differ(c.keySeparator, c.nullMarker, "null.marker and key.separator");
    differ(c.headersSeparator, c.nullMarker, "null.marker and headers.separator");
    differ(c.headersDelimiter, c.nullMarker, "null.marker and headers.delimiter");
    differ(c.headersKeySeparator, c.nullMarker, "null.marker and headers.key.separator");
  }
  return c;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Characters that make `headers.separator` a real regular expression. */
const REGEX_SYNTAX = /[\\^$.|?*+()[\]{}]/;

/**
 * Turns lines into records as `LineMessageReader` does.
 *
 * @example Key, headers and the null marker
 * ```ts
 * import { LineRecordParser, lineReaderConfig } from "./line_reader.ts";
 * const p = new LineRecordParser(lineReaderConfig("t", { "parse.key": "true", "parse.headers": "true", "null.marker": "NULL" }));
 * const r = p.parse(new TextEncoder().encode("h1:v1,h2:NULL\tNULL\thello"));
 * console.assert(r.key === null && new TextDecoder().decode(r.value as Uint8Array) === "hello");
 * console.assert(r.headers!.length === 2 && (r.headers as [string, unknown][])[1]![1] === null);
 * ```
 */
export class LineRecordParser {
  readonly #c: LineReaderConfig;
  readonly #keySep: Uint8Array;
  readonly #headersDelim: Uint8Array;
  readonly #headerKeySep: Uint8Array;
  readonly #nullMarker: Uint8Array | null;
  /** Literal separator bytes, or null when `headers.separator` is a regex. */
  readonly #headerSepLiteral: Uint8Array | null;
  readonly #headerSepRegex: RegExp | null;
  /** Line number of the last parsed line (1-based, as Java counts). */
  lineNumber = 0;

  constructor(config: LineReaderConfig) {
    this.#c = config;
    this.#keySep = encoder.encode(config.keySeparator);
    this.#headersDelim = encoder.encode(config.headersDelimiter);
    this.#headerKeySep = encoder.encode(config.headersKeySeparator);
    this.#nullMarker = config.nullMarker === null ? null : encoder.encode(config.nullMarker);
    const isRegex = REGEX_SYNTAX.test(config.headersSeparator);
    this.#headerSepLiteral = isRegex ? null : encoder.encode(config.headersSeparator);
    this.#headerSepRegex = isRegex ? new RegExp(config.headersSeparator, "gu") : null;
  }

  /** The record for one line; throws a {@linkcode LineParseError} as Java's reader does. */
  parse(line: Uint8Array): ProducerRecord<Uint8Array, Uint8Array> {
    this.lineNumber++;
    const c = this.#c;
    const headers = c.parseHeaders ? this.#field(line, 0, this.#headersDelim, "headers delimiter") : null;
    const headerOffset = headers === null ? 0 : headers.length + this.#headersDelim.length;
    const key = c.parseKey ? this.#field(line, headerOffset, this.#keySep, "key separator") : null;
    const keyOffset = key === null ? 0 : key.length + this.#keySep.length;
    const value = line.subarray(headerOffset + keyOffset);
    const record: ProducerRecord<Uint8Array, Uint8Array> = {
      topic: c.topic,
      key: key !== null && !this.#isNull(key) ? key : null,
      value: this.#isNull(value) ? null : value,
    };
    if (headers !== null && !this.#isNull(headers)) record.headers = this.#splitHeaders(headers);
    return record;
  }

  #isNull(bytes: Uint8Array): boolean {
    return this.#nullMarker !== null && equalBytes(bytes, this.#nullMarker);
  }

  /** Java's `parse`: the text from `start` to the separator (null if absent and errors are ignored). */
  #field(line: Uint8Array, start: number, separator: Uint8Array, name: string): Uint8Array | null {
    const at = indexOfBytes(line, separator, start);
    if (at >= 0) return line.subarray(start, at);
    if (this.#c.ignoreError) return null;
    throw new LineParseError(`No ${name} found on line number ${this.lineNumber}: '${decoder.decode(line)}'`);
  }

  #splitHeaders(headers: Uint8Array): Array<[string, Uint8Array | null]> {
    const pairs = this.#headerSepLiteral !== null
      ? splitBytes(headers, this.#headerSepLiteral)
      : javaRegexSplit(decoder.decode(headers), this.#headerSepRegex!).map((s) => encoder.encode(s));
    return pairs.map((pair) => {
      const i = indexOfBytes(pair, this.#headerKeySep, 0);
      if (i < 0) {
        if (this.#c.ignoreError) return [decoder.decode(pair), null];
        throw new LineParseError(`No header key separator found in pair '${decoder.decode(pair)}' on line number ${this.lineNumber}`);
      }
      const key = pair.subarray(0, i);
      if (this.#isNull(key)) {
        throw new LineParseError(`Header keys should not be equal to the null marker '${this.#c.nullMarker}' as they can't be null`);
      }
      const value = pair.subarray(i + this.#headerKeySep.length);
      return [decoder.decode(key), this.#isNull(value) ? null : value];
    });
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** First index of `needle` in `haystack` at or after `from` (-1 if none). */
function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  if (needle.length === 0) return from <= haystack.length ? from : -1;
  const first = needle[0]!;
  for (let i = haystack.indexOf(first, from); i >= 0 && i + needle.length <= haystack.length; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** Java's `Pattern.split` for a literal separator: trailing empty parts dropped; no match gives the input. */
function splitBytes(bytes: Uint8Array, separator: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let at = indexOfBytes(bytes, separator, 0); at >= 0 && separator.length > 0; at = indexOfBytes(bytes, separator, start)) {
    parts.push(bytes.subarray(start, at));
    start = at + separator.length;
  }
  if (parts.length === 0) return [bytes];
  parts.push(bytes.subarray(start));
  while (parts.length > 0 && parts.at(-1)!.length === 0) parts.pop();
  return parts;
}

/** Java's `Pattern.split(input)` (limit 0) with a JavaScript regex. */
function javaRegexSplit(input: string, regex: RegExp): string[] {
  const parts: string[] = [];
  let start = 0;
  let matched = false;
  regex.lastIndex = 0;
  for (let m = regex.exec(input); m !== null; m = regex.exec(input)) {
    if (m[0].length === 0) {
      regex.lastIndex++;
      if (m.index === 0 || m.index >= input.length) continue; // no leading empty part from a zero-width match
    }
    matched = true;
    parts.push(input.slice(start, m.index));
    start = m.index + m[0].length;
  }
  if (!matched) return [input];
  parts.push(input.slice(start));
  while (parts.length > 0 && parts.at(-1) === "") parts.pop();
  return parts;
}
