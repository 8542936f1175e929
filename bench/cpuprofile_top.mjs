#!/usr/bin/env node
// Where the time goes in a .cpuprofile (from `node --cpu-prof` or `bun --cpu-prof`): self time per
// function and per source file, and inclusive time of chosen functions.
//
//   node bench/cpuprofile_top.mjs PROFILE.cpuprofile [--top 25] [--inclusive name1,name2]
//
// Self time = samples whose leaf is the function. Files are shortened to the part after the repository
// root (or after node_modules/). "(program)", "(garbage collector)" and "(idle)" are V8's own buckets.
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const file = args[0];
if (!file) {
  process.stderr.write("usage: node bench/cpuprofile_top.mjs PROFILE.cpuprofile [--top N] [--inclusive f1,f2]\n");
  process.exit(2);
}
const top = Number(args[args.indexOf("--top") + 1]) || 25;
const inclusive = args.includes("--inclusive") ? args[args.indexOf("--inclusive") + 1].split(",") : [];

const profile = JSON.parse(readFileSync(file, "utf8"));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// time per node from samples + timeDeltas (µs); fall back to hitCount × interval
const selfUs = new Map();
if (profile.samples && profile.timeDeltas) {
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0; // a sample's time runs until the next sample
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + Math.max(0, dt));
  }
} else {
  const interval = (profile.endTime - profile.startTime) / Math.max(1, profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0));
  for (const n of profile.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * interval);
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const short = (url) => {
  if (!url) return "";
  let u = url.replace(/^file:\/\//, "");
  const nm = u.lastIndexOf("node_modules/");
  if (nm >= 0) return u.slice(nm);
  const m = /\/(src|runtime|cli|bench|mod\.ts|mod\.js)(\/|$)/.exec(u);
  return m ? u.slice(m.index + 1) : u;
};
const key = (n) => `${n.callFrame.functionName || "(anonymous)"} ${short(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ""}`;

const byFunction = new Map();
const byFile = new Map();
for (const [id, us] of selfUs) {
  const n = nodes.get(id);
  byFunction.set(key(n), (byFunction.get(key(n)) ?? 0) + us);
  const f = short(n.callFrame.url) || n.callFrame.functionName || "(native)";
  byFile.set(f, (byFile.get(f) ?? 0) + us);
}
const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
const print = (title, map) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}\n`);
};
process.stdout.write(`${file}: ${(total / 1000).toFixed(0)} ms sampled\n`);
print("self time by function", byFunction);
print("self time by file", byFile);

if (inclusive.length) {
  process.stdout.write("\ninclusive time (samples with the function anywhere on the stack)\n");
  for (const name of inclusive) {
    let us = 0;
    for (const [id, t] of selfUs) {
      for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
        if (nodes.get(cur).callFrame.functionName === name) {
          us += t;
          break;
        }
      }
    }
    process.stdout.write(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}\n`);
  }
}
