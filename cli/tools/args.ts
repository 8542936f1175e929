/**
 * Command-line option parsing shared by the tools, with the conventions of
 * the Java parsers Kafka's tools use (jopt-simple for the console producer,
 * argparse4j for the perf tool):
 *
 * - long options only (`--topic x` or `--topic=x`), and `-h`;
 * - any unique prefix of an option's name is accepted (`--boot` for
 *   `--bootstrap-server`), an exact name always wins;
 * - a value that starts with `-` is taken only when it is a number
 *   (`--throughput -1`, `--request-required-acks -1`);
 * - option kinds: a flag, one value (the last one given wins), an optional
 *   value (`--compression-codec` alone), a repeatable value
 *   (`--producer-property a=1 --producer-property b=2`), or one-or-more
 *   values (`--producer-props a=1 b=2`, argparse's `nargs("+")`).
 *
 * Unlike jopt-simple, stray positional arguments are an error rather than
 * silently ignored.
 *
 * @module
 */

/**
 * How an option takes values.
 *
 * @example Usage
 * ```ts
 * import type { OptionKind } from "./args.ts";
 * const kind: OptionKind = "many"; // like argparse's nargs("+")
 * console.assert(kind === "many");
 * ```
 */
export type OptionKind = "flag" | "value" | "optional" | "repeat" | "many";

/**
 * One option of a tool.
 *
 * @example Usage
 * ```ts
 * import type { OptionSpec } from "./args.ts";
 * const spec: OptionSpec = { name: "batch-size", kind: "value", metavar: "Integer: size", help: "Batch size.", defaultText: "16384" };
 * console.assert(spec.kind === "value");
 * ```
 */
export interface OptionSpec {
  /** The long name, without dashes. */
  readonly name: string;
  readonly kind: OptionKind;
  /** What the value is, for the help text (e.g. "Integer: size"). */
  readonly metavar?: string;
  readonly help: string;
  /** The default, as the help text shows it. */
  readonly defaultText?: string;
  /** A one-letter alias (`h` for `-h`). */
  readonly short?: string;
}

/**
 * A bad command line: the tool prints the message (and its help) and exits 1.
 *
 * @example Usage
 * ```ts
 * import { UsageError } from "./args.ts";
 * const e = new UsageError("Missing required option --topic");
 * console.assert(e.name === "UsageError");
 * ```
 */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * The options given on a command line.
 *
 * @example Usage
 * ```ts
 * import { parseOptions } from "./args.ts";
 * const parsed = parseOptions(["--sync"], [{ name: "sync", kind: "flag", help: "" }]);
 * console.assert(parsed.has("sync") && parsed.value("sync") === undefined);
 * ```
 */
export interface ParsedOptions {
  /** Whether the option was given. */
  has(name: string): boolean;
  /** The option's last value (undefined if not given; "" for a bare optional value). */
  value(name: string): string | undefined;
  /** Every value given for the option, in order. */
  values(name: string): string[];
}

/** A token that would be read as an option rather than a value. */
function looksLikeOption(token: string): boolean {
  return token.length > 1 && token.startsWith("-") && !/^-\d/.test(token) && !/^-\.\d/.test(token);
}

function findSpec(specs: readonly OptionSpec[], token: string): OptionSpec {
  if (!token.startsWith("--")) {
    const short = specs.find((s) => s.short !== undefined && `-${s.short}` === token);
    if (short) return short;
    throw new UsageError(`${token} is not a recognized option`);
  }
  const name = token.slice(2);
  const exact = specs.find((s) => s.name === name);
  if (exact) return exact;
  const candidates = name.length === 0 ? [] : specs.filter((s) => s.name.startsWith(name));
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length > 1) {
    throw new UsageError(`Option ${token} is ambiguous: it could be ${candidates.map((s) => `--${s.name}`).join(", ")}`);
  }
  throw new UsageError(`${token} is not a recognized option`);
}

/**
 * Parses `args` against `specs`; throws a {@linkcode UsageError} on an
 * unknown, ambiguous or incomplete option.
 *
 * @example Usage
 * ```ts
 * import { parseOptions } from "./args.ts";
 * const parsed = parseOptions(["--top", "orders", "--producer-props", "acks=1", "linger.ms=5", "--sync"], [
 *   { name: "topic", kind: "value", help: "" },
 *   { name: "producer-props", kind: "many", help: "" },
 *   { name: "sync", kind: "flag", help: "" },
 * ]);
 * console.assert(parsed.value("topic") === "orders" && parsed.values("producer-props").length === 2 && parsed.has("sync"));
 * ```
 */
