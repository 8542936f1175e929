/**
 * `edgekafka-console-producer` (cli/console_producer.ts, cli/tools/):
 *
 * - without a broker: the line splitter (Java's readLine terminators, chunk
 *   boundaries anywhere), LineMessageReader's rules, the properties format,
 *   the console producer's option → property mapping and defaults, the `>`
 *   prompt (in-memory CliIo);
 * - against the real broker, spawned as a process on Bun, Deno and Node
 *   (dist/), stdin piped: keys, headers, null markers, binary bytes, CRLF
 *   lines, read back byte-exact by kcat, in order; the same input through
 *   Kafka's own ConsoleProducer gives the same records; bad options, parse
 *   errors, failed sends (exit 1 unless ignore.error), `--sync`; the prompt
 *   on a real terminal (`script`); 1 GB of input with a 4 MiB buffer (peak
 *   RSS far below the input size).
 */

import { beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { autoConnect } from "../../runtime/auto.ts";
import { consoleConfig } from "../../cli/tools/console_options.ts";
import { runConsoleProducer } from "../../cli/tools/console_producer.ts";
import type { CliIo } from "../../cli/tools/io.ts";
import { LineParseError, LineRecordParser, lineReaderConfig, LineSplitter } from "../../cli/tools/line_reader.ts";
import { parseKeyValueArgs, parseProperties } from "../../cli/tools/properties.ts";
import { cluster, createTopic, kcatRead, type KcatRecord, ROOT, text, uniqueTopic } from "../helpers/kafka.ts";

type Runtime = "bun" | "deno" | "node";
const RUNTIMES: Runtime[] = ["bun", "deno", "node"];
const DENO = join(ROOT, "node_modules/.bin/deno");
const BUILD = join(ROOT, "scripts/build.mjs");
const KAFKA_SH = join(ROOT, "tests/kafka/kafka.sh");
const ENV = { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };
const enc = new TextEncoder();
const dec = new TextDecoder();

/** The command line of a tool on a runtime (Node runs the tsc build). */
function toolCommand(runtime: Runtime, tool: "console_producer" | "producer_perf"): string[] {
  if (runtime === "bun") return [process.execPath, join(ROOT, "cli", `${tool}.ts`)];
  if (runtime === "deno") return [DENO, "run", "--no-lock", "--allow-net", "--allow-read", join(ROOT, "cli", `${tool}.ts`)];
  return ["node", join(ROOT, "dist", "cli", `${tool}.js`)];
}

interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runTool(runtime: Runtime, args: string[], input: string | Uint8Array = "", timeoutMs = 120_000): ToolResult {
  const [cmd, ...pre] = toolCommand(runtime, "console_producer");
  const r = spawnSync(cmd!, [...pre, ...args], { input, env: ENV, timeout: timeoutMs, maxBuffer: 1 << 26 });
  return { code: r.status, stdout: r.stdout?.toString() ?? "", stderr: r.stderr?.toString() ?? "" };
}

/** Rebuilds dist/ with scripts/build.mjs (tsc) when a source is newer than the built tools. */
function ensureDist(): void {
  const outputs = ["dist/cli/console_producer.js", "dist/cli/producer_perf.js", "dist/cli/tools/console_producer.js"].map((f) => join(ROOT, f));
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith(".ts") ? statSync(p).mtimeMs : 0);
    }, 0);
  const stale = () => {
    const built = Math.min(...outputs.map((o) => (existsSync(o) ? statSync(o).mtimeMs : 0)));
    return built < Math.max(newest(join(ROOT, "src")), newest(join(ROOT, "runtime")), newest(join(ROOT, "cli")));
  };
  if (!stale()) return;
  const r = spawnSync("node", [BUILD], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
  // tsc emits despite type errors elsewhere in the project; only missing outputs are fatal.
  if (outputs.some((o) => !existsSync(o))) throw new Error(`tsc -p tsconfig.build.json did not build the tools:\n${r.stdout}`);
}

