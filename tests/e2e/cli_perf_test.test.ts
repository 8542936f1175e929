/**
 * `edgekafka-producer-perf-test` (cli/producer_perf.ts, cli/tools/):
 *
 * - against Java itself (a small program run with the broker's JDK): number
 *   formatting (`%.1f`, `%.2f`, `%f`), `SplittableRandom(0)` letters and
 *   `nextInt(bound)`, `Scanner` payload-file tokens;
 * - without a broker: the throttler's arithmetic, the report lines of the
 *   stats with a fake clock, option errors;
 * - against the real broker, spawned on Bun, Deno and Node (dist/): the
 *   output lines match Java's format exactly (and Java's own
 *   ProducerPerformance output matches the same regexes), every record
 *   arrives, the payloads are byte-identical to Java's (random letters and
 *   payload file), `--throughput 2000` holds within 10 %, transactions,
 *   `--print-metrics`, `--warmup-records`, bad options.
 */

import { beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIo } from "../../cli/tools/io.ts";
import { javaFixed } from "../../cli/tools/java_format.ts";
import { scannerTokens } from "../../cli/tools/perf_options.ts";
import { PerfStats } from "../../cli/tools/perf_stats.ts";
import { runPerfTest } from "../../cli/tools/producer_perf.ts";
import { JavaSplittableRandom, PayloadGenerator } from "../../cli/tools/random.ts";
import { ThroughputThrottler } from "../../cli/tools/throttler.ts";
import { cluster, createTopic, kafkaSh, kcatRead, ROOT, text, uniqueTopic } from "../helpers/kafka.ts";

type Runtime = "bun" | "deno" | "node";
const RUNTIMES: Runtime[] = ["bun", "deno", "node"];
const DENO = join(ROOT, "node_modules/.bin/deno");
const TSC = join(ROOT, "node_modules/.bin/tsc");
const ENV = { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };

/** Java's final line: `%d%s records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %d ms 50th, …`. */
const FINAL = /^(\d+)( steady state)? records sent, (\d+\.\d{6}|Infinity) records\/sec \((\d+\.\d{2}|Infinity) MB\/sec\), (\d+\.\d{2}) ms avg latency, (\d+\.\d{2}) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/;
/** Java's window line: `%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.`. */
const WINDOW = /^(\d+) records sent, (\d+\.\d) records\/sec \((\d+\.\d{2}) MB\/sec\), (\d+\.\d) ms avg latency, (\d+\.\d) ms max latency\.$/;

function toolCommand(runtime: Runtime): string[] {
  if (runtime === "bun") return [process.execPath, join(ROOT, "cli", "producer_perf.ts")];
  if (runtime === "deno") return [DENO, "run", "--no-lock", "--allow-net", "--allow-read", join(ROOT, "cli", "producer_perf.ts")];
  return ["node", join(ROOT, "dist", "cli", "producer_perf.js")];
}

function perf(runtime: Runtime, args: string[], timeoutMs = 180_000): { code: number | null; lines: string[]; stderr: string } {
  const [cmd, ...pre] = toolCommand(runtime);
  const r = spawnSync(cmd!, [...pre, ...args], { encoding: "utf8", env: ENV, timeout: timeoutMs, maxBuffer: 1 << 26 });
  return { code: r.status, lines: r.stdout.split("\n").filter((l) => l.length > 0), stderr: r.stderr };
}

/** Rebuilds dist/ with tsc when a source is newer than the built tools. */
function ensureDist(): void {
  const outputs = ["dist/cli/producer_perf.js", "dist/cli/tools/producer_perf.js"].map((f) => join(ROOT, f));
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith(".ts") ? statSync(p).mtimeMs : 0);
    }, 0);
  const built = Math.min(...outputs.map((o) => (existsSync(o) ? statSync(o).mtimeMs : 0)));
  if (built >= Math.max(newest(join(ROOT, "src")), newest(join(ROOT, "runtime")), newest(join(ROOT, "cli")))) return;
  const r = spawnSync(TSC, ["-p", "tsconfig.build.json"], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
  if (outputs.some((o) => !existsSync(o))) throw new Error(`tsc -p tsconfig.build.json did not build the tools:\n${r.stdout}`);
}

