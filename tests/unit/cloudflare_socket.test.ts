/**
 * The Cloudflare Workers adapter (`runtime/cloudflare.ts`) over stand-in
 * `cloudflare:sockets` sockets made of web streams: bytes both ways, the
 * writer's backpressure, the peer closing, failures typed (a
 * `ConnectionError` naming host:port, a `TimeoutError`, a `TlsError` for
 * TLS failures and for TLS settings Workers cannot honour), and the
 * CRC-32C fallback when WebAssembly cannot be compiled (as in workerd).
 * The real thing runs in workerd: tests/workers/.
 */

import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { ConnectionError, TimeoutError, TlsError, type SocketHandlers } from "../../mod.ts";
import { cloudflareConnect, type CloudflareSocket, type CloudflareSocketConnect, platform } from "../../runtime/cloudflare.ts";
import { ROOT } from "../helpers/kafka.ts";

/** A broker end: what the client wrote, and a controller to send it bytes or end the stream. */
interface Peer {
  written: Uint8Array[];
  send(bytes: Uint8Array): void;
  end(): void;
  fail(error: Error): void;
  options: { secureTransport: string; allowHalfOpen: boolean } | null;
}

/** A stand-in `connect()`: the writable's queue holds `highWaterMark` chunks; `opened` as given. */
function standIn(o: {
  opened?: Promise<unknown> | ((secureTransport: string) => Promise<unknown>);
  highWaterMark?: number;
  sink?: (chunk: Uint8Array) => Promise<void>;
} = {}) {
  const peer: Peer = { written: [], send: () => {}, end: () => {}, fail: () => {}, options: null };
  const open: CloudflareSocketConnect = (_address, options) => {
    peer.options = options;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const readable = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    peer.send = (b) => controller.enqueue(b);
    peer.end = () => controller.close();
    peer.fail = (e) => controller.error(e);
    const writable = new WritableStream<Uint8Array>({
      write: async (chunk) => {
        await o.sink?.(chunk);
        peer.written.push(chunk.slice());
      },
    }, new CountQueuingStrategy({ highWaterMark: o.highWaterMark ?? 1 }));
    const socket: CloudflareSocket = {
      readable,
      writable,
      opened: typeof o.opened === "function" ? o.opened(options.secureTransport) : o.opened ?? Promise.resolve({}),
      closed: new Promise(() => {}),
      close: async () => {},
    };
    return socket;
  };
  return { peer, open };
}

function recorder() {
  const data: number[] = [];
  const closes: Array<Error | undefined> = [];
  const handlers: SocketHandlers = { onData: (c) => void data.push(...c), onClose: (e) => void closes.push(e) };
  return { data, closes, handlers };
}