export function parseOptions(args: readonly string[], specs: readonly OptionSpec[]): ParsedOptions {
  const found = new Map<string, string[]>();
  const add = (spec: OptionSpec, values: string[]) => {
    const list = found.get(spec.name) ?? [];
    found.set(spec.name, spec.kind === "value" ? values : [...list, ...values]);
  };
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    if (!looksLikeOption(token)) {
      throw new UsageError(`Unexpected argument "${token}": every value must follow its option`);
    }
    const eq = token.startsWith("--") ? token.indexOf("=") : -1;
    const spec = findSpec(specs, eq < 0 ? token : token.slice(0, eq));
    const inline = eq < 0 ? undefined : token.slice(eq + 1);
    const next = args[i + 1];
    switch (spec.kind) {
      case "flag":
        if (inline !== undefined) throw new UsageError(`Option --${spec.name} does not take a value`);
        add(spec, []);
        break;
      case "value":
      case "repeat":
        if (inline !== undefined) add(spec, [inline]);
        else if (next !== undefined && !looksLikeOption(next)) add(spec, [args[++i]!]);
        else throw new UsageError(`Option --${spec.name} requires a value`);
        break;
      case "optional":
        if (inline !== undefined) add(spec, [inline]);
        else if (next !== undefined && !looksLikeOption(next)) add(spec, [args[++i]!]);
        else add(spec, [""]);
        break;
      case "many": {
        const values = inline === undefined ? [] : [inline];
        while (i + 1 < args.length && !looksLikeOption(args[i + 1]!)) values.push(args[++i]!);
        if (values.length === 0) throw new UsageError(`Option --${spec.name} requires at least one value`);
        add(spec, values);
        break;
      }
    }
  }
  return {
    has: (name) => found.has(name),
    value: (name) => found.get(name)?.at(-1),
    values: (name) => [...(found.get(name) ?? [])],
  };
}

/**
 * An integer option: Java's `Integer`/`Long` parsing (optional sign, digits
 * only), within `[min, max]`; undefined when not given.
 *
 * @example Usage
 * ```ts
 * import { integerValue, parseOptions } from "./args.ts";
 * const parsed = parseOptions(["--batch-size", "65536"], [{ name: "batch-size", kind: "value", help: "" }]);
 * console.assert(integerValue(parsed, "batch-size") === 65536);
 * ```
 */
export function integerValue(
  parsed: ParsedOptions,
  name: string,
  range: { min?: number; max?: number } = {},
): number | undefined {
  const text = parsed.value(name);
  if (text === undefined) return undefined;
  const { min = -Number.MAX_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
  const n = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`Invalid value "${text}" for --${name}: expected an integer`);
  if (n < min || n > max) throw new UsageError(`Invalid value "${text}" for --${name}: expected an integer in [${min}, ${max}]`);
  return n;
}

/**
 * A decimal option (Java's `Double.parseDouble` for ordinary numbers);
 * undefined when not given.
 *
 * @example Usage
 * ```ts
 * import { numberValue, parseOptions } from "./args.ts";
 * const parsed = parseOptions(["--throughput", "-1"], [{ name: "throughput", kind: "value", help: "" }]);
 * console.assert(numberValue(parsed, "throughput") === -1);
 * ```
 */
export function numberValue(parsed: ParsedOptions, name: string): number | undefined {
  const text = parsed.value(name);
  if (text === undefined) return undefined;
  const n = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?\s*$/.test(text) ? Number.parseFloat(text) : NaN;
  if (Number.isNaN(n)) throw new UsageError(`Invalid value "${text}" for --${name}: expected a number`);
  return n;
}

/**
 * The help text: one row per option (name, value, description wrapped to
 * 80 columns, default), as jopt-simple prints it.
 *
 * @example Usage
 * ```ts
 * import { formatHelp } from "./args.ts";
 * const text = formatHelp([{ name: "topic", kind: "value", metavar: "String: topic", help: "The topic." }]);
 * console.assert(text.includes("--topic <String: topic>"));
 * ```
 */
export function formatHelp(specs: readonly OptionSpec[]): string {
  const left = 41;
  const width = 80;
  const rows: string[] = [pad("Option", left) + "Description", pad("------", left) + "-----------"];
  for (const spec of [...specs].sort((a, b) => a.name.localeCompare(b.name))) {
    const names = (spec.short ? `-${spec.short}, ` : "") + `--${spec.name}`;
    const arg = spec.kind === "flag" ? "" : spec.kind === "optional" ? ` [${spec.metavar ?? "value"}]` : ` <${spec.metavar ?? "value"}>`;
    const more = spec.kind === "many" ? " ..." : "";
    const description = spec.help + (spec.defaultText === undefined ? "" : ` (default: ${spec.defaultText})`);
    const leftLines = wrap(names + arg + more, left - 1);
    const rightLines = description.split("\n").flatMap((p) => wrap(p, width - left));
    for (let i = 0; i < Math.max(leftLines.length, rightLines.length); i++) {
      const l = i === 0 ? leftLines[0]! : leftLines[i] === undefined ? "" : "  " + leftLines[i];
      rows.push((pad(l, left) + (rightLines[i] ?? "")).trimEnd());
    }
  }
  return rows.join("\n") + "\n";
}

function pad(text: string, width: number): string {
  return text.length >= width ? text + " " : text + " ".repeat(width - text.length);
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line.length === 0 ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
}