/** Runs a Java program (source text) with the broker's JDK; returns its stdout lines. */
function runJava(className: string, source: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), "edgekafka-perf-java-"));
  const file = join(dir, `${className}.java`);
  writeFileSync(file, source);
  return kafkaSh(["java", file]).split("\n").filter((l) => l.length > 0);
}

const NUMBERS = [0, 0.5, 1.005, 2.675, 0.125, 0.25, 0.05, 1.45, 9.995, 99.95, 123456.789, 1e-7, 5e-5, 0.00049999, 1 / 3, 2 / 3,
  390625, 777000.777001, 1234567.891, 1e21, 12345678.95, 98765.4321, 1048576.000001, 0.0001234, 0.0999, 6.02e23, 1.5, 2.5, -0.5, -1.005, NaN, Infinity, -Infinity];

describe("compatibility with Java", () => {
  test("number formatting: %.1f, %.2f, %f, %.3f", () => {
    const lines = runJava("Fmt", `public class Fmt { public static void main(String[] a) { double[] xs = {${NUMBERS.map((x) =>
      Number.isNaN(x) ? "Double.NaN" : x === Infinity ? "Double.POSITIVE_INFINITY" : x === -Infinity ? "Double.NEGATIVE_INFINITY" : `${x}d`).join(",")}};
      for (double x : xs) System.out.println(String.format(java.util.Locale.ROOT, "%.1f|%.2f|%f|%.3f", x, x, x, x)); } }`);
    expect(NUMBERS.map((x) => [1, 2, 6, 3].map((d) => javaFixed(x, d)).join("|"))).toEqual(lines);
  }, 60_000);

  test("SplittableRandom(0): letters, then nextInt for many bounds", () => {
    const bounds = [26, 1, 2, 3, 64, 1000, 65536, 1 << 30, 2147483647, 1999999999, 7, 100];
    const lines = runJava("Rnd", `import java.util.SplittableRandom; public class Rnd { public static void main(String[] a) {
      SplittableRandom r = new SplittableRandom(0); StringBuilder sb = new StringBuilder();
      for (int i = 0; i < 100000; i++) sb.append((char) (r.nextInt(26) + 65)); System.out.println(sb.substring(99000));
      int[] bounds = {${bounds.join(",")}}; StringBuilder o = new StringBuilder();
      for (int i = 0; i < 2000; i++) o.append(r.nextInt(bounds[i % bounds.length])).append(','); System.out.println(o); } }`);
    const random = new JavaSplittableRandom();
    const letters = new Uint8Array(100_000);
    random.fillLetters(letters);
    expect(new TextDecoder().decode(letters.subarray(99_000))).toBe(lines[0]!);
    expect(Array.from({ length: 2000 }, (_, i) => random.nextInt(bounds[i % bounds.length]!) + ",").join("")).toBe(lines[1]!);
    // Payload blocks cut at record boundaries give the same byte stream.
    const gen = new PayloadGenerator({ kind: "size", recordSize: 777 });
    const stream = Array.from({ length: 128 }, (_, i) => new TextDecoder().decode(gen.next(i))).join("");
    const direct = new Uint8Array(777 * 128);
    new JavaSplittableRandom().fillLetters(direct);
    expect(stream).toBe(new TextDecoder().decode(direct));
  }, 60_000);

  test("payload file tokens: java.util.Scanner with the delimiter", () => {
    const inputs = ["\na\n\nb\n", "x,,y,", "\n\n", "one", "a\r\nb\n", "p1||p2|"];
    const delimiters = ["\n", ",", "\n", "\n", "\n", "\\|"];
    const lines = runJava("Scan", `import java.util.*; public class Scan { public static void main(String[] a) {
      String[] in = {${inputs.map((s) => JSON.stringify(s)).join(",")}}; String[] d = {${delimiters.map((s) => JSON.stringify(s)).join(",")}};
      for (int i = 0; i < in.length; i++) { Scanner s = new Scanner(in[i]); s.useDelimiter(d[i]); List<String> l = new ArrayList<>();
        while (s.hasNext()) l.add("[" + s.next().replace("\\r", "CR") + "]"); System.out.println(l.size() + ":" + String.join("", l)); } } }`);
    const ours = inputs.map((s, i) => {
      const t = scannerTokens(s, new RegExp(delimiters[i]!, "gu"));
      return `${t.length}:${t.map((x) => `[${x.replace("\r", "CR")}]`).join("")}`;
    });
    expect(ours).toEqual(lines);
  }, 60_000);
});