const at = { host: "broker.example", port: 9092, connectTimeoutMs: 1000 };
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe("Cloudflare Workers adapter", () => {
  test("writes and reads bytes, plaintext without TLS; close() reports once, without an error", async () => {
    const { peer, open } = standIn();
    const r = recorder();
    const socket = await cloudflareConnect(open)(at, r.handlers);
    expect(peer.options).toEqual({ secureTransport: "off", allowHalfOpen: false });
    await socket.write(new Uint8Array([1, 2, 3]));
    peer.send(new Uint8Array([9, 8]));
    await tick();
    expect([peer.written.map((c) => [...c]), r.data]).toEqual([[[1, 2, 3]], [9, 8]]);
    socket.close();
    socket.close();
    await tick();
    expect(r.closes).toEqual([undefined]);
    await expect(socket.write(new Uint8Array([1]))).rejects.toThrow('Connection to "broker.example:9092" was closed');
  });

  test("a write waits for the writer's backpressure (ready) and resolves once the chunk was taken", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { peer, open } = standIn({ sink: () => gate, highWaterMark: 1 });
    const socket = await cloudflareConnect(open)(at, recorder().handlers);
    let first = false;
    let second = false;
    void socket.write(new Uint8Array([1])).then(() => (first = true));
    void socket.write(new Uint8Array([2])).then(() => (second = true));
    await tick(20);
    expect([first, second, peer.written.length]).toEqual([false, false, 0]);
    release();
    await tick(20);
    expect([first, second, peer.written.map((c) => c[0])]).toEqual([true, true, [1, 2]]);
    socket.close();
  });

  test("the broker ending the stream closes with a ConnectionError; pending writes reject", async () => {
    const { peer, open } = standIn({ sink: () => new Promise(() => {}) });
    const r = recorder();
    const socket = await cloudflareConnect(open)(at, r.handlers);
    const pending = socket.write(new Uint8Array([1]));
    peer.end();
    await expect(pending).rejects.toBeInstanceOf(ConnectionError);
    expect(r.closes).toHaveLength(1);
    expect(r.closes[0]!.message).toBe('Connection to "broker.example:9092" was closed by the broker');
  });

  test("a connection that cannot be opened rejects with a ConnectionError naming host:port", async () => {
    const { open } = standIn({ opened: Promise.reject(new Error("connection refused")) });
    const error = await cloudflareConnect(open)(at, recorder().handlers).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toBe('Connection to "broker.example:9092" failed: connection refused');
  });

  test("opening longer than connectTimeoutMs rejects with a TimeoutError", async () => {
    const { open } = standIn({ opened: new Promise(() => {}) });
    const error = await cloudflareConnect(open)({ ...at, connectTimeoutMs: 30 }, recorder().handlers).catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toBe('Connection to "broker.example:9092" timed out after 30 ms');
  });

  const tls = { ca: null, caFile: null, cert: null, key: null, keyPassword: null, verifyHostname: true };

  test("TLS uses secureTransport on; a failure before the broker's first bytes is a TlsError", async () => {
    const { peer, open } = standIn();
    const r = recorder();
    await cloudflareConnect(open)({ ...at, tls }, r.handlers);
    expect(peer.options?.secureTransport).toBe("on");
    peer.fail(new Error("TLS peer's certificate is not trusted"));
    await tick();
    expect(r.closes[0]).toBeInstanceOf(TlsError);
    expect(r.closes[0]!.message).toContain('TLS connection to "broker.example:9092" failed');
  });

  test("a TLS connection workerd cannot open is a TlsError when plain TCP opens (a refused certificate), else a ConnectionError", async () => {
    // workerd words both alike: "proxy request failed, cannot connect to the specified address".
    const words = () => Promise.reject(new Error("proxy request failed, cannot connect to the specified address"));
    const untrusted = standIn({ opened: (mode) => (mode === "on" ? words() : Promise.resolve({})) });
    const error = await cloudflareConnect(untrusted.open)({ ...at, tls }, recorder().handlers).catch((e) => e);
    expect(error).toBeInstanceOf(TlsError);
    expect(error.message).toContain("a plain TCP connection opens, so the TLS handshake failed");
    const down = standIn({ opened: words });
    const refused = await cloudflareConnect(down.open)({ ...at, tls }, recorder().handlers).catch((e) => e);
    expect(refused).toBeInstanceOf(ConnectionError);
    expect(refused).not.toBeInstanceOf(TlsError);
    expect(refused.retriable).toBe(true);
    expect(refused.message).toBe('Connection to "broker.example:9092" failed: proxy request failed, cannot connect to the specified address');
  });

  test("TLS settings Workers cannot honour are refused with a TlsError naming the key", async () => {
    const { open } = standIn();
    for (const [setting, key] of [
      [{ ca: "-----BEGIN CERTIFICATE-----" }, "ssl.truststore.certificates"],
      [{ caFile: "/ca.pem" }, "ssl.truststore.location"],
      [{ verifyHostname: false }, 'ssl.endpoint.identification.algorithm=""'],
    ] as const) {
      const error = await cloudflareConnect(open)({ ...at, tls: { ...tls, ...setting } }, recorder().handlers).catch((e) => e);
      expect(error).toBeInstanceOf(TlsError);
      expect(error.message).toContain(`${key} cannot be used on Cloudflare Workers`);
    }
  });

  test("the platform: six connections, no WebAssembly from bytes, no codecs of its own (each missing one says why)", () => {
    expect([platform.name, platform.maxConnections, platform.wasmCrc32c]).toEqual(["cloudflare", 6, undefined]);
    expect(platform.codecs).toEqual({ missing: { gzip: "Cloudflare Workers have no synchronous gzip", snappy: "Cloudflare Workers have no snappy", lz4: "Cloudflare Workers have no lz4", zstd: "Cloudflare Workers have no zstd" } });
  });

  test("where WebAssembly cannot be compiled (workerd's embedder), the checksum falls back to the TypeScript tables", () => {
    const script = [
      'const refuse = () => Promise.reject(new WebAssembly.CompileError("Wasm code generation disallowed by embedder"));',
      "WebAssembly.compile = refuse; WebAssembly.instantiate = refuse;",
      'const m = await import("./src/protocol/crc32c.ts");',
      'const { wasmCrc32c } = await import("./runtime/wasm_crc32c.ts");',
      "await m.crc32cReady(wasmCrc32c);",
      'console.log(m.crc32cImplementation(), m.crc32c(new TextEncoder().encode("123456789")).toString(16));',
    ].join("\n");
    const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("table e3069283");
  });
});
