// A CPU profile of a Deno program (Deno has no --cpu-prof): starts it with --inspect-wait, drives V8's
// sampling profiler over the inspector protocol for a fixed window, and writes a .cpuprofile that
// bench/cpuprofile_top.mjs (or Chrome DevTools) reads. Runs on Bun (it needs a WebSocket client).
//
//   bun bench/deno_cpuprof.mjs OUT.cpuprofile WINDOW_MS deno run [flags] script.ts [args...]
//
// The window starts when the program starts; make the run outlast it (a program that exits first
// takes its profile with it).
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";

const [out, windowMs, denoBin, sub, ...rest] = process.argv.slice(2);
if (!out || !windowMs || sub !== "run") {
  console.error("usage: bun bench/deno_cpuprof.mjs OUT.cpuprofile WINDOW_MS deno run [flags] script [args...]");
  process.exit(2);
}
const port = 9229 + Math.floor(Math.random() * 500);
const child = spawn(denoBin, ["run", `--inspect-wait=127.0.0.1:${port}`, ...rest], { stdio: ["ignore", "inherit", "pipe"] });
child.stderr.on("data", (d) => {
  const text = String(d);
  if (!/Debugger listening|Visit chrome|Waiting for the debugger|Debugger session started/.test(text)) process.stderr.write(text);
});

let url = null;
for (let i = 0; i < 100 && url === null; i++) {
  await new Promise((r) => setTimeout(r, 100));
  try {
    const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
    url = list[0]?.webSocketDebuggerUrl ?? null;
  } catch { /* not yet */ }
}
if (url === null) throw new Error("the Deno inspector did not come up");

const ws = new WebSocket(url);
await new Promise((resolve, reject) => {
  ws.onopen = resolve;
  ws.onerror = reject;
});
let nextId = 1;
const pending = new Map();
ws.onmessage = (event) => {
  const msg = JSON.parse(String(event.data));
  if (msg.id && pending.has(msg.id)) {
    pending.get(msg.id)(msg);
    pending.delete(msg.id);
  }
};
const call = (method, params = {}) =>
  new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    ws.send(JSON.stringify({ id, method, params }));
  });

await call("Profiler.enable");
await call("Profiler.setSamplingInterval", { interval: 500 });
await call("Profiler.start");
void call("Runtime.runIfWaitingForDebugger");
await new Promise((r) => setTimeout(r, Number(windowMs)));
const stopped = await call("Profiler.stop");
if (!stopped.result?.profile) throw new Error(`no profile (did the program exit before ${windowMs} ms?): ${JSON.stringify(stopped)}`);
writeFileSync(out, JSON.stringify(stopped.result.profile));
console.error(`deno_cpuprof: wrote ${out}`);
ws.close();
await new Promise((resolve) => child.on("close", resolve));