/** An in-memory CliIo over `input` chunks. */
function memoryIo(args: string[], chunks: Uint8Array[] = [], tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const files = new Map<string, Uint8Array>();
  const io: CliIo = {
    args,
    async *stdin() {
      for (const c of chunks) yield c;
    },
    stdinIsTTY: tty,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    readFile: async (path) => {
      const f = files.get(path);
      if (f === undefined) throw new Error(`no such file "${path}"`);
      return f;
    },
    absolutePath: (p) => `/work/${p}`,
    yieldToEventLoop: () => new Promise((r) => setImmediate(r)),
    onInterrupt: () => () => {},
    flush: async () => {},
  };
  return { io, out, err, files };
}

function splitAll(chunks: Uint8Array[]): string[] {
  const s = new LineSplitter();
  const lines: string[] = [];
  for (const c of chunks) {
    s.feed(c);
    for (let l = s.next(); l !== undefined; l = s.next()) lines.push(dec.decode(l));
  }
  const last = s.end();
  if (last !== undefined) lines.push(dec.decode(last));
  return lines;
}

describe("line splitter (BufferedReader.readLine terminators)", () => {
  const cases: Array<[string, string[]]> = [
    ["", []],
    ["a", ["a"]],
    ["a\n", ["a"]],
    ["a\n\n", ["a", ""]],
    ["\n", [""]],
    ["a\r\nb\rc\n\r\nd", ["a", "b", "c", "", "d"]],
    ["a\r\r\nb", ["a", "", "b"]],
    ["x\ty\tz\r\n", ["x\ty\tz"]],
  ];
  test("whole input", () => {
    for (const [input, lines] of cases) expect(splitAll([enc.encode(input)])).toEqual(lines);
  });
  test("every split into two and into single bytes gives the same lines", () => {
    for (const [input, lines] of cases) {
      const bytes = enc.encode(input);
      for (let i = 0; i <= bytes.length; i++) expect(splitAll([bytes.subarray(0, i), bytes.subarray(i)])).toEqual(lines);
      expect(splitAll([...bytes].map((b) => Uint8Array.of(b)))).toEqual(lines);
    }
  });
  test("bytes pass through untouched, lines within a chunk are views", () => {
    const chunk = Uint8Array.of(0, 0xff, 0xfe, 10, 0xc3, 0x28, 10);
    const s = new LineSplitter();
    s.feed(chunk);
    const first = s.next()!;
    expect([...first]).toEqual([0, 0xff, 0xfe]);
    expect(first.buffer).toBe(chunk.buffer);
    expect([...s.next()!]).toEqual([0xc3, 0x28]);
    expect(s.next()).toBeUndefined();
  });
});

describe("LineMessageReader rules", () => {
  const parse = (props: Record<string, string>, line: string) => new LineRecordParser(lineReaderConfig("t", props)).parse(enc.encode(line));
  const all = { "parse.key": "true", "parse.headers": "true", "null.marker": "NULL" };
  test("headers, key, value and the null marker", () => {
    const r = parse(all, "h1:v1,h2:NULL,h3:\tNULL\tNULL");
    expect(r.key).toBeNull();
    expect(r.value).toBeNull();
    expect((r.headers as Array<[string, Uint8Array | null]>).map(([k, v]) => [k, v && dec.decode(v)])).toEqual([["h1", "v1"], ["h2", null], ["h3", ""]]);
    expect(parse(all, "NULL\tk\tv").headers).toBeUndefined();
    expect(dec.decode(parse({ "parse.key": "true", "key.separator": "::" }, "a::b::c").value as Uint8Array)).toBe("b::c");
  });
  test("header separators: literal, trailing empty pairs dropped, regex", () => {
    const h = (props: Record<string, string>, line: string) =>
      (parse({ "parse.headers": "true", ...props }, line).headers as Array<[string, unknown]>).map(([k]) => k);
    expect(h({}, "a:1,b:2,,\tv")).toEqual(["a", "b"]);
    expect(h({ "headers.separator": "[|;]" }, "a:1|b:2;c:3\tv")).toEqual(["a", "b", "c"]);
  });
  test("errors as Java words them, and ignore.error", () => {
    expect(() => parse({ "parse.key": "true" }, "novalue")).toThrow(new LineParseError("No key separator found on line number 1: 'novalue'"));
    expect(() => parse({ "parse.headers": "true" }, "a\tv")).toThrow("No header key separator found in pair 'a' on line number 1");
    expect(() => parse(all, "NULL:x\tk\tv")).toThrow("Header keys should not be equal to the null marker 'NULL' as they can't be null");
    const r = parse({ "parse.key": "true", "parse.headers": "true", "ignore.error": "true" }, "a\tv");
    expect(r.key).toBeNull();
    expect(dec.decode(r.value as Uint8Array)).toBe("v");
    expect((r.headers as Array<[string, unknown]>)[0]).toEqual(["a", null]);
    expect(() => lineReaderConfig("t", { "null.marker": "\t" })).toThrow("null.marker and key.separator may not be equal");
    expect(() => lineReaderConfig("t", { "headers.separator": ":" })).toThrow("headers.separator and headers.key.separator may not be equal");
  });
});