describe("perf tool parts", () => {
  test("throttler: Java's float arithmetic and sleep deficit", async () => {
    const t = new ThroughputThrottler(1000, 1_000_000);
    expect(t.shouldThrottle(0, 1_000_000)).toBe(false); // elapsed 0
    expect(t.shouldThrottle(1001, 1_001_000)).toBe(true);
    expect(t.shouldThrottle(999, 1_001_000)).toBe(false);
    expect(new ThroughputThrottler(-1, 0).shouldThrottle(1e9, 1)).toBe(false);
    const start = performance.now();
    await t.throttle(); // 1 ms deficit: below the 2 ms minimum, no sleep
    await t.throttle(); // 2 ms: sleeps
    expect(performance.now() - start).toBeGreaterThanOrEqual(1.5);
  });

  test("stats lines with a fake clock", () => {
    let now = 1000;
    const lines: string[] = [];
    const stats = new PerfStats(10, 5000, false, (l) => lines.push(l), () => now);
    for (let i = 0; i < 5; i++) stats.record(10 + i, 100, (now += 1000));
    expect(lines).toEqual(["5 records sent, 1.0 records/sec (0.00 MB/sec), 12.0 ms avg latency, 14.0 ms max latency.\n"]);
    stats.record(3, 100, (now += 10));
    stats.printTotal();
    expect(lines[1]).toBe("6 records sent, 1.197605 records/sec (0.00 MB/sec), 10.50 ms avg latency, 14.00 ms max latency, 12 ms 50th, 14 ms 95th, 14 ms 99th, 14 ms 99.9th.\n");
    expect(lines[1]!.trim()).toMatch(FINAL);
    expect(lines[0]!.trim()).toMatch(WINDOW);
  });

  test("option errors", async () => {
    const run = async (args: string[]) => {
      const err: string[] = [];
      const out: string[] = [];
      const io = {
        args, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false,
        stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t),
        readFile: () => Promise.reject(new Error("ENOENT")), absolutePath: (p: string) => `/x/${p}`,
      } as unknown as CliIo;
      return { code: await runPerfTest({ io }), err: err.join(""), out: out.join("") };
    };
    expect((await run([])).out).toContain("usage: edgekafka-producer-perf-test");
    const base = ["--topic", "t", "--num-records", "10", "--throughput", "-1"];
    const cases: Array<[string[], string]> = [
      [["--topic", "t"], "argument --num-records is required"],
      [base, "one of the arguments --record-size --payload-file --payload-monotonic is required"],
      [[...base, "--record-size", "1", "--payload-monotonic"], "argument --payload-monotonic: not allowed with argument --record-size"],
      [[...base, "--record-size", "1"], "At least one of --bootstrap-server, --command-property, --producer-props, --producer.config or --command-config must be specified."],
      [[...base, "--record-size", "0", "--bootstrap-server", "h:1"], "--record-size should be greater than zero."],
      [[...base, "--record-size", "1", "--bootstrap-server", "h:1", "--warmup-records", "10"], "The value for --warmup-records must be strictly fewer"],
      [[...base, "--record-size", "1", "--producer-props", "a=b=c"], "Invalid property: a=b=c"],
      [[...base, "--record-size", "1", "--producer-props", "x=1", "--command-property", "y=2"], "--command-property and --producer-props cannot be specified together."],
      [[...base, "--record-size", "1", "--bootstrap-server", "h:1", "--transaction-duration-ms", "0"], "--transaction-duration-ms should be greater than zero."],
      [[...base, "--record-size", "1", "--bootstrap-server", "h:1", "--payload-file", "p"], "not allowed with argument --record-size"],
      [[...base, "--payload-file", "missing.txt", "--bootstrap-server", "h:1"], "File does not exist or empty file provided."],
      [["--topic", "t", "--num-records", "ten", "--throughput", "-1", "--record-size", "1"], `Invalid value "ten" for --num-records`],
      [[...base, "--record-size", "1", "--bootstrap-server", "h:1", "--bogus"], "--bogus is not a recognized option"],
      [[...base, "--record-size", "1", "--bootstrap-server", "h:1", "--command-property", "compression.type=brotli"], `Invalid value "brotli" for "compression.type"`],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code).toBe(1);
      expect(r.err).toContain(message);
    }
    // A property Java's split refuses (a JAAS text has "=" in it) is named without its secret.
    const jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="s3cret-pw";';
    for (const prop of [`sasl.jaas.config=${jaas}`, "ssl.key.password=a=b", "sasl.oauthbearer.client.credentials.client.secret=x=y"]) {
      const r = await run([...base, "--record-size", "1", "--producer-props", prop]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`Invalid property: ${prop.slice(0, prop.indexOf("="))}=[hidden]`);
      expect(r.err).not.toContain("s3cret-pw");
      expect(r.err).not.toContain(prop.slice(prop.indexOf("=") + 1));
    }
  });
});

