/**
 * `sasl.jaas.config` read as Java reads it (`JaasConfig`, a
 * `StreamTokenizer` over one login module entry): `LoginModuleClass flag
 * key=value … ;`, where the flag is required, requisite, sufficient or
 * optional, and a value is a "quoted string" (backslash escapes `\"`, `\\`,
 * `\n`, `\t`, `\r`) or a bare word; line comments and block comments
 * are skipped, as Java's tokenizer does. Exactly one entry. Messages name positions and option names,
 * never a value (they hold passwords).
 *
 * @module
 */

import { Invalid } from "./config_parsers.ts";

/** The login modules edgekafka understands, by what they end with. */
export const LOGIN_MODULES = {
  PLAIN: "org.apache.kafka.common.security.plain.PlainLoginModule",
  SCRAM: "org.apache.kafka.common.security.scram.ScramLoginModule",
  OAUTHBEARER: "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule",
} as const;

/**
 * One parsed `sasl.jaas.config` entry.
 *
 * @example Usage
 * ```ts
 * import type { JaasEntry } from "./config_jaas.ts";
 * const e: JaasEntry = { loginModule: "org.apache.kafka.common.security.plain.PlainLoginModule", flag: "required", options: new Map() };
 * console.assert(e.flag === "required");
 * ```
 */
export interface JaasEntry {
  /** The login module's class name. */
  readonly loginModule: string;
  /** required | requisite | sufficient | optional. */
  readonly flag: string;
  /** The options, in order (a repeated name keeps the last value, as Java's map). */
  readonly options: ReadonlyMap<string, string>;
}

type Token = { kind: "word" | "quoted" | "char"; text: string; at: number };

/** A character of a bare word: anything but white space, a double quote, "=" and ";". */
const WORD = /[^\s\x22;=]/;

function* tokens(text: string): Generator<Token> {
  let i = 0;
  const fail = (what: string): never => {
    throw new Invalid(`Invalid value for "sasl.jaas.config": ${what} at position ${i + 1}`, true);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith("//", i)) {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) fail("an unterminated comment");
      i = end + 2;
    } else if (c === '"') {
      const at = i++;
      let value = "";
      for (;;) {
        if (i >= text.length) fail("an unterminated quoted value");
        const d = text[i++]!;
        if (d === '"') break;
        if (d !== "\\") {
          value += d;
          continue;
        }
        if (i >= text.length) fail("an unterminated quoted value");
        const e = text[i++]!;
        value += e === "n" ? "\n" : e === "t" ? "\t" : e === "r" ? "\r" : e;
      }
      yield { kind: "quoted", text: value, at };
    } else if (WORD.test(c)) {
      const at = i;
      while (i < text.length && WORD.test(text[i]!) && !text.startsWith("//", i) && !text.startsWith("/*", i)) i++;
      yield { kind: "word", text: text.slice(at, i), at };
    } else {
      yield { kind: "char", text: c, at: i++ };
    }
  }
}

/**
 * Parses a `sasl.jaas.config` value; throws an `Invalid` (a `ConfigError`
 * through the key's parser) that never quotes the text.
 *
 * @example Usage
 * ```ts
 * import { parseJaas } from "./config_jaas.ts";
 * const e = parseJaas('org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="a\\"b";');
 * console.assert(e.options.get("username") === "alice" && e.options.get("password") === 'a"b');
 * ```
 */
export function parseJaas(text: string): JaasEntry {
  const fail = (what: string, at: number): never => {
    throw new Invalid(`Invalid value for "sasl.jaas.config": ${what} at position ${at + 1}`, true);
  };
  const list = [...tokens(text)];
  let i = 0;
  const next = () => list[i++];
  const module = next();
  if (module === undefined) throw new Invalid(`Invalid value for "sasl.jaas.config": it is empty; expected 'LoginModule required key="value" …;'`, true);
  if (module.kind !== "word") fail("expected a login module class name", module.at);
  const flag = next();
  if (flag === undefined || flag.kind !== "word" || !["required", "requisite", "sufficient", "optional"].includes(flag.text.toLowerCase())) {
    fail(`expected a control flag (required, requisite, sufficient or optional) after "${module!.text}"`, flag?.at ?? text.length);
  }
  const options = new Map<string, string>();
  for (;;) {
    const t = next();
    if (t === undefined) fail(`expected ";" at the end of the login module entry`, text.length);
    if (t!.kind === "char" && t!.text === ";") break;
    if (t!.kind !== "word") fail("expected an option name", t!.at);
    const eq = next();
    if (eq === undefined || eq.kind !== "char" || eq.text !== "=") fail(`expected "=" after option "${t!.text}"`, eq?.at ?? text.length);
    const value = next();
    if (value === undefined || value.kind === "char") fail(`expected a value for option "${t!.text}"`, value?.at ?? text.length);
    options.set(t!.text, value!.text);
  }
  const rest = next();
  if (rest !== undefined) fail("expected one login module entry only (edgekafka, as Java's sasl.jaas.config, takes one)", rest.at);
  return { loginModule: module.text, flag: flag!.text.toLowerCase(), options };
}

/**
 * Whether a login module class is `expected` (or a shaded copy of it, such
 * as `kafkashaded.org.apache.kafka…`).
 *
 * @example Usage
 * ```ts
 * import { isLoginModule, LOGIN_MODULES } from "./config_jaas.ts";
 * console.assert(isLoginModule("kafkashaded.org.apache.kafka.common.security.plain.PlainLoginModule", LOGIN_MODULES.PLAIN));
 * ```
 */
export function isLoginModule(loginModule: string, expected: string): boolean {
  return loginModule === expected || loginModule.endsWith(`.${expected}`);
}