describe("options and properties", () => {
  test("Java properties format", () => {
    const p = parseProperties("# c\n! c\n  a = 1\nb:2\nc 3\nd=x\\\n   y\ne=\\u0041\\t\\=\nf\n");
    expect(p).toEqual({ a: "1", b: "2", c: "3", d: "xy", e: "A\t=", f: "" });
    expect(parseKeyValueArgs(["a=b=c", "d"])).toEqual({ a: "b=c", d: "" });
  });
  test("console producer defaults and precedence (maybeMergeOptions)", async () => {
    const m = memoryIo(["--bootstrap-server", "h:1", "--topic", "t", "--producer.config", "p.properties", "--producer-property", "linger.ms=7",
      "--request-required-acks", "1", "--compression-codec"]);
    m.files.set("p.properties", enc.encode("batch.size=999\nclient.id=mine\nlinger.ms=3\nacks=all\n"));
    const c = await consoleConfig(m.io);
    if (typeof c === "string") throw new Error(c);
    expect(c.producerProps).toMatchObject({
      "bootstrap.servers": "h:1", "compression.type": "gzip", "client.id": "mine", "batch.size": "999", "linger.ms": "7", acks: "1",
      "request.timeout.ms": "1500", retries: "3", "buffer.memory": "33554432", "max.block.ms": "60000", "retry.backoff.ms": "100",
      "metadata.max.age.ms": "300000", "send.buffer.bytes": "102400",
    });
    expect(c.notices).toEqual([
      "Warning: --producer-property is deprecated and will be removed in a future version. Use --command-property instead.",
      "Warning: --producer.config is deprecated and will be removed in a future version. Use --command-config instead.",
    ]);
    const d = await consoleConfig(memoryIo(["--bootstrap-server", "h:1", "--topic", "t"]).io);
    if (typeof d === "string") throw new Error(d);
    expect(d.producerProps).toMatchObject({ "linger.ms": "1000", acks: "-1", "batch.size": "16384", "client.id": "console-producer", "compression.type": "none" });
  });
  test("bad command lines", async () => {
    const bad = async (args: string[]) => {
      const m = memoryIo(args);
      expect(await runConsoleProducer({ io: m.io })).toBe(1);
      return m.err.join("");
    };
    expect(await bad(["--bootstrap-server", "h:1"])).toContain(`Missing required argument "[topic]"`);
    expect(await bad(["--topic", "t"])).toContain("Error while validating the bootstrap address");
    expect(await bad(["--topic", "t", "--bootstrap-server", "nohost"])).toContain("Please provide valid host:port");
    expect(await bad(["--topic", "t", "--bootstrap-server", "h:1", "--batch-size", "big"])).toContain("Cannot parse argument 'big' of option batch-size");
    expect(await bad(["--topic", "t", "--bootstrap-server", "h:1", "--nope"])).toContain("--nope is not a recognized option");
    expect(await bad(["--topic", "t", "--bootstrap-server", "h:1", "--compression-codec", "brotli"])).toContain(`Invalid value "brotli" for "compression.type"`);
  });
  test("the > prompt is printed before each read on a terminal only", async () => {
    for (const tty of [true, false]) {
      const m = memoryIo(["--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--max-block-ms", "200", "--reader-property", "ignore.error=true"],
        [enc.encode("a\nb\n")], tty);
      await runConsoleProducer({ io: m.io, producerOptions: { connect: autoConnect } });
      expect(m.out.join("")).toBe(tty ? ">>>" : "");
    }
  });
});

