// Machine facts and /proc accounting for the benchmark runner (Linux only, plain Node).
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

/** Clock ticks per second of /proc/<pid>/stat and /proc/stat (USER_HZ). */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** The 1, 5 and 15 minute load averages. */
export function loadAverage() {
  return readFileSync("/proc/loadavg", "utf8").trim().split(/\s+/).slice(0, 3).map(Number);
}

/** CPU seconds spent by all CPUs outside idle and iowait since boot (machine-wide). */
export function machineBusySeconds() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return (user + nice + system + irq + softirq + (steal ?? 0)) / CLK_TCK;
}

/** user+sys CPU seconds of one process (not its children), or null if it is gone. */
export function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14, 15)
  } catch {
    return null;
  }
}

/** RSS of one process in KiB, or null. */
export function processRssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function firstLine(cmd, args) {
  try {
    const r = spawnSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const text = `${r.stdout ?? ""}\n${r.stderr ?? ""}`.trim();
    return text ? text.split("\n")[0].trim() : null;
  } catch {
    return null;
  }
}

/** CPU model, cores, memory, kernel, OS. */
export function machineInfo() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? "unknown";
  const memKiB = Number(/MemTotal:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
  let osName = "Linux";
  try {
    osName = /PRETTY_NAME="([^"]+)"/.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? osName;
  } catch { /* keep */ }
  let hypervisor = null;
  try {
    hypervisor = /Hypervisor vendor:\s*(.+)/.exec(execFileSync("lscpu", { encoding: "utf8" }))?.[1]?.trim() ?? null;
  } catch { /* keep */ }
  return {
    cpuModel: model,
    cores: os.cpus().length,
    hypervisor,
    memoryGiB: Math.round((memKiB / 1024 / 1024) * 10) / 10,
    kernel: os.release(),
    os: osName,
    arch: os.arch(),
  };
}

/** Versions of everything the bench runs. `paths` holds the binaries to ask. */
export function versions(paths) {
  const java = firstLine(paths.java ?? "java", ["-version"]);
  return {
    node: process.version,
    bun: firstLine(paths.bun, ["--version"]),
    deno: firstLine(paths.deno, ["--version"]),
    java,
    kcat: (() => {
      try {
        const out = execFileSync("kcat", ["-V"], { encoding: "utf8" });
        return /Version ([^\n]+)/.exec(out)?.[1]?.trim() ?? null;
      } catch {
        return null;
      }
    })(),
  };
}

/** The git commit of the work tree (and whether it has local changes). */
export function gitState(root) {
  try {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "runtime", "cli", "mod.ts"], {
      cwd: root,
      encoding: "utf8",
    }).trim() !== "";
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}