describe("perf tool against the broker", () => {
  let bootstrap = "";
  beforeAll(() => {
    bootstrap = cluster();
    ensureDist();
  }, 300_000);
  const count = (topic: string, partitions: number) => {
    const r = spawnSync("kcat", ["-b", bootstrap, "-Q", ...Array.from({ length: partitions }, (_, p) => ["-t", `${topic}:${p}:-1`]).flat()], { encoding: "utf8" });
    return [...r.stdout.matchAll(/offset (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  };

  test.each(RUNTIMES)("%s: Java's output format, every record delivered", (runtime) => {
    const topic = createTopic(uniqueTopic(`cli-perf-${runtime}`), 6);
    const r = perf(runtime, ["--topic", topic, "--num-records", "20000", "--record-size", "100", "--throughput", "10000",
      "--reporting-interval", "500", "--bootstrap-server", bootstrap, "--command-property", "acks=all", "linger.ms=5", "batch.size=65536"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const final = r.lines.at(-1)!;
    expect(final).toMatch(FINAL);
    expect(Number(FINAL.exec(final)![1])).toBe(20000);
    const windows = r.lines.slice(0, -1);
    expect(windows.length).toBeGreaterThan(0);
    for (const line of windows) expect(line).toMatch(WINDOW);
    expect(count(topic, 6)).toBe(20000);
  }, 180_000);

  test("Java's own ProducerPerformance prints lines the same regexes match", () => {
    const topic = createTopic(uniqueTopic("cli-perf-java"), 6);
    const out = kafkaSh(["java", "org.apache.kafka.tools.ProducerPerformance", "--topic", topic, "--num-records", "20000", "--record-size", "100",
      "--throughput", "10000", "--reporting-interval", "500", "--bootstrap-server", bootstrap, "--command-property", "acks=all", "linger.ms=5",
      "batch.size=65536"]).split("\n").filter((l) => l.length > 0);
    expect(out.at(-1)!).toMatch(FINAL);
    for (const line of out.slice(0, -1)) expect(line).toMatch(WINDOW);
  }, 180_000);

  test("payloads are byte-identical to Java's (random letters, payload file)", () => {
    const dir = mkdtempSync(join(tmpdir(), "edgekafka-perf-"));
    const file = join(dir, "payloads.txt");
    writeFileSync(file, "alpha\nbeta\n\ngamma ✓\ndelta\n");
    for (const payload of [["--record-size", "37"], ["--payload-file", file]]) {
      const ours = createTopic(uniqueTopic("cli-perf-payload-ours"), 1);
      const theirs = createTopic(uniqueTopic("cli-perf-payload-java"), 1);
      const common = ["--num-records", "300", "--throughput", "-1", ...payload, "--bootstrap-server", bootstrap];
      const r = perf("bun", ["--topic", ours, ...common]);
      expect(r.code).toBe(0);
      kafkaSh(["java", "org.apache.kafka.tools.ProducerPerformance", "--topic", theirs, ...common]);
      const a = kcatRead(bootstrap, ours).map((x) => text(x.value));
      const b = kcatRead(bootstrap, theirs).map((x) => text(x.value));
      expect(a.length).toBe(300);
      expect(a).toEqual(b);
      if (payload[0] === "--payload-file") {
        expect(r.lines.slice(0, 2)).toEqual([`Reading payloads from: ${file}`, "Number of records read: 5"]);
        expect(new Set(a)).toEqual(new Set(["alpha", "beta", "", "gamma ✓", "delta"]));
      }
    }
  }, 180_000);

  test.each(RUNTIMES)("%s: --throughput 2000 holds within 10 %%", (runtime) => {
    const topic = createTopic(uniqueTopic(`cli-perf-throttle-${runtime}`), 3);
    const r = perf(runtime, ["--topic", topic, "--num-records", "10000", "--record-size", "100", "--throughput", "2000",
      "--bootstrap-server", bootstrap]);
    expect(r.code).toBe(0);
    const rate = Number(FINAL.exec(r.lines.at(-1)!)![3]);
    console.log(`${runtime}: --throughput 2000 → ${rate.toFixed(1)} records/s`);
    expect(Math.abs(rate - 2000) / 2000).toBeLessThan(0.1);
  }, 180_000);

  test("transactions, --print-metrics and --warmup-records", () => {
    const topic = createTopic(uniqueTopic("cli-perf-txn"), 3);
    const r = perf("bun", ["--topic", topic, "--num-records", "5000", "--record-size", "50", "--throughput", "-1", "--bootstrap-server", bootstrap,
      "--transactional-id", uniqueTopic("perf-txn"), "--transaction-duration-ms", "200", "--print-metrics", "--warmup-records", "1000"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe("Warmup first 1000 records. Steady state results will print after the complete test summary.");
    const finals = r.lines.filter((l) => FINAL.test(l));
    expect(finals.length).toBe(2);
    expect(finals[0]).toStartWith("5000 records sent");
    expect(finals[1]).toStartWith("4000 steady state records sent");
    expect(r.lines).toContainEqual(expect.stringMatching(/^Metric Name +Value$/));
    expect(r.lines).toContainEqual(expect.stringMatching(/^producer-metrics:record-send-total:\{client-id=perf-producer-client\} +: 5000\.000$/));
    const committed = spawnSync("kcat", ["-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-X", "isolation.level=read_committed", "-f", "%s\n"], {
      encoding: "utf8", maxBuffer: 1 << 26,
    });
    expect(committed.stdout.split("\n").filter((l) => l.length === 50).length).toBe(5000);
  }, 180_000);

  test.each(RUNTIMES)("%s: bad options exit 1 with a message", (runtime) => {
    const r = perf(runtime, ["--topic", "t", "--num-records", "10", "--throughput", "-1", "--record-size", "10"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("At least one of --bootstrap-server");
    const s = perf(runtime, ["--topic", "t", "--num-records", "10", "--throughput", "-1", "--record-size", "10", "--bootstrap-server", bootstrap,
      "--command-property", "linger.ms=later"]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain("linger.ms");
  }, 60_000);
});