describe.each(RUNTIMES)("console producer on %s against the broker", (runtime) => {
  let bootstrap = "";
  beforeAll(() => {
    bootstrap = cluster();
    if (runtime === "node") ensureDist();
  }, 300_000);

  const base = () => ["--bootstrap-server", bootstrap];
  const LINES = [
    "h1:v1,h2:v2\tkey-1\tvalue-1",
    "h1:NULL\tNULL\tvalue with a null key",
    "NULL\tkey-3\tNULL",
    "x:1\tkey-4\t",
    "lang:ru\tключ\tзначение ✓",
    "e:\t\t",
    "crlf:yes\tkey-8\tvalue-8",
  ];
  const expected: Array<{ key: string | null; value: string | null; headers: Array<[string, string | null]> }> = [
    { key: "key-1", value: "value-1", headers: [["h1", "v1"], ["h2", "v2"]] },
    { key: null, value: "value with a null key", headers: [["h1", null]] },
    { key: "key-3", value: null, headers: [] },
    { key: "key-4", value: "", headers: [["x", "1"]] },
    { key: "ключ", value: "значение ✓", headers: [["lang", "ru"]] },
    { key: "", value: "", headers: [["e", ""]] },
    { key: "key-8", value: "value-8", headers: [["crlf", "yes"]] },
  ];
  const show = (r: KcatRecord) => ({ key: text(r.key), value: text(r.value), headers: r.headers });
  const readerProps = ["--property", "parse.key=true", "--property", "parse.headers=true", "--property", "null.marker=NULL"];

  test("keys, headers, null markers, CRLF and binary bytes arrive exactly, in order", () => {
    const topic = createTopic(uniqueTopic(`cli-console-${runtime}`), 1);
    const binary = Uint8Array.of(...enc.encode("bin:1\tk"), 0, ...enc.encode("z\tv"), 0, 0xff, 0xfe, 0x0d, 0x0a);
    const input = Buffer.concat([enc.encode(LINES.slice(0, -1).join("\n") + "\n" + LINES.at(-1) + "\r\n"), binary]);
    const r = runTool(runtime, [...base(), "--topic", topic, ...readerProps], input);
    expect(r.stderr).toContain(`${LINES.length + 1} records sent, ${LINES.length + 1} acknowledged, 0 failed`);
    expect(r.code).toBe(0);
    const records = kcatRead(bootstrap, topic);
    expect(records.slice(0, LINES.length).map(show)).toEqual(expected);
    const last = records[LINES.length]!;
    expect([...last.key!]).toEqual([0x6b, 0, 0x7a]);
    expect([...last.value!]).toEqual([0x76, 0, 0xff, 0xfe]);
    expect(records.length).toBe(LINES.length + 1);
  }, 120_000);

  if (runtime === "bun") {
    test("same records as Kafka's own ConsoleProducer for the same input", () => {
      const ours = createTopic(uniqueTopic("cli-console-ours"), 1);
      const theirs = createTopic(uniqueTopic("cli-console-java"), 1);
      const input = LINES.join("\n") + "\nlast:1\tno-terminator\tvalue";
      const props = [...readerProps, "--property", "ignore.error=true"];
      expect(runTool("bun", [...base(), "--topic", ours, ...props], input).code).toBe(0);
      const java = spawnSync("bash", [KAFKA_SH, "java", "org.apache.kafka.tools.ConsoleProducer", ...base(), "--topic", theirs, ...props], {
        input, encoding: "utf8", timeout: 120_000,
      });
      expect(java.status).toBe(0);
      expect(kcatRead(bootstrap, ours).map(show)).toEqual(kcatRead(bootstrap, theirs).map(show));
    }, 120_000);

    test("a prompt on a real terminal, none when piped", () => {
      const topic = createTopic(uniqueTopic("cli-console-tty"), 1);
      const cmd = [...toolCommand("bun", "console_producer"), ...base(), "--topic", topic].map((a) => `'${a}'`).join(" ");
      const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { input: "one\ntwo\n\x04", encoding: "utf8", timeout: 60_000 });
      expect(r.stdout).toContain(">>>");
      expect(runTool("bun", [...base(), "--topic", topic], "three\n").stdout).toBe("");
      expect(kcatRead(bootstrap, topic).map((x) => text(x.value))).toEqual(["one", "two", "three"]);
    }, 120_000);

    test("1 GB of input through a 4 MiB buffer: peak memory stays far below the input", () => {
      const topic = createTopic(uniqueTopic("cli-console-big"), 3);
      const lines = 5_000_000; // 200 bytes each, generated by `yes`, never on disk
      const tool = [...toolCommand("bun", "console_producer"), ...base(), "--topic", topic, "--max-memory-bytes", "4194304",
        "--batch-size", "65536", "--timeout", "5"].map((a) => `'${a}'`).join(" ");
      const script = `yes '${"x".repeat(199)}' | head -n ${lines} | /usr/bin/time -f 'maxrss=%M' ${tool}`;
      const r = spawnSync("bash", ["-c", script], { encoding: "utf8", env: ENV, timeout: 600_000 });
      expect(r.status).toBe(0);
      expect(r.stderr).toContain(`${lines} records sent, ${lines} acknowledged, 0 failed`);
      const rssMiB = Number(/maxrss=(\d+)/.exec(r.stderr)![1]) / 1024;
      console.log(`console producer on bun, 1 GB of input, 4 MiB buffer: peak RSS ${rssMiB.toFixed(0)} MiB; ${r.stderr.trim().split("\n")[0]}`);
      expect(rssMiB).toBeLessThan(400); // the input is 954 MiB
      const offsets = spawnSync("kcat", ["-b", bootstrap, "-Q", ...[0, 1, 2].flatMap((p) => ["-t", `${topic}:${p}:-1`])], { encoding: "utf8" });
      const total = [...offsets.stdout.matchAll(/offset (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      expect(total).toBe(lines);
    }, 600_000);
  }

  test("--sync sends one at a time, in order", () => {
    const topic = createTopic(uniqueTopic(`cli-console-sync-${runtime}`), 1);
    const input = Array.from({ length: 20 }, (_, i) => `k${i}\tv${i}`).join("\n") + "\n";
    // --timeout (linger.ms) 1000 by default: as in Java, each --sync send would wait for it.
    const r = runTool(runtime, [...base(), "--topic", topic, "--sync", "--timeout", "5", "--property", "parse.key=true"], input);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("20 records sent, 20 acknowledged, 0 failed");
    expect(kcatRead(bootstrap, topic).map((x) => `${text(x.key)}=${text(x.value)}`)).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}=v${i}`));
  }, 120_000);

  test("bad options exit 1 with a message", () => {
    const r = runTool(runtime, [...base(), "--topic", "t", "--no-such-option"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--no-such-option is not a recognized option");
    const s = runTool(runtime, [...base(), "--topic", "t", "--producer-property", "linger.ms=soon"]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain("linger.ms");
  }, 60_000);

  test("a line that cannot be parsed stops with exit 1 (earlier lines delivered); ignore.error goes on", () => {
    const topic = createTopic(uniqueTopic(`cli-console-parse-${runtime}`), 1);
    const r = runTool(runtime, [...base(), "--topic", topic, "--property", "parse.key=true"], "k1\tv1\nbroken\nk3\tv3\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("No key separator found on line number 2: 'broken'");
    expect(kcatRead(bootstrap, topic).map((x) => text(x.value))).toEqual(["v1"]);
    const ok = runTool(runtime, [...base(), "--topic", topic, "--property", "parse.key=true", "--property", "ignore.error=true"], "broken\nk3\tv3\n");
    expect(ok.code).toBe(0);
    expect(kcatRead(bootstrap, topic).map((x) => `${text(x.key)}=${text(x.value)}`)).toEqual(["k1=v1", "null=broken", "k3=v3"]);
  }, 120_000);

  test("failed sends exit 1 (async and --sync) unless ignore.error", () => {
    const missing = uniqueTopic("cli-console-missing"); // auto-creation is off on the test broker
    const args = [...base(), "--topic", missing, "--max-block-ms", "1000"];
    const r = runTool(runtime, args, "a\nb\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Error when sending message to topic ${missing} with key: null, value: 1 bytes with error:`);
    expect(r.stderr).toContain("2 records sent, 0 acknowledged, 2 failed");
    const s = runTool(runtime, [...args, "--sync"], "a\nb\n");
    expect(s.code).toBe(1);
    expect(s.stderr).toContain("1 records sent, 0 acknowledged, 1 failed");
    expect(runTool(runtime, [...args, "--property", "ignore.error=true"], "a\n").code).toBe(0);
  }, 120_000);
});
