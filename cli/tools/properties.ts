/**
 * Java's `.properties` format (`java.util.Properties.load`, what Kafka's
 * `Utils.loadProps` reads `--producer.config` with) and the `key=value`
 * arguments of the tools.
 *
 * One deliberate difference: Java reads a properties stream as ISO-8859-1;
 * here the file is decoded as UTF-8 when it is valid UTF-8 (what editors
 * write today), else as ISO-8859-1. ASCII files read the same either way.
 *
 * @module
 */

import { UsageError } from "./args.ts";

/**
 * Parses the text of a `.properties` file as Java does: `#`/`!` comments,
 * `key=value`, `key:value` or `key value` (whitespace around the separator
 * ignored), lines continued by a trailing odd backslash (leading whitespace
 * of the next line dropped), `\t \n \r \f` and `\u` + 4 hex digit escapes, any other
 * escaped character standing for itself. Later keys override earlier ones.
 *
 * @example Usage
 * ```ts
 * import { parseProperties } from "./properties.ts";
 * const props = parseProperties("# producer\nbootstrap.servers = a:9092,\\\n  b:9092\nlinger.ms:5\nacks all\n");
 * console.assert(props["bootstrap.servers"] === "a:9092,b:9092" && props["linger.ms"] === "5" && props.acks === "all");
 * ```
 */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = trimStart(lines[i]!);
    if (line.length === 0 || line[0] === "#" || line[0] === "!") continue;
    // Join continuation lines: an odd number of trailing backslashes.
    while (endsWithOddBackslashes(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + trimStart(lines[++i]!);
    }
    if (endsWithOddBackslashes(line)) line = line.slice(0, -1);
    let k = 0;
    while (k < line.length) {
      const c = line[k]!;
      if (c === "\\") k += 2;
      else if (c === "=" || c === ":" || isSpace(c)) break;
      else k++;
    }
    const key = line.slice(0, Math.min(k, line.length));
    let v = k;
    while (v < line.length && isSpace(line[v]!)) v++;
    if (v < line.length && (line[v] === "=" || line[v] === ":")) v++;
    while (v < line.length && isSpace(line[v]!)) v++;
    out[unescape(key)] = unescape(line.slice(v));
  }
  return out;
}

/**
 * Decodes a properties file's bytes (UTF-8 if valid, else ISO-8859-1) and
 * parses it with {@linkcode parseProperties}.
 *
 * @example Usage
 * ```ts
 * import { decodeProperties } from "./properties.ts";
 * console.assert(decodeProperties(new TextEncoder().encode("acks=1\n")).acks === "1");
 * ```
 */
export function decodeProperties(bytes: Uint8Array): Record<string, string> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder("latin1").decode(bytes);
  }
  return parseProperties(text);
}

/**
 * Kafka's `CommandLineUtils.parseKeyValueArgs` (console producer
 * `--producer-property`, `--property`): split at the first `=`; a missing
 * value is "".
 *
 * @example Usage
 * ```ts
 * import { parseKeyValueArgs } from "./properties.ts";
 * const props = parseKeyValueArgs(["parse.key=true", "key.separator==", "null.marker"]);
 * console.assert(props["key.separator"] === "=" && props["null.marker"] === "");
 * ```
 */
export function parseKeyValueArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq < 0) out[arg] = "";
    else out[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return out;
}

/**
 * `ProducerPerformance.readProps` for `--producer-props`: Java's
 * `prop.split("=")` must give exactly two parts (so `a=` and `a=b=c` are
 * rejected with "Invalid property: …", the value of a secret key shown as
 * `[hidden]`; pass a JAAS text in `--command-config`'s file, as in Java).
 *
 * @example Usage
 * ```ts
 * import { parsePerfProps } from "./properties.ts";
 * console.assert(parsePerfProps(["acks=all", "linger.ms=5"])["linger.ms"] === "5");
 * try { parsePerfProps(["a=b=c"]); } catch (e) { console.assert((e as Error).message === "Invalid property: a=b=c"); }
 * ```
 */
export function parsePerfProps(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const pieces = javaSplit(arg, "=");
    // Unlike Java, a secret is not echoed (a JAAS text, with its password, always has "=" in it).
    if (pieces.length !== 2) throw new UsageError(`Invalid property: ${withoutSecret(arg)}`);
    out[pieces[0]!] = pieces[1]!;
  }
  return out;
}

/** Keys whose values are secrets: passwords, client secrets, JAAS texts, private keys, tokens. */
const SECRET_KEY = /password|secret|jaas|token|\.key$/i;

/** `key=value` as it may be shown: the value of a secret key is `[hidden]`. */
function withoutSecret(arg: string): string {
  const eq = arg.indexOf("=");
  return eq > 0 && SECRET_KEY.test(arg.slice(0, eq)) ? `${arg.slice(0, eq)}=[hidden]` : arg;
}

/** Java's `String.split` with a literal separator: trailing empty strings are removed. */
function javaSplit(text: string, separator: string): string[] {
  const parts = text.split(separator);
  while (parts.length > 1 && parts.at(-1) === "") parts.pop();
  if (parts.length === 1 && parts[0] === "" && text.length > 0) return [];
  return parts;
}

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\f";
}

function trimStart(line: string): string {
  let i = 0;
  while (i < line.length && isSpace(line[i]!)) i++;
  return line.slice(i);
}

function endsWithOddBackslashes(line: string): boolean {
  let n = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === "\\"; i--) n++;
  return n % 2 === 1;
}

function unescape(text: string): string {
  if (!text.includes("\\")) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== "\\" || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const e = text[++i]!;
    if (e === "u") {
      const hex = text.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new UsageError(`Malformed \\u escape in properties (4 hex digits expected): "\\u${hex}"`);
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 4;
    } else {
      out += e === "t" ? "\t" : e === "n" ? "\n" : e === "r" ? "\r" : e === "f" ? "\f" : e;
    }
  }
  return out;
}
